namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>One layer as a profiling worker measured it; the parent turns it into a <c>layers.csv</c> row.</summary>
/// <param name="TimeMs">Time in a typical forward pass at the cell's resolution (<see cref="TypicalPasses"/>), in milliseconds.</param>
/// <param name="FixedMs">The same layer's time at the smallest resolution the network accepts, at most <paramref name="TimeMs"/>; null where that run has no such node.</param>
/// <param name="Note">Empty, <c>fused</c> or <c>inserted</c> (<see cref="LayerProfileNotes"/>).</param>
/// <param name="ProfilerOverheadMs">The profiler's own time removed from <paramref name="TimeMs"/> (<see cref="OrtProfilerOverhead"/>); 0 where nothing was removed.</param>
public sealed record ProfiledLayer(string Layer, string LayerType, long Macs, double TimeMs, double? FixedMs, string Note, double ProfilerOverheadMs = 0);

/// <summary>The <c>note</c> values of <c>layers.csv</c>.</summary>
public static class LayerProfileNotes
{
    /// <summary>The backend ran the layer inside a node fused with others; its time is its FLOP-weighted part of that node's.</summary>
    public const string Fused = "fused";

    /// <summary>A node the engine inserted (a layout reorder), with no description layer; the row is named after the node.</summary>
    public const string Inserted = "inserted";

    public static string For(LayerTimeSource source) => source switch
    {
        LayerTimeSource.Fused => Fused,
        LayerTimeSource.Inserted => Inserted,
        _ => "",
    };
}

/// <summary>What a profiling worker answers: the layers of one cell, the end-to-end time, or why there are none.</summary>
public sealed class LayerProfileAnswer
{
    public bool Succeeded { get; set; }
    public string Error { get; set; } = "";
    public string BackendVersion { get; set; } = "";
    public string Device { get; set; } = "";

    /// <summary>The smallest input resolution the network accepts: the run that gives each layer's fixed cost.</summary>
    public int FixedCostResolution { get; set; }

    /// <summary>The uninstrumented forward pass in this process, in milliseconds: the mean of the typical passes (<see cref="TypicalPasses.Mean"/>), the statistic the layers add up to.</summary>
    public double? EndToEndMs { get; set; }

    /// <summary>
    /// ONNX Runtime: the profiler's time per node removed from every node (<see cref="OrtProfilerOverhead"/>): the
    /// mean of <see cref="ProfilerCalibrations"/> scaled to <see cref="OwnGraphCalibration"/>, or that mean alone
    /// where the network accepts no smaller input; null for TorchSharp, where nothing is removed.
    /// </summary>
    public OrtProfilerOverhead? ProfilerOverhead { get; set; }

    /// <summary>ONNX Runtime: the calibration chains' figures before and after the cell's profiles; empty for TorchSharp.</summary>
    public List<OrtProfilerOverhead> ProfilerCalibrations { get; set; } = [];

    /// <summary>ONNX Runtime: the cell's own network at <see cref="FixedCostResolution"/>, profiled and unprofiled, whose excess sets the level removed; null where it was not smaller than the cell's resolution, and for TorchSharp.</summary>
    public OrtCalibrationRun? OwnGraphCalibration { get; set; }

    public List<ProfiledLayer> Layers { get; set; } = [];

    /// <summary>The core-to-core round trip the worker measured before loading the engine, in nanoseconds (<c>core_latency_ns</c>); null where it could not be measured.</summary>
    public double? CoreLatencyNs { get; set; }

    public int WorkerPid { get; set; } = Environment.ProcessId;
}
