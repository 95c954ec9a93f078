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
/// and a wrong answer fast is not a speed-up.
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
                        speedups.Add(new Speedup(run, row, run, own));
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

    private static bool IsBackend(ResultRow row, string backend) =>
        string.Equals(row.Backend, backend, StringComparison.OrdinalIgnoreCase);
}
