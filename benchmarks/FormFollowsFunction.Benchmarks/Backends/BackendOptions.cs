namespace FormFollowsFunction.Benchmarks.Backends;

/// <summary>
/// Per-backend settings from the sweep configuration (<c>backend_options:</c> in YAML). Every field is
/// optional; what is not set takes the documented default. Recorded in the run manifest.
/// </summary>
public sealed record BackendOptions
{
    /// <summary>ONNX Runtime backends: the native <c>libonnxruntime.so</c> to load (else the backend's environment variable, else the stock CPU build).</summary>
    public string? Library { get; init; }

    /// <summary>ONNX Runtime graph optimisation level: disabled, basic, extended or all (the default).</summary>
    public string? GraphOptimization { get; init; }

    /// <summary>ort-openvino: OpenVINO device type (CPU, GPU, GPU.0, NPU ...; default CPU). CUDA backends: device index (default 0).</summary>
    public string? Device { get; init; }

    /// <summary>ort-openvino: inference precision (default FP32, so results compare with the float32 reference).</summary>
    public string? Precision { get; init; }

    /// <summary>
    /// TorchSharp backends: process-wide cap on oneDNN's instruction set (ONEDNN_MAX_CPU_ISA), the last
    /// resort behind the per-shape convolution variants. "auto" (the default) keeps libtorch's choice
    /// unless some probe convolution fails the self-check in every variant on this CPU, then steps down
    /// (AVX2, then SSE41) to the first that passes; "none" never caps; an ISA name (AVX512_CORE, AVX2,
    /// SSE41, ...) always caps there, for the whole process (per-shape checks then run under the cap).
    /// </summary>
    [System.Text.Json.Serialization.JsonPropertyName("onednn_max_isa")]
    public string? OneDnnMaxIsa { get; init; }

    /// <summary>
    /// GPU backends (ort-cuda, torch-cuda): what each timed call includes. "device" (the default): input
    /// and output stay resident in GPU memory and the call ends with a device synchronisation, so only the
    /// computation is timed. "host": the input is copied from host memory to the GPU, computed, and the
    /// output copied back, all inside the timed call. CPU backends are always "host" and refuse "device".
    /// Recorded in the <c>io_boundary</c> column.
    /// </summary>
    [System.Text.Json.Serialization.JsonPropertyName("io_boundary")]
    public string? IoBoundary { get; init; }

    /// <summary>
    /// GPU backends: TensorFloat-32 arithmetic in convolutions and matrix products, "off" (the default,
    /// so results compare with the float32 reference) or "on". ort-cuda: provider option <c>use_tf32</c>;
    /// torch-cuda: cuDNN's and cuBLAS's allow_tf32. Recorded in the <c>device</c> column. CPU backends refuse it.
    /// </summary>
    [System.Text.Json.Serialization.JsonPropertyName("tf32")]
    public string? Tf32 { get; init; }

    /// <summary>
    /// GPU backends: cuDNN convolution algorithm search, "off" (the default: cuDNN's heuristics choose, as
    /// libtorch does by default) or "on" (each convolution shape is benchmarked once, on first use).
    /// ort-cuda: provider option <c>cudnn_conv_algo_search</c> HEURISTIC or EXHAUSTIVE; torch-cuda:
    /// libtorch's cudnn benchmark flag. Recorded in the <c>device</c> column. CPU backends refuse it.
    /// </summary>
    [System.Text.Json.Serialization.JsonPropertyName("cudnn_autotune")]
    public string? CudnnAutotune { get; init; }

    public static BackendOptions None { get; } = new();
}

public enum GraphOptimization
{
    Disabled,
    Basic,
    Extended,
    All,
}

public static class GraphOptimizationNames
{
    public const GraphOptimization Default = GraphOptimization.All;

    public static GraphOptimization Parse(string? text) => text switch
    {
        null or "" => Default,
        _ when Enum.TryParse<GraphOptimization>(text, ignoreCase: true, out var level) && Enum.IsDefined(level) => level,
        _ => throw new ArgumentException($"unknown graph optimisation level '{text}'; use disabled, basic, extended or all"),
    };

    public static string ToColumn(this GraphOptimization level) => level.ToString().ToLowerInvariant();
}
