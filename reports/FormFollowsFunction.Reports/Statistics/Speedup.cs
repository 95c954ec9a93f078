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

    /// <summary>Reference networks have no depth and width; pattern instances have both.</summary>
    public bool IsReferenceNetwork => Accelerated.Depth is null;

    public MeasurementSetting Setting => MeasurementSetting.Of(Accelerated);

    public double BaselineMedianMs => Baseline.MedianMs!.Value;

    public double AcceleratedMedianMs => Accelerated.MedianMs!.Value;

    /// <summary>Baseline median / accelerated median (dimensionless, "×").</summary>
    public double Value => BaselineMedianMs / AcceleratedMedianMs;

    /// <summary>
    /// Interval for the speed-up from the two medians' 95% confidence intervals, by the ratio of
    /// their extreme bounds: [baseline low / accelerated high, baseline high / accelerated low].
    /// It holds the true ratio whenever both intervals hold their medians, which by Bonferroni
    /// happens with probability at least 90% whatever the dependence between the two (90.25% if
    /// independent); it is wider than an exact 95% interval for the ratio would be. Null when
    /// either row lacks its interval.
    /// </summary>
    public (double Low, double High)? Interval =>
        Baseline is { Ci95LowMs: { } bLow, Ci95HighMs: { } bHigh }
        && Accelerated is { Ci95LowMs: { } aLow, Ci95HighMs: { } aHigh }
        && aLow > 0 && aHigh > 0
            ? (bLow / aHigh, bHigh / aLow)
            : null;
}

/// <summary>An ok accelerated cell that got no speed-up, with the reason in words.</summary>
public sealed record UnpairedCell(LoadedRun Run, ResultRow Row, string Reason);
