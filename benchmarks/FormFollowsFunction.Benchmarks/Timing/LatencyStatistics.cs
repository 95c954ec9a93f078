using Perfolizer.Mathematics.Common;
using Perfolizer.Mathematics.QuantileEstimators;
using Pragmastat;

namespace FormFollowsFunction.Benchmarks.Timing;

/// <summary>
/// Summary of one cell's measured latencies, in milliseconds.
/// Percentiles (median, p90, p99) use Hyndman and Fan's definition 7 (linear interpolation between
/// order statistics; numpy's and R's default). The 95% confidence interval of the median is the
/// Maritz–Jarrett interval around the Harrell–Davis median estimate (Perfolizer), which assumes no
/// distribution for the latencies. The standard deviation is the sample one (n - 1).
/// </summary>
public sealed record LatencyStatistics(
    int Count,
    double Median,
    double Mean,
    double StandardDeviation,
    double Min,
    double Max,
    double P90,
    double P99,
    double Ci95Lower,
    double Ci95Upper)
{
    public const string PercentileDefinition = "Hyndman-Fan type 7 (linear interpolation)";
    public const string MedianIntervalMethod = "Maritz-Jarrett 95% CI of the Harrell-Davis median";

    /// <summary>Half the CI's width as a fraction of the median: the quantity the stopping rule bounds.</summary>
    public double RelativeCiHalfWidth => MedianCi.RelativeHalfWidth(Ci95Lower, Ci95Upper, Median);

    /// <summary>The sample median by the same definition as the percentiles (Hyndman–Fan 7).</summary>
    internal static double MedianOf(Sample sample) => HyndmanFanQuantileEstimator.Type7.Quantile(sample, 0.5).NominalValue;

    public static LatencyStatistics From(IReadOnlyList<double> latenciesMs)
    {
        if (latenciesMs.Count < 2) throw new ArgumentException("statistics need at least two samples", nameof(latenciesMs));
        var sample = new Sample(latenciesMs.ToArray());
        var quantiles = HyndmanFanQuantileEstimator.Type7;
        var moments = Moments.Create(latenciesMs);
        var (low, high) = MedianCi.Of(sample);
        return new LatencyStatistics(
            Count: latenciesMs.Count,
            Median: MedianOf(sample),
            Mean: moments.Mean,
            StandardDeviation: moments.StandardDeviation,
            Min: sample.SortedValues[0],
            Max: sample.SortedValues[^1],
            P90: quantiles.Quantile(sample, 0.90).NominalValue,
            P99: quantiles.Quantile(sample, 0.99).NominalValue,
            Ci95Lower: low,
            Ci95Upper: high);
    }
}

/// <summary>The 95% confidence interval of a sample's median (Maritz–Jarrett via Perfolizer).</summary>
public static class MedianCi
{
    internal static (double Lower, double Upper) Of(Sample sample)
    {
        var interval = HarrellDavisQuantileEstimator.Instance
            .QuantileConfidenceIntervalEstimator(sample, 0.5)
            .ConfidenceInterval(ConfidenceLevel.L95);
        return (interval.Lower, interval.Upper);
    }

    public static double RelativeHalfWidth(double lower, double upper, double median) =>
        median > 0 ? (upper - lower) / 2 / median : double.PositiveInfinity;
}
