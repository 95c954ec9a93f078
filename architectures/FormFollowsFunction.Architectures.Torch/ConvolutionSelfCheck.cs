using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using static TorchSharp.torch;

namespace FormFollowsFunction.Architectures.Torch;

/// <summary>One convolution the self-check runs, and how far TorchSharp's result was from the exact one.</summary>
public sealed record ConvolutionCheck(int InChannels, int OutChannels, int Size, int Kernel, int Stride, int Groups, double RelativeL2Error)
{
    public string Shape => $"{Kernel}x{Kernel} conv {InChannels}->{OutChannels} channels{(Groups > 1 ? $", {Groups} groups" : "")}, stride {Stride}, {Size}x{Size}";
}

/// <summary>What the self-check found: the worst case, and whether every case agreed.</summary>
public sealed record ConvolutionSelfCheckResult(IReadOnlyList<ConvolutionCheck> Checks, double Tolerance)
{
    public ConvolutionCheck Worst => Checks.MaxBy(c => c.RelativeL2Error)!;

    public bool Passed => Checks.All(c => c.RelativeL2Error <= Tolerance);

    public string Summary => Passed
        ? $"{Checks.Count} convolutions agree with a double-precision direct convolution (worst relative L2 error {Worst.RelativeL2Error:0.0e0})"
        : $"relative L2 error {Worst.RelativeL2Error:0.00e0} on a {Worst.Shape}";
}

/// <summary>
/// Checks that this process's libtorch computes convolutions right, before its timings are trusted.
/// On the project's build machines libtorch 2.10's oneDNN vector kernels give 14–40% wrong results for
/// dense 3x3 convolutions whose input channels are not a multiple of the vector width (see
/// <see cref="OneDnnIsa"/>); the shapes here are those, plus common safe ones. Each result is compared
/// with a direct convolution accumulated in double precision. Takes well under a second.
/// </summary>
public static class ConvolutionSelfCheck
{
    public const double Tolerance = 1e-5;

    // (in, out, size, kernel, stride, groups): the failing shapes seen, and depthwise/pointwise controls.
    private static readonly (int In, int Out, int Size, int Kernel, int Stride, int Groups)[] Cases =
    [
        (24, 48, 32, 3, 2, 1),
        (24, 32, 56, 3, 1, 1),
        (20, 32, 56, 3, 1, 1),
        (40, 32, 24, 3, 1, 1),
        (12, 32, 56, 3, 1, 1),
        (64, 32, 32, 3, 1, 1),
        (3, 32, 64, 3, 2, 1),
        (48, 48, 28, 3, 1, 48),
        (24, 40, 28, 1, 1, 1),
    ];

    public static ConvolutionSelfCheckResult Run()
    {
        var checks = new List<ConvolutionCheck>(Cases.Length);
        int seed = 1;
        foreach (var (inputs, outputs, size, kernel, stride, groups) in Cases)
        {
            int perGroup = inputs / groups;
            var x = ModelInput.Create(TensorShape.Nchw(1, inputs, size, size), seed++);
            var w = ModelInput.Create(TensorShape.Nchw(outputs, perGroup, kernel, kernel), seed++);
            int padding = kernel / 2;
            float[] actual;
            using (NewDisposeScope())
                actual = nn.functional.conv2d(tensor(x, [1, inputs, size, size]), tensor(w, [outputs, perGroup, kernel, kernel]),
                    strides: [stride, stride], padding: [padding, padding], groups: groups).data<float>().ToArray();
            var expected = DirectConvolution(x, w, inputs, outputs, size, kernel, stride, padding, groups);
            checks.Add(new ConvolutionCheck(inputs, outputs, size, kernel, stride, groups, OutputComparison.RelativeL2Error(actual, expected)));
        }
        return new ConvolutionSelfCheckResult(checks, Tolerance);
    }

    private static float[] DirectConvolution(float[] x, float[] w, int inputs, int outputs, int size, int kernel, int stride, int padding, int groups)
    {
        int outSize = (size + 2 * padding - kernel) / stride + 1;
        int perGroupIn = inputs / groups, perGroupOut = outputs / groups;
        var y = new float[outputs * outSize * outSize];
        // Output channels are independent: spread them over the cores (this runs before any timing).
        Parallel.For(0, outputs, o =>
        {
            int firstInput = o / perGroupOut * perGroupIn;
            for (int r = 0; r < outSize; r++)
                for (int c = 0; c < outSize; c++)
                {
                    double sum = 0;
                    for (int i = 0; i < perGroupIn; i++)
                        for (int kr = 0; kr < kernel; kr++)
                        {
                            int ir = r * stride + kr - padding;
                            if (ir < 0 || ir >= size) continue;
                            for (int kc = 0; kc < kernel; kc++)
                            {
                                int ic = c * stride + kc - padding;
                                if (ic < 0 || ic >= size) continue;
                                sum += (double)w[((o * perGroupIn + i) * kernel + kr) * kernel + kc] * x[((firstInput + i) * size + ir) * size + ic];
                            }
                        }
                    y[(o * outSize + r) * outSize + c] = (float)sum;
                }
        });
        return y;
    }
}
