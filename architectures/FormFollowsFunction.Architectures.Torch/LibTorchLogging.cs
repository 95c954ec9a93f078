using System.Runtime.InteropServices;

namespace FormFollowsFunction.Architectures.Torch;

/// <summary>
/// Quiets libtorch's C++ warnings. On CPUs NNPACK does not support, libtorch 2.10 logs "Could not
/// initialize NNPACK! Reason: Unsupported hardware." on every convolution it considers NNPACK for:
/// hundreds of harmless lines per inference that bury a command's own output. Errors still print.
/// A user's own <c>TORCH_CPP_LOG_LEVEL</c> is respected.
/// </summary>
public static class LibTorchLogging
{
    private const string Variable = "TORCH_CPP_LOG_LEVEL";
    private const string InitLogging = "_ZN3c1011initLoggingEv"; // c10::initLogging(), which reads the variable

    /// <summary>Sets libtorch's log level to ERROR unless the environment chose one. Call before running models.</summary>
    public static void WarningsOff()
    {
        if (NativeEnvironment.Get(Variable) is null) NativeEnvironment.Set(Variable, "ERROR");
        _ = TorchSharp.torch.get_num_threads(); // loads libtorch, and with it libc10
        if (NativeLibrary.TryLoad(OperatingSystem.IsWindows() ? "c10.dll" : "libc10.so", typeof(TorchSharp.torch).Assembly, null, out var c10)
            && NativeLibrary.TryGetExport(c10, InitLogging, out var initLogging))
            Call(initLogging);
    }

    private static unsafe void Call(nint function) => ((delegate* unmanaged<void>)function)();
}
