using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Reports.Statistics;

/// <summary>
/// How a set of speed-ups spreads: count, arithmetic and geometric mean, extremes. The geometric
/// mean is the one to quote for ratios (a 2× and a 0.5× average to 1×, not 1.25×); the
/// arithmetic mean is given because the literature often quotes it.
/// </summary>
public sealed record SpeedupSummary(int Count, double Mean, double GeometricMean, double Min, double Max)
{
    /// <summary>Null when there is nothing to summarise.</summary>
    public static SpeedupSummary? Of(IEnumerable<double> speedups)
    {
        var values = speedups.ToArray();
        if (values.Length == 0) return null;
        if (values.Any(v => !(v > 0) || double.IsInfinity(v)))
            throw new ArgumentException("speed-ups are ratios of positive latencies and must be positive and finite", nameof(speedups));
        return new SpeedupSummary(
            values.Length,
            values.Mean(),
            values.GeometricMean(),
            values.Minimum(),
            values.Maximum());
    }
}
