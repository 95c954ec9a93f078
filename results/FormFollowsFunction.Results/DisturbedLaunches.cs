using Perfolizer.Mathematics.OutlierDetection;
using Perfolizer.Mathematics.ScaleEstimators;

namespace FormFollowsFunction.Results;

/// <summary>
/// Launches that something else on the machine slowed down: noise only ever makes a process slower, so a
/// launch far slower than its cell's other launches measured the machine's other tenants, not the engine.
/// A launch is set aside when the log of its median is an upper outlier of the cell's launches by the
/// median-absolute-deviation rule (Hampel's identifier: more than <see cref="MadFactor"/> robust standard
/// deviations above their median, the MAD scaled to estimate a standard deviation with Perfolizer's
/// small-sample correction; <see cref="MadOutlierDetector"/>) and it is also
/// more than <see cref="MinimumSlowdown"/> slower than their median (so that launches that agree to a
/// fraction of a percent do not make a few percent an outlier). Fewer than
/// <see cref="MinimumLaunches"/> launches are never judged. launches.csv keeps every launch; the cell's
/// estimate, speed-up pairs and <c>fff compare</c> use the others.
/// </summary>
public static class DisturbedLaunches
{
    public const double MadFactor = 3;

    public const double MinimumSlowdown = 0.10;

    public const int MinimumLaunches = 3;

    /// <summary>The items whose <paramref name="medianMs"/> is not disturbed, in their order.</summary>
    public static IReadOnlyList<T> Without<T>(IReadOnlyList<T> items, Func<T, double> medianMs)
    {
        if (items.Count < MinimumLaunches) return items;
        var logs = items.Select(i => Math.Log(medianMs(i))).ToList();
        var detector = MadOutlierDetector.Create(logs, MadFactor, MedianAbsoluteDeviationEstimator.Simple);
        double median = MathNet.Numerics.Statistics.Statistics.Median(logs);
        return [.. items.Where((_, i) => !(detector.IsUpperOutlier(logs[i]) && logs[i] - median > Math.Log(1 + MinimumSlowdown)))];
    }
}
