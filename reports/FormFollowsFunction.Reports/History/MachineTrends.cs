using FormFollowsFunction.Results;
using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Reports.History;

/// <summary>One line of a machine's summary figures: a backend's value per run.</summary>
public sealed record TrendLine(string Backend, IReadOnlyList<(DateTime Run, double Value)> Points);

/// <summary>
/// The lines of a machine's summary figures on the history dashboard.
/// </summary>
/// <remarks>
/// A geometric mean of latencies over each run's cells moves whenever the set of cells changes and, on a
/// machine whose host moves its CPUs, whenever its multi-threaded cells ran in the other machine state
/// (<see cref="CoreLatencyStates"/>): on the build VM that doubled a two-thread cell's latency. So the
/// latency line is relative: each cell's median in a run over that cell's median across all the
/// machine's runs in the same state, and per run the geometric mean of those ratios over the backend's
/// cells. A run in the other state, or with a cell more or fewer, then moves no line; a change of the
/// backend moves it by its factor.
/// </remarks>
public static class MachineTrends
{
    /// <summary>Per backend and run: the geometric mean over its ok cells of the cell's median / the cell's median over the machine's runs in the same state.</summary>
    public static IReadOnlyList<TrendLine> RelativeLatency(MachineHistory machine)
    {
        var states = RunHistory.MachineStates(machine);
        (CellKey Cell, double? State) Series(ResultRow row) =>
            (row.Key, CoreLatencyStates.Matters(row.Threads) && row.CoreLatencyNs is { } ns && states.TryGetValue(ns, out double state) ? state : null);
        var ok = machine.Runs.SelectMany(run => run.Rows.Where(r => r.IsOk && r.MedianMs > 0).Select(r => (Run: run, Row: r))).ToList();
        var reference = ok.GroupBy(p => Series(p.Row)).ToDictionary(g => g.Key, g => g.Select(p => p.Row.MedianMs!.Value).Median());
        return Lines(machine, run => run.Rows.Where(r => r.IsOk && r.MedianMs > 0).Select(r => (r.Backend, r.MedianMs!.Value / reference[Series(r)])));
    }

    /// <summary>Per backend other than the baseline and run: the geometric mean of baseline median / backend median over the cells ok on both in the run.</summary>
    public static IReadOnlyList<TrendLine> Speedup(MachineHistory machine, string baseline) =>
        Lines(machine, run => run.Rows
            .Where(r => r.IsOk && r.MedianMs > 0 && !string.Equals(r.Backend, baseline, StringComparison.OrdinalIgnoreCase))
            .Select(r => (Row: r, Base: run.Row(r.Key with { Backend = baseline })))
            .Where(p => p.Base is { IsOk: true, MedianMs: > 0 })
            .Select(p => (p.Row.Backend, p.Base!.MedianMs!.Value / p.Row.MedianMs!.Value)));

    private static IReadOnlyList<TrendLine> Lines(MachineHistory machine, Func<HistoryRun, IEnumerable<(string Backend, double Value)>> values)
    {
        var points = new SortedDictionary<string, List<(DateTime, double)>>(StringComparer.Ordinal);
        foreach (var run in machine.Runs)
            foreach (var backend in values(run).GroupBy(v => v.Backend))
            {
                if (!points.TryGetValue(backend.Key, out var line)) points[backend.Key] = line = [];
                line.Add((run.Manifest.CreatedUtc, HistoryWriter.GeometricMean(backend.Select(v => v.Value))));
            }
        return [.. points.Select(p => new TrendLine(p.Key, p.Value))];
    }
}
