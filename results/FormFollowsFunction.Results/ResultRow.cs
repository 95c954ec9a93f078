using CsvHelper.Configuration.Attributes;

namespace FormFollowsFunction.Results;

/// <summary>
/// One measurement cell (model x backend x threads x batch x resolution): one row of <c>results.csv</c>.
/// Times are milliseconds of wall-clock time per inference (one call on one batch). Every column is
/// documented in the README ("Results columns"). A value that was not measured is empty, never zero.
/// </summary>
public sealed class ResultRow
{
    // Identity of the run and the cell.
    [Name("run_id")] public string RunId { get; set; } = "";
    [Name("timestamp_utc")] public DateTime TimestampUtc { get; set; }
    [Name("machine")] public string Machine { get; set; } = "";
    [Name("backend")] public string Backend { get; set; } = "";
    [Name("backend_version")] public string BackendVersion { get; set; } = "";
    [Name("device")] public string Device { get; set; } = "";
    [Name("io_boundary")] public string IoBoundary { get; set; } = "";
    [Name("threads")] public int Threads { get; set; }
    [Name("graph_optimization")] public string GraphOptimization { get; set; } = "";
    [Name("model")] public string Model { get; set; } = "";
    [Name("pattern")] public string Pattern { get; set; } = "";
    [Name("depth")] public int? Depth { get; set; }
    [Name("width")] public double? Width { get; set; }
    [Name("resolution")] public int Resolution { get; set; }
    [Name("batch")] public int Batch { get; set; }

    // Analytic counts of the network description (see docs: MACs vs FLOPs); empty where not known (a user's ONNX
    // file without a description is counted from its graph alone: docs/user-models.md).
    [Name("params")] public long? Params { get; set; }
    [Name("macs")] public long? Macs { get; set; }
    [Name("flops")] public long? Flops { get; set; }
    [Name("weight_bytes")] public long? WeightBytes { get; set; }
    [Name("activation_bytes")] public long? ActivationBytes { get; set; }
    [Name("peak_activation_bytes")] public long? PeakActivationBytes { get; set; }
    [Name("onnx_sha256")] public string OnnxSha256 { get; set; } = "";

    // Outcome.
    [Name("status")] public string Status { get; set; } = "";
    [Name("error")] public string Error { get; set; } = "";

    // Timing, milliseconds.
    [Name("compile_ms")] public double? CompileMs { get; set; }
    [Name("first_ms")] public double? FirstMs { get; set; }
    [Name("iterations")] public int? Iterations { get; set; }
    [Name("stop_reason")] public string StopReason { get; set; } = "";
    [Name("median_ms")] public double? MedianMs { get; set; }
    [Name("mean_ms")] public double? MeanMs { get; set; }
    [Name("stddev_ms")] public double? StddevMs { get; set; }
    [Name("min_ms")] public double? MinMs { get; set; }
    [Name("p90_ms")] public double? P90Ms { get; set; }
    [Name("p99_ms")] public double? P99Ms { get; set; }
    [Name("max_ms")] public double? MaxMs { get; set; }
    [Name("ci95_low_ms")] public double? Ci95LowMs { get; set; }
    [Name("ci95_high_ms")] public double? Ci95HighMs { get; set; }
    [Name("launches")] public int? Launches { get; set; }
    [Name("launch_cv")] public double? LaunchCv { get; set; }
    [Name("parity_reference")] public string ParityReference { get; set; } = "";
    [Name("parity_rel_err")] public double? ParityRelErr { get; set; }
    [Name("samples_file")] public string SamplesFile { get; set; } = "";

    // Hardware and software counters, per inference, over the measured iterations only.
    [Name("instructions")] public double? Instructions { get; set; }
    [Name("cycles")] public double? Cycles { get; set; }
    [Name("ipc")] public double? Ipc { get; set; }
    [Name("cache_references")] public double? CacheReferences { get; set; }
    [Name("cache_misses")] public double? CacheMisses { get; set; }
    [Name("llc_loads")] public double? LlcLoads { get; set; }
    [Name("llc_load_misses")] public double? LlcLoadMisses { get; set; }
    [Name("llc_miss_ratio")] public double? LlcMissRatio { get; set; }
    [Name("llc_mpki")] public double? LlcMpki { get; set; }
    [Name("task_clock_ms")] public double? TaskClockMs { get; set; }
    [Name("cpu_utilisation")] public double? CpuUtilisation { get; set; }
    [Name("context_switches")] public double? ContextSwitches { get; set; }
    [Name("page_faults")] public double? PageFaults { get; set; }
    [Name("counters_status")] public string CountersStatus { get; set; } = "";

    // The machine's state while the cell ran.
    /// <summary>
    /// Round trip of a cache line between two threads pinned to two cores, in nanoseconds, measured by the
    /// worker before it loaded the engine (<c>CoreLatencyProbe</c>); a cell's row: the median over the launches
    /// it was estimated from. Empty where threads cannot be pinned to two processors.
    /// </summary>
    [Name("core_latency_ns")] public double? CoreLatencyNs { get; set; }

    /// <summary>
    /// The same round trip measured again by the sweep right after the launch's worker exited, in nanoseconds; a
    /// cell's row: the median over its launches. Where it belongs to another machine state than
    /// <see cref="CoreLatencyNs"/>, the host moved the CPUs while the launch ran (<see cref="CoreLatencyStates.ChangedDuring"/>).
    /// Empty in runs from before it was measured.
    /// </summary>
    [Name("core_latency_after_ns")] public double? CoreLatencyAfterNs { get; set; }

    // Working sets relative to the last-level cache (from the counts and the machine's L3 size).
    [Name("l3_bytes")] public long? L3Bytes { get; set; }
    [Name("weight_l3_ratio")] public double? WeightL3Ratio { get; set; }
    [Name("activation_l3_ratio")] public double? ActivationL3Ratio { get; set; }

    // Roofline (Williams, Waterman and Patterson, 2009) against this machine's measured peaks at the cell's thread count.
    /// <summary>flops / median latency, in GFLOP/s (10⁹ floating-point operations per second).</summary>
    [Name("achieved_gflops")] public double? AchievedGflops { get; set; }
    /// <summary>flops / (weight_bytes + activation_bytes), in FLOP per byte.</summary>
    [Name("arithmetic_intensity")] public double? ArithmeticIntensity { get; set; }
    /// <summary>The machine's measured float32 FMA peak at <see cref="Threads"/> threads, in GFLOP/s.</summary>
    [Name("peak_gflops")] public double? PeakGflops { get; set; }
    /// <summary>The machine's measured memory bandwidth (STREAM triad) at <see cref="Threads"/> threads, in GB/s (10⁹ bytes per second).</summary>
    [Name("peak_bandwidth_gbs")] public double? PeakBandwidthGbs { get; set; }
    /// <summary>achieved_gflops / min(peak_gflops, arithmetic_intensity × peak_bandwidth_gbs); 1 is on the roof.</summary>
    [Name("roofline_fraction")] public double? RooflineFraction { get; set; }

    /// <summary>The cell this row measured; two rows with the same key measured the same thing.</summary>
    [Ignore] public CellKey Key => new(Model, Backend, Threads, Batch, Resolution);

    [Ignore] public CellStatus? ParsedStatus => CellStatusNames.TryParse(Status, out var s) ? s : null;

    [Ignore] public bool IsOk => ParsedStatus == CellStatus.Ok;

    /// <summary>A shallow copy (every column is a value or an immutable string).</summary>
    public ResultRow Copy() => (ResultRow)MemberwiseClone();
}

/// <summary>Identifies a measurement cell: what was measured, independent of when and how it went.</summary>
public readonly record struct CellKey(string Model, string Backend, int Threads, int Batch, int Resolution)
{
    public override string ToString() => $"{Model} on {Backend} ({Counted.Of(Threads, "thread")}, batch {Batch}, {Resolution}px)";
}
