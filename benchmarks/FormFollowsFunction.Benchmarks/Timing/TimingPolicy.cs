namespace FormFollowsFunction.Benchmarks.Timing;

/// <summary>
/// How long and how often one cell is measured: warm-up, then measured iterations until the 95%
/// confidence interval of the median is narrow enough or a cap is reached (see <see cref="StopReason"/>).
/// </summary>
public sealed record TimingPolicy
{
    /// <summary>Warm-up lasts at least this long ...</summary>
    public double WarmupSeconds { get; init; } = 0.5;

    /// <summary>... and at least this many inferences (after the first, which is recorded on its own).</summary>
    public int WarmupIterations { get; init; } = 3;

    /// <summary>No stopping decision is taken before this many measured iterations.</summary>
    public int MinIterations { get; init; } = 10;

    public int MaxIterations { get; init; } = 10_000;

    /// <summary>Cap on the measured phase's wall time.</summary>
    public double MaxSeconds { get; init; } = 10;

    /// <summary>Stop when the 95% CI of the median has a half-width of at most this fraction of the median (0.01 = 1%).</summary>
    public double TargetRelativeCi { get; init; } = 0.01;

    /// <summary>One-line description of what is wrong, or null when the policy can be used.</summary>
    public string? Problem() =>
        WarmupSeconds < 0 ? "warm-up seconds must not be negative"
        : WarmupIterations < 0 ? "warm-up iterations must not be negative"
        : MinIterations < 3 ? "min iterations must be at least 3 (a confidence interval needs a sample)"
        : MaxIterations < MinIterations ? $"max iterations ({MaxIterations}) must be at least min iterations ({MinIterations})"
        : !(MaxSeconds > 0) ? "max seconds must be positive"
        : !(TargetRelativeCi > 0 && TargetRelativeCi < 1) ? "target relative CI must be a fraction between 0 and 1, e.g. 0.01"
        : null;
}

/// <summary>Why the measured phase ended; written in the <c>stop_reason</c> column.</summary>
public enum StopReason
{
    /// <summary>The 95% CI of the median reached the target width.</summary>
    CiTarget,
    /// <summary>The iteration cap was reached before the target width.</summary>
    MaxIterations,
    /// <summary>The time cap was reached before the target width.</summary>
    MaxTime,
}

public static class StopReasonNames
{
    public static string ToColumn(this StopReason reason) => reason switch
    {
        StopReason.CiTarget => "ci-target",
        StopReason.MaxIterations => "max-iterations",
        StopReason.MaxTime => "max-time",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}
