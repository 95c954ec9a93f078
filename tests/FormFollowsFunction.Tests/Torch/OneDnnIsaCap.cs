using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using FormFollowsFunction.Architectures.Torch;

namespace FormFollowsFunction.Tests.Torch;

/// <summary>
/// Caps libtorch's oneDNN at SSE4.1 for the whole test run, before any TorchSharp convolution runs, unless
/// the environment already sets a cap: its AVX-512 and AVX2 convolutions are wrong on the build machines'
/// CPU (<see cref="OneDnnIsa"/>, <see cref="TorchSharpConvolutionTests"/>), and the tests check the
/// suite's own code against TorchSharp, not libtorch's kernels.
/// </summary>
internal static class OneDnnIsaCap
{
    public const string TestIsa = "SSE41";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "oneDNN reads the cap once, at its first use; it must be set before any test runs.")]
    internal static void Apply()
    {
        if (OneDnnIsa.Current is null) OneDnnIsa.LimitTo(TestIsa);
    }
}
