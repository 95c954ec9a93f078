using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Statistics;

/// <summary>The speed-ups of a set of runs over one baseline backend, and the ok cells that could not be paired.</summary>
public sealed record SpeedupSet(string BaselineBackend, IReadOnlyList<Speedup> Speedups, IReadOnlyList<UnpairedCell> Unpaired)
{
    /// <summary>Accelerated backends that have at least one speed-up, in name order.</summary>
    public IReadOnlyList<string> Backends =>
        Speedups.Select(s => s.Backend).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}

/// <summary>
/// Pairs every ok accelerated cell with the baseline cell of the same model, threads, batch and
/// resolution. Only cells with status <c>ok</c> on both sides enter: a mismatch is a wrong answer,
/// and a wrong answer fast is not a speed-up. Where the run measured both cells in several launches,
/// the launches are paired round by round for the speed-up's interval (<see cref="Speedup.Pairs"/>).
/// </summary>
public static class SpeedupPairing
{
    /// <summary>The baseline when none is named: native TorchSharp on the CPU.</summary>
    public const string DefaultBaseline = "torch-cpu";

    /// <summary>
    /// A run's own baseline cell is preferred. A run that has no baseline row for the cell at all
    /// (the backends were measured in separate runs) borrows one from another of the given runs
    /// whose machine fingerprint shows no difference; the latest such row is taken. A baseline row
    /// that exists but is not ok is never replaced by another run's: that would hide a failure.
    /// </summary>
    public static SpeedupSet Pair(IReadOnlyList<LoadedRun> runs, string baselineBackend = DefaultBaseline)
    {
        var current = runs.ToDictionary(r => r, r => r.CurrentRows);
        var speedups = new List<Speedup>();
        var unpaired = new List<UnpairedCell>();

        foreach (var run in runs)
        {
            var baselineRows = current[run]
                .Where(r => IsBackend(r, baselineBackend))
                .ToDictionary(r => r.Key with { Backend = "" });
            foreach (var row in current[run].Where(r => !IsBackend(r, baselineBackend) && r.IsOk))
            {
                if (row.MedianMs is not > 0)
                {
                    unpaired.Add(new(run, row, "status ok but no positive median latency"));
                    continue;
                }
                var key = row.Key with { Backend = "" };
                if (baselineRows.TryGetValue(key, out var own))
                {
                    if (!own.IsOk)
                        unpaired.Add(new(run, row, $"its {baselineBackend} cell has status {own.Status}"));
                    else if (own.MedianMs is not > 0)
                        unpaired.Add(new(run, row, $"its {baselineBackend} cell has no positive median latency"));
                    else
                        speedups.Add(new Speedup(run, row, run, own) { Pairs = PairLaunches(run, own, row) });
                    continue;
                }
                var borrowed = runs
                    .Where(other => other != run && other.Manifest.Machine.DifferencesFrom(run.Manifest.Machine).Count == 0)
                    .SelectMany(other => current[other]
                        .Where(r => IsBackend(r, baselineBackend) && r.IsOk && r.MedianMs > 0 && r.Key with { Backend = "" } == key)
                        .Select(r => (Run: other, Row: r)))
                    .OrderBy(c => c.Row.TimestampUtc)
                    .LastOrDefault();
                if (borrowed.Row is not null)
                    speedups.Add(new Speedup(run, row, borrowed.Run, borrowed.Row));
                else
                    unpaired.Add(new(run, row,
                        $"no ok {baselineBackend} cell for this model and setting in run {run.RunId} or in a run on the same machine"));
            }
        }
        return new SpeedupSet(baselineBackend, speedups, unpaired);
    }

    /// <summary>
    /// The rounds in which both cells of one run had an ok launch with a median, in round order: the
    /// two launches of a round measured the cells next to each other. Only launches each cell's figures come
    /// from (<see cref="LaunchSelection"/>: no disturbed launch) pair, and a multi-threaded round whose two
    /// launches ran in different machine states (<see cref="CoreLatencyStates"/>: the host moved the CPUs
    /// between them) is left out. A baseline borrowed from another run is never paired, since its rounds
    /// ran at other times.
    /// </summary>
    public static IReadOnlyList<LaunchPair> PairLaunches(LoadedRun run, ResultRow baseline, ResultRow accelerated)
    {
        var baselineByRound = Chosen(run, baseline.Key).ToDictionary(l => l.Round, l => l.Measurement);
        bool statesMatter = CoreLatencyStates.Matters(accelerated.Threads);
        return Chosen(run, accelerated.Key)
            .Select(l => (l.Round, Accelerated: l.Measurement, Baseline: baselineByRound.GetValueOrDefault(l.Round)))
            .Where(p => p.Baseline is not null
                && (!statesMatter || CoreLatencyStates.Same(p.Baseline.CoreLatencyNs, p.Accelerated.CoreLatencyNs)))
            .OrderBy(p => p.Round)
            .Select(p => new LaunchPair(p.Round, p.Baseline!.MedianMs!.Value, p.Accelerated.MedianMs!.Value))
            .ToList();
    }

    /// <summary>The cell's launches its figures come from (<see cref="LaunchSelection"/>), one per round.</summary>
    private static IReadOnlyList<LaunchRow> Chosen(LoadedRun run, CellKey key)
    {
        var usable = run.LaunchesOf(key).Where(LoadedRun.IsUsable).GroupBy(l => l.Round).Select(g => g.Last()).ToList();
        return LaunchSelection.Chosen(usable, key.Threads, l => l.Measurement.MedianMs!.Value, l => l.Measurement.CoreLatencyNs,
            l => l.Measurement.CoreLatencyAfterNs);
    }

    private static bool IsBackend(ResultRow row, string backend) =>
        string.Equals(row.Backend, backend, StringComparison.OrdinalIgnoreCase);
}
