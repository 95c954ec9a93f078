using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FormFollowsFunction.Benchmarks.Backends.Cuda;

/// <summary>A CUDA runtime call failed, or the runtime library could not be loaded; the message says which and what to do.</summary>
public sealed class CudaRuntimeException(string message) : Exception(message);

/// <summary>
/// The few CUDA runtime calls the ONNX Runtime CUDA backend needs to keep a model's input and output
/// resident in device memory: one host-to-device copy of the input when the model is loaded and one
/// device-to-host copy of the first output for the parity check, both outside the timed calls. The
/// runtime is the one ONNX Runtime's CUDA provider itself needs (CUDA 13's <c>libcudart.so.13</c>),
/// found through the loader path that tools/gpu-kit/run-gpu.sh sets.
/// </summary>
public static partial class CudaRuntime
{
    /// <summary>The CUDA runtime's file name, as the loader looks it up.</summary>
    public const string Library = "libcudart.so.13";

    /// <summary>cudaMemcpyDefault: the direction is inferred from the pointers (unified virtual addressing).</summary>
    private const int MemcpyDefault = 4;

    /// <summary>Copies <paramref name="source"/> into device memory at <paramref name="destination"/> (which holds at least as many floats).</summary>
    public static unsafe void CopyToDevice(nint destination, ReadOnlySpan<float> source)
    {
        nuint bytes = (nuint)(source.Length * sizeof(float));
        fixed (float* host = source)
        {
            nint from = (nint)host;
            Check(() => Memcpy(destination, from, bytes, MemcpyDefault), "cudaMemcpy to the device");
        }
    }

    /// <summary>Copies device memory at <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static unsafe void CopyToHost(Span<float> destination, nint source)
    {
        nuint bytes = (nuint)(destination.Length * sizeof(float));
        fixed (float* host = destination)
        {
            nint to = (nint)host;
            Check(() => Memcpy(to, source, bytes, MemcpyDefault), "cudaMemcpy to the host");
        }
    }

    /// <summary>Waits for every task queued on the current device (the end of a timed call where no engine call does it).</summary>
    public static void Synchronize() => Check(DeviceSynchronize, "cudaDeviceSynchronize");

    /// <summary>The address of a span's first element (device memory wrapped in a span is never read through it).</summary>
    public static unsafe nint AddressOf(Span<byte> span) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    private static void Check(Func<int> call, string what)
    {
        int status;
        try
        {
            status = call();
        }
        catch (DllNotFoundException e)
        {
            throw new CudaRuntimeException(
                $"{what}: the CUDA 13 runtime {Library} could not be loaded ({e.Message.Split('\n')[0].Trim()}); put CUDA 13's library folder on LD_LIBRARY_PATH, or run through tools/gpu-kit/run-gpu.sh, which finds it");
        }
        if (status != 0)
            throw new CudaRuntimeException($"{what} failed: CUDA error {status} ({Marshal.PtrToStringUTF8(ErrorString(status)) ?? "unknown"})");
    }

    [LibraryImport(Library, EntryPoint = "cudaMemcpy")]
    private static partial int Memcpy(nint destination, nint source, nuint bytes, int kind);

    [LibraryImport(Library, EntryPoint = "cudaDeviceSynchronize")]
    private static partial int DeviceSynchronize();

    [LibraryImport(Library, EntryPoint = "cudaGetErrorString")]
    private static partial nint ErrorString(int status);
}
