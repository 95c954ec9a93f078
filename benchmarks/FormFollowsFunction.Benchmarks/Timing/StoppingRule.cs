namespace FormFollowsFunction.Benchmarks.Timing;

/// <summary>
/// Decides when the measured phase may end. The CI check costs O(n), so it is evaluated on a
/// geometric schedule (every ~10% more samples) rather than after every iteration; the caps are
/// checked after every iteration.
/// </summary>
public sealed class StoppingRule(TimingPolicy policy)
{
    private const double CheckGrowth = 1.1;

    private int _nextCheck = policy.MinIterations;

    /// <summary>Whether <see cref="Decide"/> will run the (costly) CI check for a sample of this size.</summary>
    public bool IsCheckDue(int sampleCount) => sampleCount >= _nextCheck || sampleCount >= policy.MaxIterations;

    /// <summary>The reason to stop now, or null to go on. <paramref name="elapsedSeconds"/> is the measured phase's wall time so far.</summary>
    public StopReason? Decide(IReadOnlyList<double> samples, double elapsedSeconds)
    {
        int n = samples.Count;
        if (n >= _nextCheck)
        {
            _nextCheck = Math.Max(n + 1, (int)Math.Ceiling(n * CheckGrowth));
            if (IsPreciseEnough(samples)) return StopReason.CiTarget;
        }
        if (n >= policy.MaxIterations) return IsPreciseEnough(samples) ? StopReason.CiTarget : StopReason.MaxIterations;
        if (elapsedSeconds >= policy.MaxSeconds && n >= policy.MinIterations)
            return IsPreciseEnough(samples) ? StopReason.CiTarget : StopReason.MaxTime;
        return null;
    }

    /// <summary>True when the sample's 95% median CI half-width is within the target fraction of its median.</summary>
    public bool IsPreciseEnough(IReadOnlyList<double> samples)
    {
        if (samples.Count < Math.Max(3, policy.MinIterations)) return false;
        var (lower, upper) = MedianCi.Of(samples);
        double median = Median(samples);
        return MedianCi.RelativeHalfWidth(lower, upper, median) <= policy.TargetRelativeCi;
    }

    private static double Median(IReadOnlyList<double> samples)
    {
        var sorted = samples.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
