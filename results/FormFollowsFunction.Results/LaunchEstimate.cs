using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Results;

/// <summary>
/// A cell's latency estimated from the medians of its launches (one per worker process), with a 95%
/// interval that includes the variation between processes: what results.csv reports for a cell
/// measured in several launches.
/// <para>
/// Estimate: the median of the launch medians (robust to one odd process). Interval: a Student t
/// interval on the log scale, centred on the log of the estimate, with half-width
/// t(0.975, K − 1) · s / √K, where s is the sample standard deviation of the K log launch medians.
/// Between-process noise is multiplicative (a process is some percent slower or faster), so the log
/// scale makes it additive and the interval asymmetric in milliseconds, as the noise is. With fewer
/// than two launches there is no between-process spread and no interval.
/// </para>
/// </summary>
/// <param name="Count">Launches that gave a median (K).</param>
/// <param name="Median">Median of the launch medians, ms.</param>
/// <param name="Cv">Coefficient of variation of the launch medians: sample standard deviation / mean; null below two launches.</param>
/// <param name="LogStandardDeviation">Sample standard deviation of the natural logs of the launch medians; null below two launches.</param>
/// <param name="Ci95Low">Lower bound of the 95% interval, ms; null below two launches.</param>
/// <param name="Ci95High">Upper bound of the 95% interval, ms; null below two launches.</param>
public sealed record LaunchEstimate(int Count, double Median, double? Cv, double? LogStandardDeviation, double? Ci95Low, double? Ci95High)
{
    public const string Method =
        "median of the launch medians; 95% interval: Student t on the logs of the launch medians, centred on the log of that median, half-width t(0.975, K-1) s/sqrt(K)";

    public static LaunchEstimate Of(IReadOnlyList<double> launchMedians)
    {
        if (launchMedians.Count == 0) throw new ArgumentException("a cell estimate needs at least one launch median", nameof(launchMedians));
        if (launchMedians.Any(m => !(m > 0) || double.IsInfinity(m)))
            throw new ArgumentException("launch medians are latencies and must be positive and finite", nameof(launchMedians));
        double median = launchMedians.Median();
        if (launchMedians.Count < 2) return new LaunchEstimate(1, median, null, null, null, null);
        double cv = launchMedians.StandardDeviation() / launchMedians.Mean();
        var (low, high, logSd) = LogInterval(median, launchMedians.Select(m => Math.Log(m)).ToList());
        return new LaunchEstimate(launchMedians.Count, median, cv, logSd, low, high);
    }

    /// <summary>
    /// A 95% interval for a positive quantity estimated as <paramref name="estimate"/> from K values
    /// whose logs are <paramref name="logs"/>: exp(log estimate ± t(0.975, K − 1) · s / √K). Also used
    /// for a speed-up from round-by-round pairs of launches (the logs of the paired ratios).
    /// </summary>
    public static (double Low, double High, double LogStandardDeviation) LogInterval(double estimate, IReadOnlyList<double> logs) =>
        LogInterval(estimate, logs, 1.0 / logs.Count);

    /// <summary>
    /// A 95% prediction interval for the estimate that a repeat of the same measurement, with as many values
    /// (an identical run), would give: exp(log estimate ± t(0.975, K − 1) · s · √(1/K + 1/K)). Where
    /// <see cref="LogInterval(double, IReadOnlyList{double})"/> says where the quantity lies, this says where another
    /// run's figure would land, if runs differed only by the variation the K values show; it is √2 wider.
    /// </summary>
    public static (double Low, double High) LogRepeatInterval(double estimate, IReadOnlyList<double> logs)
    {
        var (low, high, _) = LogInterval(estimate, logs, 2.0 / logs.Count);
        return (low, high);
    }

    /// <summary>exp(log estimate ± t(0.975, K − 1) · s · √<paramref name="varianceFactor"/>), s the standard deviation of the K logs.</summary>
    private static (double Low, double High, double LogStandardDeviation) LogInterval(double estimate, IReadOnlyList<double> logs, double varianceFactor)
    {
        if (logs.Count < 2) throw new ArgumentException("an interval needs at least two values", nameof(logs));
        double s = logs.StandardDeviation();
        double half = StudentT.InvCDF(0, 1, logs.Count - 1, 0.975) * s * Math.Sqrt(varianceFactor);
        double centre = Math.Log(estimate);
        return (Math.Exp(centre - half), Math.Exp(centre + half), s);
    }
}
