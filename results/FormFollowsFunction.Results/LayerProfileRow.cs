using CsvHelper.Configuration.Attributes;

namespace FormFollowsFunction.Results;

/// <summary>
/// One row of <c>layers.csv</c> (written by <c>fff profile</c> and by a sweep with <c>profile: true</c>):
/// the time one layer of the network description took on one backend, with its fixed per-call part.
/// </summary>
public sealed class LayerProfileRow
{
    [Name("model")] public string Model { get; set; } = "";
    [Name("backend")] public string Backend { get; set; } = "";
    [Name("threads")] public int Threads { get; set; }
    [Name("batch")] public int Batch { get; set; }
    [Name("resolution")] public int Resolution { get; set; }

    /// <summary>The description node's name.</summary>
    [Name("layer")] public string Layer { get; set; } = "";

    /// <summary>One of <see cref="LayerTypes"/>; dense convolutions carry their kernel, for example <c>dense convolution 3x3</c>.</summary>
    [Name("layer_type")] public string LayerType { get; set; } = "";

    /// <summary>Multiply-accumulates of this layer (the description's count).</summary>
    [Name("macs")] public long Macs { get; set; }

    /// <summary>Time of the layer in a typical forward pass (its mean over the middle half of the passes by total), in milliseconds.</summary>
    [Name("time_ms")] public double? TimeMs { get; set; }

    /// <summary>The part of <see cref="TimeMs"/> that does not grow with the layer's work (dispatch, allocation), in milliseconds.</summary>
    [Name("fixed_ms")] public double? FixedMs { get; set; }

    /// <summary>
    /// The profiler's own time measured with this layer and removed from <see cref="TimeMs"/>, in
    /// milliseconds per forward pass (ONNX Runtime: its per-node event recording, calibrated in the same
    /// process); 0 where nothing was removed (TorchSharp); empty in files written before it was measured.
    /// </summary>
    [Name("profiler_overhead_ms")] public double? ProfilerOverheadMs { get; set; }

    /// <summary><see cref="TimeMs"/> / the sum of the backend's layer times for this cell, between 0 and 1.</summary>
    [Name("share")] public double? Share { get; set; }

    /// <summary>The cell's end-to-end latency in the same profiling process (the mean of the middle half of the uninstrumented passes, the statistic the layer times add up to), in milliseconds.</summary>
    [Name("end_to_end_ms")] public double? EndToEndMs { get; set; }

    /// <summary>
    /// Empty, or <c>fused</c> when the backend ran this layer inside a node fused with others (its time is
    /// its FLOP-weighted part of that node's), or <c>inserted</c> for a node the engine added (a layout
    /// reorder) that no description layer stands for; the row is named after that node.
    /// </summary>
    [Name("note")] public string Note { get; set; } = "";

    /// <summary>
    /// The core-to-core round trip before the profiling worker loaded its engine, and after the worker
    /// ended (measured by the parent), in nanoseconds, as results.csv's columns of the same names: a
    /// multi-threaded cell whose two figures are more than <see cref="CoreLatencyStates.ChangeRatio"/>
    /// apart was profiled while the host moved its CPUs (docs/benchmarks.md, "Machine states"). The same
    /// on every row of a cell; empty where not measured.
    /// </summary>
    [Name("core_latency_ns")] public double? CoreLatencyNs { get; set; }

    [Name("core_latency_after_ns")] public double? CoreLatencyAfterNs { get; set; }

    [Ignore] public CellKey Key => new(Model, Backend, Threads, Batch, Resolution);
}

/// <summary>The <c>layer_type</c> values of <c>layers.csv</c>.</summary>
public static class LayerTypes
{
    public const string DenseConvolution = "dense convolution";
    public const string DepthwiseConvolution = "depthwise convolution";
    public const string PointwiseConvolution = "pointwise convolution";
    public const string Pooling = "pooling";
    public const string BatchNorm = "batch norm";
    public const string Activation = "activation";
    public const string Elementwise = "elementwise";
    public const string Concat = "concat";
    public const string Linear = "linear";
    public const string Other = "other";

    /// <summary>A dense convolution with its kernel: <c>dense convolution 3x3</c>.</summary>
    public static string Dense(int kernelHeight, int kernelWidth) => $"{DenseConvolution} {kernelHeight}x{kernelWidth}";
}
