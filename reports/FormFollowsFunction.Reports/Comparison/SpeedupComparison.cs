using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Statistics;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Comparison;

/// <summary>
/// One accelerated cell's speed-up over the baseline in both runs, each with its own 95% interval (from
/// its run's round-by-round pairs of launches, <see cref="Speedup.Interval"/>): whether each run's speed-up
/// lies inside the other's interval is how far a speed-up repeats from run to run.
/// </summary>
public sealed record SpeedupComparison(Speedup Base, Speedup New)
{
    public CellKey Key => New.Accelerated.Key;

    /// <summary>New speed-up / base speed-up.</summary>
    public double Ratio => New.Value / Base.Value;

    /// <summary>Whether the new run's speed-up lies inside the base run's interval; null when the base has none.</summary>
    public bool? NewInsideBase => Inside(New.Value, Base.Interval);

    /// <summary>Whether the base run's speed-up lies inside the new run's interval; null when the new run has none.</summary>
    public bool? BaseInsideNew => Inside(Base.Value, New.Interval);

    /// <summary>Whether the new run's speed-up lies inside the base run's repeat interval (<see cref="Speedup.RepeatInterval"/>); null when the base has none.</summary>
    public bool? NewInsideBaseRepeat => Inside(New.Value, Base.RepeatInterval);

    /// <summary>Whether the base run's speed-up lies inside the new run's repeat interval; null when the new run has none.</summary>
    public bool? BaseInsideNewRepeat => Inside(Base.Value, New.RepeatInterval);

    /// <summary>
    /// Whether the two runs' speed-ups agree: their log difference is within the combined 95% half-width
    /// √(h_base² + h_new²), where h is half the width of a run's interval in log units (the intervals are t
    /// intervals on log ratios, symmetric there). This is the test that both runs measured one speed-up,
    /// at about the 5% level; "inside the other run's interval" is stricter: for exact 95% intervals from
    /// 4 launches each, a second run's point lies inside the first run's interval only about 89% of the
    /// time even with no run-to-run effect (|t₃| &lt; 3.18/√2). Null when either run has no interval.
    /// </summary>
    public bool? Agree =>
        HalfWidth(Base.Interval) is { } hb && HalfWidth(New.Interval) is { } hn
            ? Math.Abs(Math.Log(Ratio)) <= Math.Sqrt(hb * hb + hn * hn)
            : null;

    private static double? HalfWidth((double Low, double High)? interval) =>
        interval is { Low: > 0 } i ? (Math.Log(i.High) - Math.Log(i.Low)) / 2 : null;

    /// <summary>
    /// A multi-threaded cell whose two runs' rows (either side of the speed-up) ran in different machine
    /// states (<see cref="CoreLatencyStates"/>): the speed-ups are of different machines, and not counted.
    /// </summary>
    public bool MachineStateChanged =>
        CoreLatencyStates.Matters(Key.Threads)
        && (!CoreLatencyStates.Same(Base.Accelerated.CoreLatencyNs, New.Accelerated.CoreLatencyNs)
            || !CoreLatencyStates.Same(Base.Baseline.CoreLatencyNs, New.Baseline.CoreLatencyNs));

    private static bool? Inside(double value, (double Low, double High)? interval) =>
        interval is { } i ? value >= i.Low && value <= i.High : null;

    /// <summary>Every accelerated cell with a speed-up over <paramref name="baseline"/> in both runs (each run's own baseline cell), in key order.</summary>
    public static IReadOnlyList<SpeedupComparison> Of(LoadedRun baseRun, LoadedRun newRun, string baseline = SpeedupPairing.DefaultBaseline)
    {
        var before = SpeedupPairing.Pair([baseRun], baseline).Speedups.ToDictionary(s => s.Accelerated.Key);
        return [.. SpeedupPairing.Pair([newRun], baseline).Speedups
            .Where(s => before.ContainsKey(s.Accelerated.Key))
            .Select(s => new SpeedupComparison(before[s.Accelerated.Key], s))
            .OrderBy(c => c.Key.Model, StringComparer.Ordinal).ThenBy(c => c.Key.Backend, StringComparer.Ordinal)
            .ThenBy(c => c.Key.Threads).ThenBy(c => c.Key.Batch).ThenBy(c => c.Key.Resolution)];
    }
}

/// <summary>How many speed-ups repeat within the other run's interval, over the comparable ones (same machine state, intervals on both sides).</summary>
public sealed record SpeedupCoverage(int Compared, int Inside, int MachineStateChanged)
{
    /// <summary>Inside / Compared, where Compared counts each direction (new in base's interval, base in new's) of every comparable cell.</summary>
    public double? Share => Compared == 0 ? null : (double)Inside / Compared;

    /// <summary>Comparable cells with intervals in both runs (<see cref="SpeedupComparison.Agree"/> not null).</summary>
    public int Paired { get; init; }

    /// <summary>Of <see cref="Paired"/>, the cells whose two speed-ups agree within their combined 95% intervals.</summary>
    public int Agreeing { get; init; }

    /// <summary>Checks against a repeat interval (<see cref="Speedup.RepeatInterval"/>), each direction of every comparable cell that has one.</summary>
    public int RepeatCompared { get; init; }

    /// <summary>Of <see cref="RepeatCompared"/>, the speed-ups inside the other run's repeat interval.</summary>
    public int RepeatInside { get; init; }

    public static SpeedupCoverage Of(IReadOnlyList<SpeedupComparison> speedups)
    {
        var comparable = speedups.Where(s => !s.MachineStateChanged).ToList();
        var checks = comparable.SelectMany(s => new[] { s.NewInsideBase, s.BaseInsideNew }).Where(b => b is not null).ToList();
        var agreement = comparable.Select(s => s.Agree).Where(b => b is not null).ToList();
        var repeats = comparable.SelectMany(s => new[] { s.NewInsideBaseRepeat, s.BaseInsideNewRepeat }).Where(b => b is not null).ToList();
        return new SpeedupCoverage(checks.Count, checks.Count(b => b == true), speedups.Count - comparable.Count)
        {
            Paired = agreement.Count,
            Agreeing = agreement.Count(b => b == true),
            RepeatCompared = repeats.Count,
            RepeatInside = repeats.Count(b => b == true),
        };
    }
}
