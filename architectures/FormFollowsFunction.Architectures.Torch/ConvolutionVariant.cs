using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace FormFollowsFunction.Architectures.Torch;

/// <summary>
/// Ways to run one convolution in libtorch on the CPU, all computing the same function with different kernels.
/// <see cref="OneDnn"/> is libtorch's own choice; the others are candidates for a shape whose oneDNN
/// kernel fails the self-check on this CPU (<see cref="ConvolutionSelfCheck.Select"/>). A new variant is
/// one enum value here, a name and a case in <see cref="ConvolutionVariants.Run"/>.
/// </summary>
public enum ConvolutionVariant
{
    /// <summary>libtorch's default: oneDNN's kernels for the input's (NCHW) layout.</summary>
    OneDnn,

    /// <summary>The input is handed over in channels-last (NHWC) layout, so oneDNN picks its NHWC kernels; the output goes back to NCHW.</summary>
    ChannelsLast,

    /// <summary>oneDNN switched off for this convolution only (libtorch's <c>at::Context::setUserEnabledMkldnn(false)</c>): libtorch's own kernels.</summary>
    Native,
}

public static class ConvolutionVariants
{
    /// <summary>Candidates for a failing shape, tried in this order; of the correct ones, <see cref="Preferred"/> is kept.</summary>
    public static IReadOnlyList<ConvolutionVariant> Alternatives { get; } = [ConvolutionVariant.ChannelsLast, ConvolutionVariant.Native];

    /// <summary>How much faster a later candidate must be to replace an earlier one (see <see cref="Preferred"/>).</summary>
    public const double ClearlyFaster = 0.10;

    /// <summary>
    /// The variant kept among correct candidates, given in <see cref="Alternatives"/> order with their times:
    /// the first, unless a later one is more than <see cref="ClearlyFaster"/> faster than the one kept so
    /// far. Each run chooses afresh (a median of a few timings of one convolution), and two variants within
    /// the noise of that timing would otherwise trade places from run to run, which <c>fff compare</c>
    /// reports as a changed configuration; a clear winner is still taken.
    /// </summary>
    public static ConvolutionVariant Preferred(IReadOnlyList<(ConvolutionVariant Variant, double Milliseconds)> correct)
    {
        if (correct.Count == 0) throw new ArgumentException("no correct variant to choose from", nameof(correct));
        var kept = correct[0];
        foreach (var candidate in correct.Skip(1))
            if (candidate.Milliseconds < kept.Milliseconds * (1 - ClearlyFaster)) kept = candidate;
        return kept.Variant;
    }

    /// <summary>The name in the <c>device</c> column and the manifest.</summary>
    public static string Name(this ConvolutionVariant variant) => variant switch
    {
        ConvolutionVariant.OneDnn => "oneDNN",
        ConvolutionVariant.ChannelsLast => "oneDNN channels-last",
        ConvolutionVariant.Native => "oneDNN off",
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>Runs <paramref name="convolution"/> on <paramref name="input"/> as <paramref name="variant"/>; the result is NCHW-contiguous.</summary>
    /// <remarks>Temporaries are freed here, so that the forward's early freeing still bounds its memory.</remarks>
    public static Tensor Run(this ConvolutionVariant variant, Func<Tensor, Tensor> convolution, Tensor input)
    {
        switch (variant)
        {
            case ConvolutionVariant.OneDnn:
                return convolution(input);
            case ConvolutionVariant.ChannelsLast:
            {
                // NCHW sizes over NHWC storage is how libtorch represents a channels-last tensor.
                using var nhwc = input.permute(0, 2, 3, 1).contiguous();
                using var channelsLast = nhwc.permute(0, 3, 1, 2);
                var output = convolution(channelsLast);
                if (output.is_contiguous()) return output;
                using (output) return output.contiguous();
            }
            case ConvolutionVariant.Native:
                OneDnnSwitch.Enabled = false;
                try
                {
                    return convolution(input);
                }
                finally
                {
                    OneDnnSwitch.Enabled = true;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(variant));
        }
    }
}

/// <summary>
/// libtorch's process-wide "use oneDNN" flag, <c>at::globalContext().userEnabledMkldnn()</c> (PyTorch's
/// <c>torch.backends.mkldnn.enabled</c>, which TorchSharp 0.107 does not expose), read and set through the
/// C++ methods libtorch_cpu exports. libtorch reads it on every convolution, so a forward can turn oneDNN off
/// around one layer and on again.
/// </summary>
public static class OneDnnSwitch
{
    private const string GlobalContext = "_ZN2at13globalContextEv";              // at::globalContext()
    private const string SetEnabled = "_ZN2at7Context20setUserEnabledMkldnnEb";  // at::Context::setUserEnabledMkldnn(bool)
    private const string GetEnabled = "_ZNK2at7Context17userEnabledMkldnnEv";    // at::Context::userEnabledMkldnn() const

    private static readonly Lazy<(nint Context, nint Set, nint Get)> Methods = new(Resolve);

    public static unsafe bool Enabled
    {
        get => ((delegate* unmanaged<nint, byte>)Methods.Value.Get)(Methods.Value.Context) != 0;
        set => ((delegate* unmanaged<nint, byte, void>)Methods.Value.Set)(Methods.Value.Context, value ? (byte)1 : (byte)0);
    }

    private static unsafe (nint, nint, nint) Resolve()
    {
        _ = torch.get_num_threads(); // loads libtorch
        string file = OperatingSystem.IsWindows() ? "torch_cpu.dll" : "libtorch_cpu.so";
        if (!NativeLibrary.TryLoad(file, typeof(torch).Assembly, null, out var library))
            throw new InvalidOperationException($"libtorch's {file} is not loadable from TorchSharp's folder, so oneDNN cannot be switched off per convolution");
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new InvalidOperationException($"{file} does not export {name}; this libtorch cannot switch oneDNN off per convolution");
        nint context = ((delegate* unmanaged<nint>)Export(GlobalContext))();
        return (context, Export(SetEnabled), Export(GetEnabled));
    }
}
