using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Description;
using static TorchSharp.torch;

namespace FormFollowsFunction.Tests.Torch;

/// <summary>
/// TorchSharp's dense 3x3 convolution must agree with a double-precision direct convolution, in particular
/// for input channel counts that are not multiples of the vector width on maps of 24x24 and more: with oneDNN's
/// AVX-512 or AVX2 kernels these were 14–40% wrong on the build machines (see <see cref="OneDnnIsa"/>); this
/// test guards the cap the test run sets.
/// </summary>
public sealed class TorchSharpConvolutionTests
{
    [Theory]
    [InlineData(24, 48, 32, 2)]
    [InlineData(24, 32, 56, 1)]
    [InlineData(20, 32, 56, 1)]
    [InlineData(40, 32, 24, 1)]
    [InlineData(12, 32, 56, 1)]
    [InlineData(64, 32, 32, 1)]
    public void Convolution_matches_a_direct_double_precision_convolution(int inputs, int outputs, int size, int stride)
    {
        var input = ModelInput.Create(TensorShape.Nchw(1, inputs, size, size), 1);
        var weight = ModelInput.Create(TensorShape.Nchw(outputs, inputs, 3, 3), 2);
        float[] actual;
        using (NewDisposeScope())
            actual = nn.functional.conv2d(tensor(input, [1, inputs, size, size]), tensor(weight, [outputs, inputs, 3, 3]),
                strides: [stride, stride], padding: [1, 1]).data<float>().ToArray();

        int outSize = (size - 1) / stride + 1;
        var expected = new float[outputs * outSize * outSize];
        for (int o = 0; o < outputs; o++)
            for (int y = 0; y < outSize; y++)
                for (int x = 0; x < outSize; x++)
                {
                    double sum = 0;
                    for (int i = 0; i < inputs; i++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++)
                            {
                                int iy = y * stride + ky - 1, ix = x * stride + kx - 1;
                                if (iy >= 0 && ix >= 0 && iy < size && ix < size)
                                    sum += weight[((o * inputs + i) * 3 + ky) * 3 + kx] * (double)input[(i * size + iy) * size + ix];
                            }
                    expected[(o * outSize + y) * outSize + x] = (float)sum;
                }

        double error = OutputComparison.RelativeL2Error(actual, expected);
        Assert.True(error < 1e-5,
            $"TorchSharp conv2d ({inputs}->{outputs}, 3x3, stride {stride}, {size}x{size}) is off by relative L2 {error:E2} with " +
            $"{OneDnnIsa.Variable}={OneDnnIsa.Current ?? "(unset)"}; libtorch's oneDNN vector kernels are wrong on some CPUs: " +
            $"set {OneDnnIsa.Variable}=SSE41 (docs/export.md)");
    }

    [Fact]
    public void The_test_run_caps_onednn_before_torch_starts()
    {
        Assert.NotNull(OneDnnIsa.Current);
    }
}
