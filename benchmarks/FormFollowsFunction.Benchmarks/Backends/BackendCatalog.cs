using FormFollowsFunction.Architectures.Catalog;

namespace FormFollowsFunction.Benchmarks.Backends;

public enum InferenceEngine
{
    TorchSharp,
    OnnxRuntime,
}

/// <summary>What a backend is, independent of whether this machine can run it.</summary>
/// <param name="Name">Identifier used on the command line and in results: <c>ort-cpu</c>, ...</param>
/// <param name="ExecutionProvider">ONNX Runtime's provider name, for ONNX Runtime backends.</param>
/// <param name="LibraryVariable">Environment variable that points the backend at its native library.</param>
/// <param name="HowToEnable">What a user does to make the backend available, in a sentence.</param>
public sealed record BackendDescriptor(
    string Name,
    InferenceEngine Engine,
    string DeviceKind,
    string Summary,
    string? ExecutionProvider,
    string? LibraryVariable,
    string HowToEnable)
{
    public bool UsesOnnxRuntime => Engine == InferenceEngine.OnnxRuntime;

    /// <summary>
    /// Whether this backend can run <paramref name="model"/>: ONNX Runtime runs any model's ONNX file; TorchSharp
    /// builds its module from the network description, which a model may lack (<see cref="ModelDefinition.DescriptionProblem"/>).
    /// </summary>
    public bool CanRun(ModelDefinition model) => UsesOnnxRuntime || model.HasDescription;
}

/// <summary>A backend name that is not one of <see cref="BackendCatalog.All"/>.</summary>
public sealed class UnknownBackendException(string message) : Exception(message);

/// <summary>Every backend the suite knows. TorchSharp on the CPU is the baseline of speed-ups.</summary>
public static class BackendCatalog
{
    public static readonly BackendDescriptor TorchCpu = new(
        "torch-cpu", InferenceEngine.TorchSharp, "cpu",
        "TorchSharp (libtorch) eager execution on the CPU; the baseline",
        ExecutionProvider: null, LibraryVariable: null,
        HowToEnable: "ships with the suite (TorchSharp + libtorch-cpu-linux-x64)");

    public static readonly BackendDescriptor TorchCuda = new(
        "torch-cuda", InferenceEngine.TorchSharp, "cuda",
        "TorchSharp (libtorch) eager execution on an NVIDIA GPU",
        ExecutionProvider: null, LibraryVariable: null,
        HowToEnable: "needs a CUDA build of libtorch: reference the libtorch-cuda-12.8-linux-x64 package instead of libtorch-cpu-linux-x64, and an NVIDIA driver");

    public static readonly BackendDescriptor OrtCpu = new(
        "ort-cpu", InferenceEngine.OnnxRuntime, "cpu",
        "ONNX Runtime, CPU execution provider",
        ExecutionProvider: "CPUExecutionProvider", LibraryVariable: "FFF_ORT_CPU_LIBRARY",
        HowToEnable: "ships with the suite (Microsoft.ML.OnnxRuntime)");

    public static readonly BackendDescriptor OrtOpenVino = new(
        "ort-openvino", InferenceEngine.OnnxRuntime, "cpu",
        "ONNX Runtime, OpenVINO execution provider (device CPU by default, GPU selectable)",
        ExecutionProvider: "OpenVINOExecutionProvider", LibraryVariable: "FFF_ORT_OPENVINO_LIBRARY",
        HowToEnable: "point FFF_ORT_OPENVINO_LIBRARY (or backend_options.ort-openvino.library) at libonnxruntime.so of an OpenVINO-enabled ONNX Runtime build, with the OpenVINO runtime libraries on the loader path");

    public static readonly BackendDescriptor OrtCuda = new(
        "ort-cuda", InferenceEngine.OnnxRuntime, "cuda",
        "ONNX Runtime, CUDA execution provider",
        ExecutionProvider: "CUDAExecutionProvider", LibraryVariable: "FFF_ORT_CUDA_LIBRARY",
        HowToEnable: "point FFF_ORT_CUDA_LIBRARY (or backend_options.ort-cuda.library) at libonnxruntime.so of the Microsoft.ML.OnnxRuntime.Gpu.Linux package, with CUDA 13, cuDNN 9 and an NVIDIA driver installed");

    public static IReadOnlyList<BackendDescriptor> All { get; } = [TorchCpu, TorchCuda, OrtCpu, OrtOpenVino, OrtCuda];

    public static BackendDescriptor Get(string name) =>
        All.FirstOrDefault(b => string.Equals(b.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new UnknownBackendException($"unknown backend '{name}'; known backends: {string.Join(", ", All.Select(b => b.Name))}");
}
