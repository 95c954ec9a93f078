using System.Runtime.InteropServices;

namespace FormFollowsFunction.Architectures.Torch;

/// <summary>
/// Caps the instruction set of oneDNN, the library libtorch runs CPU convolutions with, through its
/// <c>ONEDNN_MAX_CPU_ISA</c> environment variable.
/// </summary>
/// <remarks>
/// <para>Why: on the project's build machines (a virtual "AMD EPYC" CPU with AVX-512) libtorch 2.10's
/// oneDNN convolutions give wrong results, 14–40% relative L2 error, for dense 3x3 convolutions whose
/// input channel count is not a multiple of the vector width (with AVX-512: 20, 24, 40 channels; capped
/// at AVX2: 12 and 20) on maps of 24x24 and more, where oneDNN's JIT kernels take over; capped at SSE4.1
/// every case checked agrees with ONNX Runtime and with a double-precision reference to 3e-7
/// (docs/export.md, "TorchSharp convolutions on this CPU"). The cap changes which kernels the TorchSharp
/// baseline runs, so whoever sets it must record it with the results.</para>
/// <para>oneDNN reads the variable once, at its first use in the process; .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach the C library's
/// environment on Linux, so the cap is set with <c>setenv</c> and must be set before the first
/// TorchSharp convolution runs.</para>
/// </remarks>
public static partial class OneDnnIsa
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap in force for this process (as the C library's environment holds it), or <c>null</c>.</summary>
    public static string? Current => NativeEnvironment.Get(Variable);

    /// <summary>Caps oneDNN at <paramref name="isa"/> (for example <c>AVX2</c>); call before TorchSharp runs anything.</summary>
    public static void LimitTo(string isa)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(isa);
        NativeEnvironment.Set(Variable, isa);
    }
}

/// <summary>
/// The C library's environment, which native libraries read: on Linux .NET keeps its own copy, so
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach libtorch.
/// </summary>
internal static partial class NativeEnvironment
{
    public static string? Get(string name) => OperatingSystem.IsWindows()
        ? Environment.GetEnvironmentVariable(name)
        : Marshal.PtrToStringUTF8(GetEnvironment(name));

    public static void Set(string name, string value)
    {
        if (OperatingSystem.IsWindows())
            Environment.SetEnvironmentVariable(name, value);
        else if (SetEnvironment(name, value, overwrite: 1) != 0)
            throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "setenv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnvironment(string name);
}
