using System.Runtime.InteropServices;
using TorchSharp;

namespace FormFollowsFunction.Benchmarks.Backends.Torch;

/// <summary>
/// libtorch's process-wide GPU arithmetic switches: TF32 in cuDNN convolutions and cuBLAS matrix
/// products (TorchSharp's <c>torch.backends.cudnn.allow_tf32</c> and <c>torch.backends.cuda.matmul.allow_tf32</c>)
/// and cuDNN's convolution algorithm search (PyTorch's <c>torch.backends.cudnn.benchmark</c>, which
/// TorchSharp 0.107 does not expose: it is set on libtorch's global context, <c>at::globalContext()</c>,
/// through the exported C++ methods of libtorch_cpu). Every switch is a flag of that context, so it can be
/// set and read back with the CPU build of libtorch as well, which is how it is tested.
/// </summary>
public static class TorchGpuArithmetic
{
    private const string GlobalContext = "_ZN2at13globalContextEv";               // at::globalContext()
    private const string SetBenchmark = "_ZN2at7Context17setBenchmarkCuDNNEb";     // at::Context::setBenchmarkCuDNN(bool)
    private const string GetBenchmark = "_ZNK2at7Context14benchmarkCuDNNEv";       // at::Context::benchmarkCuDNN() const

    /// <summary>Sets TF32 (cuDNN and cuBLAS) and cuDNN autotuning; call after libtorch is loaded and before the first GPU inference.</summary>
    public static void Apply(bool tf32, bool cudnnAutotune)
    {
        torch.backends.cudnn.allow_tf32 = tf32;
        torch.backends.cuda.matmul.allow_tf32 = tf32;
        CudnnBenchmark = cudnnAutotune;
    }

    /// <summary>What libtorch's context holds now: (cuDNN TF32, cuBLAS TF32, cuDNN benchmark).</summary>
    public static (bool CudnnTf32, bool MatmulTf32, bool CudnnAutotune) Current =>
        (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32, CudnnBenchmark);

    /// <summary>libtorch's cuDNN benchmark flag (default false: cuDNN's heuristics choose each convolution's algorithm).</summary>
    public static unsafe bool CudnnBenchmark
    {
        get
        {
            var (context, _, get) = Methods();
            return ((delegate* unmanaged<nint, byte>)get)(context) != 0;
        }
        set
        {
            var (context, set, _) = Methods();
            ((delegate* unmanaged<nint, byte, void>)set)(context, value ? (byte)1 : (byte)0);
        }
    }

    private static unsafe (nint Context, nint Set, nint Get) Methods()
    {
        _ = torch.get_num_threads(); // loads libtorch
        string file = OperatingSystem.IsWindows() ? "torch_cpu.dll" : "libtorch_cpu.so";
        if (!NativeLibrary.TryLoad(file, typeof(torch).Assembly, null, out var library))
            throw new InvalidOperationException($"libtorch's {file} is not loadable from TorchSharp's folder, so cuDNN's benchmark flag cannot be set");
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new InvalidOperationException($"{file} does not export {name}; this libtorch's cuDNN benchmark flag cannot be set");
        nint context = ((delegate* unmanaged<nint>)Export(GlobalContext))();
        return (context, Export(SetBenchmark), Export(GetBenchmark));
    }
}
