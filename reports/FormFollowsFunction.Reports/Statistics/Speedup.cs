using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Statistics;

/// <summary>
/// The speed-up of one accelerated cell over the baseline cell of the same model, threads, batch
/// and resolution: baseline median latency / accelerated median latency (above 1 = faster than the baseline).
/// </summary>
/// <param name="Run">The run that measured the accelerated cell.</param>
/// <param name="Accelerated">The accelerated backend's row (status ok, median present).</param>
/// <param name="BaselineRun">The run the baseline row came from: the same run, or one on the same machine.</param>
/// <param name="Baseline">The baseline backend's row (status ok, median present).</param>
public sealed record Speedup(LoadedRun Run, ResultRow Accelerated, LoadedRun BaselineRun, ResultRow Baseline)
{
    public string Backend => Accelerated.Backend;

    public string BaselineBackend => Baseline.Backend;

    public string Model => Accelerated.Model;

    public string Pattern => Accelerated.Pattern;

    public int? Depth => Accelerated.Depth;

    public double? Width => Accelerated.Width;

    /// <summary>Reference networks have no depth and width and are not the user's; pattern instances have both.</summary>
    public bool IsReferenceNetwork => NetworkGroups.IsReferenceNetwork(Accelerated);

    /// <summary>A model the user brought (pattern "user"): its own group, never pooled with patterns or reference networks.</summary>
    public bool IsUserNetwork => NetworkGroups.IsUserNetwork(Accelerated);

    public bool IsPatternInstance => NetworkGroups.IsPatternInstance(Accelerated);

    public MeasurementSetting Setting => MeasurementSetting.Of(Accelerated);

    public double BaselineMedianMs => Baseline.MedianMs!.Value;

    public double AcceleratedMedianMs => Accelerated.MedianMs!.Value;

    /// <summary>Baseline median / accelerated median (dimensionless, "×").</summary>
    public double Value => BaselineMedianMs / AcceleratedMedianMs;

    /// <summary>
    /// The rounds in which both cells had an ok launch with a median, each with the two launch medians
    /// (set by <see cref="SpeedupPairing"/>; empty when the runs have no launches or the baseline row
    /// was borrowed from another run, whose rounds ran at other times).
    /// </summary>
    public IReadOnlyList<LaunchPair> Pairs { get; init; } = [];

    /// <summary>How <see cref="Interval"/> was obtained.</summary>
    public SpeedupIntervalMethod IntervalMethod =>
        Pairs.Count >= MinimumPairs ? SpeedupIntervalMethod.LaunchPairs
        : BoundsInterval is not null ? SpeedupIntervalMethod.Bounds
        : SpeedupIntervalMethod.None;

    /// <summary>Fewest round-by-round pairs of launches for the paired interval; below it the bounds interval is used.</summary>
    public const int MinimumPairs = 2;

    /// <summary>
    /// The speed-up's interval, as tables and figures show it. With at least two round-by-round pairs of
    /// launches: a 95% interval from the paired ratios, <see cref="PairedInterval"/>. Otherwise the
    /// interval from the two rows' confidence intervals, <see cref="BoundsInterval"/>. Null when neither exists.
    /// </summary>
    public (double Low, double High)? Interval => PairedInterval ?? BoundsInterval;

    /// <summary>
    /// 95% interval from round-by-round pairs of launches: ratio_r = baseline launch median / backend
    /// launch median in round r, and exp(log <see cref="Value"/> ± t(0.975, n − 1) · s / √n) with s the
    /// standard deviation of the n log ratios (<see cref="LaunchEstimate.LogInterval"/>). The two launches
    /// of a round ran next to each other and shared the machine's state, so drift between rounds cancels
    /// in the ratio. Null with fewer than two pairs.
    /// </summary>
    public (double Low, double High)? PairedInterval
    {
        get
        {
            if (Pairs.Count < MinimumPairs) return null;
            var (low, high, _) = LaunchEstimate.LogInterval(Value, Pairs.Select(p => Math.Log(p.Ratio)).ToList());
            return (low, high);
        }
    }

    /// <summary>
    /// 95% repeat interval: where an identical run's speed-up would land, from the same round-by-round pairs,
    /// exp(log <see cref="Value"/> ± t(0.975, n − 1) · s · √(2 / n)) (<see cref="LaunchEstimate.LogRepeatInterval"/>):
    /// a prediction interval, √2 wider than <see cref="PairedInterval"/>, which says where the speed-up lies.
    /// It holds another run's figure 95% of the time if runs differ only by the variation between this run's
    /// rounds; a machine that drifts more between runs than within one (docs/benchmarks.md, "Run-to-run
    /// variation") holds it less often. Null with fewer than two pairs.
    /// </summary>
    public (double Low, double High)? RepeatInterval =>
        Pairs.Count < MinimumPairs ? null : LaunchEstimate.LogRepeatInterval(Value, [.. Pairs.Select(p => Math.Log(p.Ratio))]);

    /// <summary>
    /// Interval for the speed-up from the two medians' 95% confidence intervals, by the ratio of
    /// their extreme bounds: [baseline low / accelerated high, baseline high / accelerated low].
    /// It holds the true ratio whenever both intervals hold their medians, which by Bonferroni
    /// happens with probability at least 90% whatever the dependence between the two (90.25% if
    /// independent); it is wider than an exact 95% interval for the ratio would be. Null when
    /// either row lacks its interval.
    /// </summary>
    public (double Low, double High)? BoundsInterval =>
        Baseline is { Ci95LowMs: { } bLow, Ci95HighMs: { } bHigh }
        && Accelerated is { Ci95LowMs: { } aLow, Ci95HighMs: { } aHigh }
        && aLow > 0 && aHigh > 0
            ? (bLow / aHigh, bHigh / aLow)
            : null;
}

/// <summary>One round of a speed-up: the baseline's and the backend's launch medians measured in it, ms.</summary>
public sealed record LaunchPair(int Round, double BaselineMs, double AcceleratedMs)
{
    /// <summary>Baseline launch median / backend launch median.</summary>
    public double Ratio => BaselineMs / AcceleratedMs;
}

/// <summary>Where a speed-up's interval comes from.</summary>
public enum SpeedupIntervalMethod
{
    /// <summary>No interval: no launch pairs and at least one row without a confidence interval.</summary>
    None,
    /// <summary>95% t interval on the log ratios of round-by-round pairs of launches.</summary>
    LaunchPairs,
    /// <summary>Ratio of the extreme bounds of the two rows' 95% confidence intervals (at least 90% coverage, Bonferroni).</summary>
    Bounds,
}

/// <summary>Words for a speed-up interval, for tables, captions and the method section.</summary>
public static class SpeedupIntervals
{
    /// <summary>Column value of <c>interval_method</c> in <c>tables/speedups.csv</c>.</summary>
    public static string Name(SpeedupIntervalMethod method) => method switch
    {
        SpeedupIntervalMethod.LaunchPairs => "launch-pairs",
        SpeedupIntervalMethod.Bounds => "ci-bounds",
        _ => "",
    };

    public const string BoundsDescription =
        "interval [baseline CI low / backend CI high, baseline CI high / backend CI low] from the two medians' 95% confidence intervals (at least 90% coverage, Bonferroni)";

    /// <summary>
    /// What the error bars of a set of speed-ups are, in one sentence: "Error bars: 95% interval from 5
    /// round-by-round pairs of launches (t on log ratios)." or the bounds interval, or both with counts.
    /// </summary>
    public static string ErrorBarNote(IEnumerable<Speedup> speedups)
    {
        var list = speedups.ToList();
        var paired = list.Where(s => s.IntervalMethod == SpeedupIntervalMethod.LaunchPairs).ToList();
        int bounds = list.Count(s => s.IntervalMethod == SpeedupIntervalMethod.Bounds);
        int none = list.Count(s => s.IntervalMethod == SpeedupIntervalMethod.None);
        var parts = new List<string>();
        if (paired.Count > 0)
        {
            int min = paired.Min(s => s.Pairs.Count), max = paired.Max(s => s.Pairs.Count);
            string n = min == max ? $"{min}" : $"{min}–{max}";
            string pairs = $"95% interval from {n} round-by-round pairs of launches (t on log ratios)";
            parts.Add(bounds + none == 0 ? pairs : $"{pairs} for {paired.Count} cell(s)");
        }
        if (bounds > 0)
            parts.Add(paired.Count == 0 && none == 0 ? BoundsDescription : $"{BoundsDescription} for {bounds} cell(s) without launch pairs");
        if (none > 0)
            parts.Add($"none for {none} cell(s) without launch pairs or confidence intervals");
        return parts.Count == 0 ? "" : "Error bars: " + string.Join("; ", parts) + ".";
    }
}

/// <summary>An ok accelerated cell that got no speed-up, with the reason in words.</summary>
public sealed record UnpairedCell(LoadedRun Run, ResultRow Row, string Reason);
