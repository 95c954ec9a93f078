namespace FormFollowsFunction.Results;

/// <summary>
/// Which of a cell's timed launches its figures come from, the one rule that the cell's row, its speed-up
/// pairs and run comparisons share: for a multi-threaded cell, none during which the machine state changed
/// (<see cref="CoreLatencyStates.ChangedDuring"/>), and of the others, the launches of the state most of them
/// share (<see cref="CoreLatencyStates.Majority"/>); of those, every launch that was not disturbed
/// (<see cref="DisturbedLaunches"/>).
/// </summary>
public static class LaunchSelection
{
    public static IReadOnlyList<T> Chosen<T>(IReadOnlyList<T> timed, int threads, Func<T, double> medianMs, Func<T, double?> coreLatencyNs,
        Func<T, double?> coreLatencyAfterNs)
    {
        var inState = CoreLatencyStates.Matters(threads)
            ? CoreLatencyStates.Majority(CoreLatencyStates.WithoutChanges(timed, coreLatencyNs, coreLatencyAfterNs), coreLatencyNs)
            : timed;
        return DisturbedLaunches.Without(inState, medianMs);
    }

    /// <summary><see cref="Chosen{T}"/> for launches as rows (each its own measurement).</summary>
    public static IReadOnlyList<ResultRow> Chosen(IReadOnlyList<ResultRow> timed) =>
        timed.Count == 0 ? timed : Chosen(timed, timed[0].Threads, l => l.MedianMs!.Value, l => l.CoreLatencyNs, l => l.CoreLatencyAfterNs);
}
