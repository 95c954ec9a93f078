using System.Globalization;

namespace FormFollowsFunction.Hardware.Counters;

/// <summary>
/// Counter readings of a measured region turned into the per-inference figures of a results row.
/// Every figure is null when its events were not counted, never zero; <see cref="Status"/> says why.
/// </summary>
public sealed class CounterSummary
{
    private CounterSummary(CounterReadings readings, int inferences, TimeSpan wallTime)
    {
        Readings = readings;
        Inferences = inferences;
        MeasuredWallTime = wallTime;

        double? PerInference(string name) => readings.ValueOf(name) / inferences;
        PerInferenceByEvent = readings.ToDictionary(r => r.Event.Name, r => r.Value / inferences);

        Instructions = PerInference(CounterEvent.Instructions.Name);
        Cycles = PerInference(CounterEvent.Cycles.Name);
        CacheReferences = PerInference(CounterEvent.CacheReferences.Name);
        CacheMisses = PerInference(CounterEvent.CacheMisses.Name);
        LlcLoads = PerInference(CounterEvent.LlcLoads.Name);
        LlcLoadMisses = PerInference(CounterEvent.LlcLoadMisses.Name);
        ContextSwitches = PerInference(CounterEvent.ContextSwitches.Name);
        PageFaults = PerInference(CounterEvent.PageFaults.Name);

        double? taskClockNs = readings.ValueOf(CounterEvent.TaskClock.Name);
        TaskClockMs = taskClockNs / 1e6 / inferences;
        CpuUtilisation = taskClockNs / (wallTime.Ticks * 100.0); // one tick = 100 ns

        Ipc = Ratio(Instructions, Cycles);
        LlcMissRatio = Ratio(LlcLoadMisses, LlcLoads);
        LlcMpki = Ratio(LlcLoadMisses * 1000, Instructions);
        Status = CounterStatus.Describe(readings);
    }

    /// <param name="readings">Read after <see cref="CounterGroup.Disable"/>, covering the measured iterations only.</param>
    /// <param name="inferences">How many inferences (calls on one batch) ran while the group was enabled.</param>
    /// <param name="measuredWallTime">Wall-clock time the group was enabled, for <see cref="CpuUtilisation"/>.</param>
    public static CounterSummary From(CounterReadings readings, int inferences, TimeSpan measuredWallTime)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inferences);
        if (measuredWallTime <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(measuredWallTime), measuredWallTime, "the measured region must have a positive duration");
        return new CounterSummary(readings, inferences, measuredWallTime);
    }

    public CounterReadings Readings { get; }
    public int Inferences { get; }
    public TimeSpan MeasuredWallTime { get; }

    /// <summary>Every event's count per inference by event name (configured events included); null where not counted.</summary>
    public IReadOnlyDictionary<string, double?> PerInferenceByEvent { get; }

    /// <summary>Instructions retired per inference.</summary>
    public double? Instructions { get; }
    /// <summary>Core cycles per inference.</summary>
    public double? Cycles { get; }
    /// <summary>Instructions per cycle (ratio of the totals).</summary>
    public double? Ipc { get; }
    public double? CacheReferences { get; }
    public double? CacheMisses { get; }
    public double? LlcLoads { get; }
    public double? LlcLoadMisses { get; }
    /// <summary>LLC load misses / LLC loads (0..1).</summary>
    public double? LlcMissRatio { get; }
    /// <summary>LLC load misses per 1000 instructions.</summary>
    public double? LlcMpki { get; }
    /// <summary>CPU time of all counted threads per inference, milliseconds.</summary>
    public double? TaskClockMs { get; }
    /// <summary>task-clock / wall time of the measured region: the average number of busy CPUs.</summary>
    public double? CpuUtilisation { get; }
    public double? ContextSwitches { get; }
    public double? PageFaults { get; }

    /// <summary>One line for the <c>counters_status</c> column; see <see cref="CounterStatus"/>.</summary>
    public string Status { get; }

    /// <summary>The per-inference figures alone, as plain numbers a worker can send to its parent.</summary>
    public CounterFigures Figures => new(Instructions, Cycles, Ipc, CacheReferences, CacheMisses, LlcLoads, LlcLoadMisses,
        LlcMissRatio, LlcMpki, TaskClockMs, CpuUtilisation, ContextSwitches, PageFaults, Status);

    // A ratio is undefined (null) when either side is missing or the denominator is zero.
    private static double? Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d != 0 ? n / d : null;
}

/// <summary>
/// Counter figures per inference over the measured iterations (null where not counted, never zero),
/// with <see cref="Status"/> saying what was counted and why the rest was not.
/// </summary>
public sealed record CounterFigures(
    double? Instructions, double? Cycles, double? Ipc, double? CacheReferences, double? CacheMisses, double? LlcLoads,
    double? LlcLoadMisses, double? LlcMissRatio, double? LlcMpki, double? TaskClockMs, double? CpuUtilisation,
    double? ContextSwitches, double? PageFaults, string Status);

/// <summary>
/// The <c>counters_status</c> wording: the first word is <c>ok</c> (every event counted), <c>partial</c>
/// (some were not) or <c>none</c> (no event counted); then, separated by <c>"; "</c>, one clause per reason:
/// <code>
/// unavailable (REASON): event,event
/// not counted (never scheduled on a counter): event
/// user space only (perf_event_paranoid=N | requested): event,event
/// multiplexed (share of time counted): event 48%,event 52%
/// </code>
/// Event names are those of the results columns; the wording is stable so that scripts may match on it.
/// </summary>
public static class CounterStatus
{
    public static string Describe(CounterReadings readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        int counted = readings.Count(r => r.State == CounterState.Counted);
        string head = readings.Count > 0 && counted == readings.Count ? "ok" : counted == 0 ? "none" : "partial";
        var clauses = new List<string> { head };

        foreach (var group in readings.Where(r => r.State == CounterState.Unavailable).GroupBy(r => r.Unavailability?.Summary ?? "unknown"))
            clauses.Add($"unavailable ({group.Key}): {Names(group)}");

        var notCounted = readings.Where(r => r.State == CounterState.NotCounted).ToList();
        if (notCounted.Count > 0) clauses.Add($"not counted (never scheduled on a counter): {Names(notCounted)}");

        var userOnly = readings.Where(r => r.State == CounterState.Counted && r.UserSpaceOnly).ToList();
        if (userOnly.Count > 0)
            clauses.Add($"user space only{(readings.UserSpaceOnlyCause is { } cause ? $" ({cause})" : "")}: {Names(userOnly)}");

        var multiplexed = readings.Where(r => r.IsMultiplexed).ToList();
        if (multiplexed.Count > 0)
            clauses.Add("multiplexed (share of time counted): " + string.Join(',', multiplexed.Select(r =>
                $"{r.Event.Name} {(r.RunningFraction!.Value * 100).ToString("0", CultureInfo.InvariantCulture)}%")));

        return string.Join("; ", clauses);
    }

    private static string Names(IEnumerable<CounterReading> readings) => string.Join(',', readings.Select(r => r.Event.Name));
}
