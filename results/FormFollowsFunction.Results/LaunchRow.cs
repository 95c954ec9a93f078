using CsvHelper.Configuration.Attributes;

namespace FormFollowsFunction.Results;

/// <summary>
/// One launch: one worker process that measured one cell once, in one round of the run. A row of
/// <c>launches.csv</c>: the launch's place in the run (<c>round</c>, <c>launch</c>, <c>worker_pid</c>,
/// what the process cost before its first timed call) followed by every column of <c>results.csv</c>
/// as that one process measured it (its own median, confidence interval, iterations, stop reason,
/// counters). The cell's row of <c>results.csv</c> is estimated from its launches.
/// </summary>
public sealed class LaunchRow
{
    /// <summary>1-based round of the run: round r measures every cell once before round r + 1 starts.</summary>
    [Name("round")] public int Round { get; set; }

    /// <summary>1-based index of this launch among the cell's launches (equal to the round).</summary>
    [Name("launch")] public int Launch { get; set; }

    /// <summary>Process id of the worker that measured it.</summary>
    [Name("worker_pid")] public int? WorkerPid { get; set; }

    /// <summary>
    /// Milliseconds from the worker process's start to its first timed call (runtime start-up, backend
    /// probe and self-check, model load and compilation, first inference, warm-up): what a launch costs
    /// beyond the measured iterations.
    /// </summary>
    [Name("setup_ms")] public double? SetupMs { get; set; }

    /// <summary>Of <see cref="SetupMs"/>: from the process's start until the worker began its cell (runtime and program start-up).</summary>
    [Name("startup_ms")] public double? StartupMs { get; set; }

    /// <summary>Of <see cref="SetupMs"/>: binding and probing the backend in this process (TorchSharp: its convolution self-check).</summary>
    [Name("probe_ms")] public double? ProbeMs { get; set; }

    /// <summary>Milliseconds of wall-clock time the parent waited for the worker, start to exit.</summary>
    [Name("worker_wall_ms")] public double? WorkerWallMs { get; set; }

    /// <summary>The launch's own measurement, in the columns of results.csv.</summary>
    public ResultRow Measurement { get; set; } = new();

    [Ignore] public CellKey Key => Measurement.Key;
}
