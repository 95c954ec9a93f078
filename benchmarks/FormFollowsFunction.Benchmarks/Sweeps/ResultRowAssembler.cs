using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Results;
using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// The one place where results rows are put together from their parts: the cell, the run's context
/// (run id, machine, backends as probed, L3 size, measured peaks), the exported model's counts, and what the worker
/// measured. A launch's row (launches.csv) comes from one worker's answer; a cell's row (results.csv)
/// is estimated from its launches' rows.
/// </summary>
public sealed class ResultRowAssembler(SweepContext context, SweepConfiguration configuration)
{
    /// <summary>The row of one launch: everything one worker process measured for the cell.</summary>
    public ResultRow Launch(SweepCell cell, ModelFileSidecar model, CellMeasurement measured, string? samplesFile)
    {
        var row = Describe(cell, model);
        row.TimestampUtc = DateTime.UtcNow;
        if (measured.BackendVersion.Length > 0) row.BackendVersion = measured.BackendVersion;
        if (measured.Device.Length > 0) row.Device = measured.Device;
        if (measured.GraphOptimization.Length > 0) row.GraphOptimization = measured.GraphOptimization;
        row.Status = measured.Status.ToColumn();
        row.Error = measured.Error;
        row.CompileMs = measured.CompileMs;
        row.FirstMs = measured.FirstMs;
        row.ParityReference = measured.ParityReference;
        row.ParityRelErr = measured.ParityRelErr;
        row.SamplesFile = measured.SamplesWritten && samplesFile is not null ? samplesFile : "";
        row.CoreLatencyNs = measured.CoreLatencyNs;
        if (measured.Statistics is { } stats)
        {
            row.Iterations = stats.Count;
            row.StopReason = measured.StopReason?.ToColumn() ?? "";
            row.MedianMs = stats.Median;
            row.MeanMs = stats.Mean;
            row.StddevMs = stats.StandardDeviation;
            row.MinMs = stats.Min;
            row.P90Ms = stats.P90;
            row.P99Ms = stats.P99;
            row.MaxMs = stats.Max;
            row.Ci95LowMs = stats.Ci95Lower;
            row.Ci95HighMs = stats.Ci95Upper;
        }
        SetCounters(row, measured.Counters);
        if (measured.Counters is null) row.CountersStatus = measured.CountersStatus;
        SetRoofline(row);
        return row;
    }

    /// <summary>
    /// The row of a cell from its launches' rows, in launch order. Status: the first launch that
    /// was not measured (failed, crashed, timeout) decides it, else a mismatch in any launch, else ok.
    /// Latency: <see cref="LaunchEstimate"/> over the timed launches (median of their medians, 95%
    /// interval with the between-launch variation) over the launches <see cref="LaunchSelection"/> chooses (for
    /// a multi-threaded cell, those of its majority machine state; never a disturbed one; launches.csv keeps
    /// the others); with one launch, that launch's own figures. The
    /// other columns: iterations summed; mean and standard deviation of all iterations pooled; min and
    /// max over all; p90, p99, compile, first inference and counters as the median over launches;
    /// the largest parity error; the stop reason if all launches agree, else each with its count.
    /// </summary>
    public static ResultRow Cell(IReadOnlyList<ResultRow> launches)
    {
        if (launches.Count == 0) throw new ArgumentException("a cell row needs at least one launch", nameof(launches));
        if (launches.Count == 1) return Copy(launches[0], launchCount: 1);

        // One machine state's launches for a multi-threaded cell, and none that something else on the machine slowed.
        var timed = LaunchSelection.Chosen([.. launches.Where(l => l.MedianMs > 0 && l.Iterations > 0)]);
        var row = Copy(launches[^1], launchCount: timed.Count);
        var broken = launches.Select((l, i) => (Row: l, Index: i + 1))
            .FirstOrDefault(l => l.Row.ParsedStatus is not (CellStatus.Ok or CellStatus.Mismatch));
        var mismatch = launches.Select((l, i) => (Row: l, Index: i + 1)).FirstOrDefault(l => l.Row.ParsedStatus == CellStatus.Mismatch);
        var decisive = broken.Row is not null ? broken : mismatch;
        row.Status = decisive.Row?.Status ?? CellStatus.Ok.ToColumn();
        row.Error = decisive.Row is null ? "" : $"launch {decisive.Index} of {launches.Count}: {decisive.Row.Error}";
        row.SamplesFile = ""; // each launch's samples are named in launches.csv
        row.CompileMs = MedianOf(launches.Select(l => l.CompileMs));
        row.FirstMs = MedianOf(launches.Select(l => l.FirstMs));
        row.ParityRelErr = launches.Max(l => l.ParityRelErr);
        row.CoreLatencyNs = MedianOf((timed.Count > 0 ? timed : launches).Select(l => l.CoreLatencyNs));
        row.CoreLatencyAfterNs = MedianOf((timed.Count > 0 ? timed : launches).Select(l => l.CoreLatencyAfterNs));
        if (timed.Count == 0)
        {
            SetRoofline(row);
            return row;
        }

        var estimate = LaunchEstimate.Of([.. timed.Select(l => l.MedianMs!.Value)]);
        row.MedianMs = estimate.Median;
        row.Ci95LowMs = estimate.Ci95Low ?? timed[0].Ci95LowMs;
        row.Ci95HighMs = estimate.Ci95High ?? timed[0].Ci95HighMs;
        row.LaunchCv = estimate.Cv;
        int total = timed.Sum(l => l.Iterations!.Value);
        double mean = timed.Sum(l => l.Iterations!.Value * l.MeanMs!.Value) / total;
        double squares = timed.Sum(l => (l.Iterations!.Value - 1) * Math.Pow(l.StddevMs ?? 0, 2) + l.Iterations!.Value * Math.Pow(l.MeanMs!.Value - mean, 2));
        row.Iterations = total;
        row.MeanMs = mean;
        row.StddevMs = total > 1 ? Math.Sqrt(squares / (total - 1)) : null;
        row.MinMs = timed.Min(l => l.MinMs);
        row.MaxMs = timed.Max(l => l.MaxMs);
        row.P90Ms = MedianOf(timed.Select(l => l.P90Ms));
        row.P99Ms = MedianOf(timed.Select(l => l.P99Ms));
        var reasons = timed.GroupBy(l => l.StopReason).ToList();
        row.StopReason = reasons.Count == 1 ? reasons[0].Key : string.Join(' ', reasons.Select(g => $"{g.Key}x{g.Count()}"));
        SetCounters(row, new CounterFigures(
            MedianOf(timed.Select(l => l.Instructions)), MedianOf(timed.Select(l => l.Cycles)), MedianOf(timed.Select(l => l.Ipc)),
            MedianOf(timed.Select(l => l.CacheReferences)), MedianOf(timed.Select(l => l.CacheMisses)), MedianOf(timed.Select(l => l.LlcLoads)),
            MedianOf(timed.Select(l => l.LlcLoadMisses)), MedianOf(timed.Select(l => l.LlcMissRatio)), MedianOf(timed.Select(l => l.LlcMpki)),
            MedianOf(timed.Select(l => l.TaskClockMs)), MedianOf(timed.Select(l => l.CpuUtilisation)),
            MedianOf(timed.Select(l => l.ContextSwitches)), MedianOf(timed.Select(l => l.PageFaults)),
            timed.GroupBy(l => l.CountersStatus).OrderByDescending(g => g.Count()).First().Key));
        SetRoofline(row);
        return row;
    }

    /// <summary>
    /// The roofline columns that depend on the latency, for an ok row with a median: achieved_gflops =
    /// flops / median, and roofline_fraction = achieved / min(peak_gflops, arithmetic_intensity ×
    /// peak_bandwidth_gbs) where the peaks are known; empty otherwise (never zero). FLOP / ms × 10⁻⁶ is GFLOP/s.
    /// </summary>
    internal static void SetRoofline(ResultRow row)
    {
        bool measured = row.ParsedStatus == CellStatus.Ok && row.MedianMs is > 0 && row.Flops > 0;
        row.AchievedGflops = measured ? row.Flops / row.MedianMs!.Value / 1e6 : null;
        double? roof = row.PeakGflops is { } peak && row.ArithmeticIntensity is { } intensity && row.PeakBandwidthGbs is { } bandwidth
            ? Math.Min(peak, intensity * bandwidth)
            : null;
        row.RooflineFraction = row.AchievedGflops is { } achieved && roof is > 0 ? achieved / roof.Value : null;
    }

    /// <summary>The columns every row of the cell shares: identity, run, machine, counts, working-set ratios, arithmetic intensity, peaks at the cell's threads, backend as probed.</summary>
    private ResultRow Describe(SweepCell cell, ModelFileSidecar model)
    {
        var row = new ResultRow
        {
            RunId = context.RunId,
            Machine = context.Machine,
            Model = cell.Model.Id,
            Backend = cell.Backend.Name,
            Threads = cell.Threads,
            Batch = cell.Batch,
            Resolution = cell.Resolution,
            Pattern = cell.Model.Family,
            Depth = cell.Model.Depth,
            Width = cell.Model.Width,
            Params = model.Params,
            Macs = model.Macs,
            Flops = model.Flops,
            WeightBytes = model.WeightBytes,
            ActivationBytes = model.ActivationBytes,
            PeakActivationBytes = model.PeakActivationBytes,
            OnnxSha256 = model.Sha256,
        };
        if (context.Backends.TryGetValue(cell.Backend.Name, out var probed))
        {
            row.BackendVersion = probed.Probe.Version;
            row.Device = probed.Probe.Device;
        }
        row.IoBoundary = DeviceSettings.Resolve(cell.Backend, configuration.OptionsFor(cell.Backend.Name)).BoundaryColumn;
        if (cell.Backend.UsesOnnxRuntime)
            row.GraphOptimization = GraphOptimizationNames.Parse(configuration.OptionsFor(cell.Backend.Name).GraphOptimization).ToColumn();
        if (context.L3Bytes is long l3 && l3 > 0)
        {
            row.L3Bytes = l3;
            row.WeightL3Ratio = (double?)model.WeightBytes / l3;
            row.ActivationL3Ratio = (double?)model.PeakActivationBytes / l3;
        }
        long? bytes = model.WeightBytes + model.ActivationBytes;
        row.ArithmeticIntensity = bytes > 0 && model.Flops > 0 ? (double?)model.Flops / bytes : null;
        if (context.Peaks?.At(cell.Threads) is { } peaks)
        {
            row.PeakGflops = peaks.Gflops;
            row.PeakBandwidthGbs = peaks.BandwidthGbs;
        }
        return row;
    }

    private static void SetCounters(ResultRow row, CounterFigures? figures)
    {
        row.Instructions = figures?.Instructions;
        row.Cycles = figures?.Cycles;
        row.Ipc = figures?.Ipc;
        row.CacheReferences = figures?.CacheReferences;
        row.CacheMisses = figures?.CacheMisses;
        row.LlcLoads = figures?.LlcLoads;
        row.LlcLoadMisses = figures?.LlcLoadMisses;
        row.LlcMissRatio = figures?.LlcMissRatio;
        row.LlcMpki = figures?.LlcMpki;
        row.TaskClockMs = figures?.TaskClockMs;
        row.CpuUtilisation = figures?.CpuUtilisation;
        row.ContextSwitches = figures?.ContextSwitches;
        row.PageFaults = figures?.PageFaults;
        if (figures is not null) row.CountersStatus = figures.Status;
    }

    private static ResultRow Copy(ResultRow launch, int launchCount)
    {
        var row = launch.Copy();
        row.Launches = launchCount;
        return row;
    }

    private static double? MedianOf(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        return present.Length == 0 ? null : present.Median();
    }
}
