using Pragmastat;

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

    /// <summary>Whether <see cref="Decide"/> may run the (costly) CI check now: on the schedule, or because a cap is reached.</summary>
    public bool IsCheckDue(int sampleCount, double elapsedSeconds) =>
        sampleCount >= _nextCheck || sampleCount >= policy.MaxIterations
        || (elapsedSeconds >= policy.MaxSeconds && sampleCount >= policy.MinIterations);

    /// <summary>The reason to stop now, or null to go on. <paramref name="elapsedSeconds"/> is the measured phase's wall time so far.</summary>
    public StopReason? Decide(IReadOnlyList<double> samples, double elapsedSeconds)
    {
        int n = samples.Count;
        bool? precise = null;
        bool Precise() => precise ??= IsPreciseEnough(samples);
        if (n >= _nextCheck)
        {
            _nextCheck = Math.Max(n + 1, (int)Math.Ceiling(n * CheckGrowth));
            if (Precise()) return StopReason.CiTarget;
        }
        if (n >= policy.MaxIterations) return Precise() ? StopReason.CiTarget : StopReason.MaxIterations;
        if (elapsedSeconds >= policy.MaxSeconds && n >= policy.MinIterations)
            return Precise() ? StopReason.CiTarget : StopReason.MaxTime;
        return null;
    }

    /// <summary>True when the sample's 95% median CI half-width is within the target fraction of its median.</summary>
    public bool IsPreciseEnough(IReadOnlyList<double> samples)
    {
        if (samples.Count < Math.Max(3, policy.MinIterations)) return false;
        var sample = new Sample(samples.ToArray());
        var (lower, upper) = MedianCi.Of(sample);
        return MedianCi.RelativeHalfWidth(lower, upper, LatencyStatistics.MedianOf(sample)) <= policy.TargetRelativeCi;
    }
}
