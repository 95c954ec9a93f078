namespace FormFollowsFunction.Results;

/// <summary>
/// Machine states told apart by the core-to-core round trip (<c>core_latency_ns</c>): launches whose round
/// trips lie within <see cref="SameStateRatio"/> of each other ran with the processors placed alike; a
/// larger jump is the host moving a virtual machine's CPUs (on the project's build VM: about 105 ns and
/// about 420 ns, a factor of 4). A multi-threaded cell's latency depends on that state (threads that
/// synchronise across cores wait for each other's cache lines), so its launches are estimated, paired and
/// compared within one state; a single-threaded cell synchronises across no cores and is not split.
/// </summary>
public static class CoreLatencyStates
{
    /// <summary>Round trips at most this factor apart are one state; the build VM's two states were 4x apart, their spread within a state under 1.2x.</summary>
    public const double SameStateRatio = 1.5;

    /// <summary>Whether a cell at <paramref name="threads"/> intra-op threads depends on the state (it synchronises across cores).</summary>
    public static bool Matters(int threads) => threads > 1;

    /// <summary>Whether two round trips are one state; an unknown figure (null) is taken to be the same state.</summary>
    public static bool Same(double? aNs, double? bNs) =>
        aNs is not > 0 || bNs is not > 0 || Math.Max(aNs.Value, bNs.Value) <= SameStateRatio * Math.Min(aNs.Value, bNs.Value);

    /// <summary>
    /// Whether the machine state changed while a launch ran: its round trip measured before the engine
    /// loaded and again after the worker exited belong to different states. Such a launch's median mixes two
    /// machines (on the build VM one launch probed 352 ns, then ran as fast as the 105 ns state), so it is set
    /// aside (<see cref="WithoutChanges"/>). The two figures must be more than <see cref="ChangeRatio"/> apart:
    /// a single reading strays further within a state than a row's median does (61–170 ns in the build VM's
    /// near state), while the states themselves are 4x apart. False when either figure is unknown.
    /// </summary>
    public static bool ChangedDuring(double? beforeNs, double? afterNs) =>
        beforeNs is > 0 && afterNs is > 0 && Math.Max(beforeNs.Value, afterNs.Value) > ChangeRatio * Math.Min(beforeNs.Value, afterNs.Value);

    /// <summary>How far apart a launch's probes before and after it must be to show that the state changed while it ran.</summary>
    public const double ChangeRatio = 2;

    /// <summary>
    /// The items (launches of one multi-threaded cell) during which the machine state did not change
    /// (<see cref="ChangedDuring"/>), in their order; all of them when every one changed, so that a cell keeps an estimate.
    /// </summary>
    public static IReadOnlyList<T> WithoutChanges<T>(IReadOnlyList<T> items, Func<T, double?> beforeNs, Func<T, double?> afterNs)
    {
        var steady = items.Where(i => !ChangedDuring(beforeNs(i), afterNs(i))).ToList();
        return steady.Count > 0 && steady.Count < items.Count ? steady : items;
    }

    /// <summary>
    /// Groups round trips into states: sorted, a new state wherever one value is more than
    /// <see cref="SameStateRatio"/> times the one before it. Returns each input's state as the median round
    /// trip of its group, in input order (null stays null: a launch without the figure has no known state).
    /// </summary>
    public static IReadOnlyList<double?> Of(IReadOnlyList<double?> roundTripsNs)
    {
        var known = roundTripsNs.Where(v => v is > 0).Select(v => v!.Value).Distinct().Order().ToList();
        var groups = new List<List<double>>();
        foreach (double value in known)
        {
            if (groups.Count == 0 || value > groups[^1][^1] * SameStateRatio) groups.Add([]);
            groups[^1].Add(value);
        }
        var stateOf = new Dictionary<double, double>();
        foreach (var group in groups)
        {
            var all = roundTripsNs.Where(v => v is > 0 && group.Contains(v!.Value)).Select(v => v!.Value).Order().ToList();
            double median = all.Count % 2 == 1 ? all[all.Count / 2] : (all[all.Count / 2 - 1] + all[all.Count / 2]) / 2;
            foreach (double value in group) stateOf[value] = median;
        }
        return [.. roundTripsNs.Select(v => v is > 0 ? stateOf[v.Value] : (double?)null)];
    }

    /// <summary>
    /// The items (launches of one cell) measured in the state that most of them share, in their order;
    /// a tie goes to the faster state. All of them when fewer than two states are present or when any
    /// item lacks the figure (a run from before the probe, or a machine where it cannot be measured).
    /// </summary>
    public static IReadOnlyList<T> Majority<T>(IReadOnlyList<T> items, Func<T, double?> roundTripNs)
    {
        var states = Of([.. items.Select(roundTripNs)]);
        if (states.Any(s => s is null) || states.Distinct().Count() < 2) return items;
        double chosen = states.GroupBy(s => s!.Value).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        return [.. items.Where((_, i) => states[i] == chosen)];
    }

    /// <summary>"105 ns (96 launches), 420 ns (32 launches)": the states of <paramref name="roundTripsNs"/>, fastest first, with their counts; empty when none is known.</summary>
    public static string Describe(IReadOnlyList<double?> roundTripsNs) =>
        string.Join(", ", Of(roundTripsNs).Where(s => s is not null).GroupBy(s => s!.Value).OrderBy(g => g.Key)
            .Select(g => $"{Name(g.Key)} ({g.Count()} launch{(g.Count() == 1 ? "" : "es")})"));

    /// <summary>"105 ns" for a state, as reports and messages name it.</summary>
    public static string Name(double stateNs) => $"{stateNs:0} ns";
}
