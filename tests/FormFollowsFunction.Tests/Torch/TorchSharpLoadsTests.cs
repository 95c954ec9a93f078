using TorchSharp;
using static TorchSharp.torch;

namespace FormFollowsFunction.Tests.Torch;

/// <summary>
/// TorchSharp's native glue must load from the build output on every supported host, Debian 12
/// included (see tools/build/PatchLibTorchSharp.cs): a convolution must run and give known numbers.
/// </summary>
public sealed class TorchSharpLoadsTests
{
    [Fact]
    public void A_convolution_runs_natively_and_gives_the_known_result()
    {
        using var scope = NewDisposeScope();
        // 1x1x3x3 input of ones; a 2x2 kernel of ones without padding sums four ones per output.
        var input = ones(1, 1, 3, 3);
        var kernel = ones(1, 1, 2, 2);
        var output = nn.functional.conv2d(input, kernel);

        Assert.Equal(new long[] { 1, 1, 2, 2 }, output.shape);
        Assert.All(output.data<float>().ToArray(), v => Assert.Equal(4f, v));
    }

    [Fact]
    public void The_build_output_copy_loaded_so_no_fallback_copy_was_made()
    {
        using var _ = ones(1).sum();
        // TorchSharp copies unpatched native files into a cpu/ folder only when the regular load failed.
        string fallback = Path.Combine(AppContext.BaseDirectory, "cpu");
        Assert.False(Directory.Exists(fallback), $"TorchSharp fell back to {fallback}: the build output's libLibTorchSharp.so did not load");
    }
}
