using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// What a run has measured so far, read back from its files: the launches of each cell
/// (launches.csv) and the cells whose row is written (results.csv). A launch once recorded is never
/// measured again; a cell is complete when it has all its launches, or one that was not measured
/// (failed, crashed, timeout: trying the same worker again would only repeat the failure).
/// </summary>
public sealed class SweepLedger(int launchesPerCell)
{
    private readonly Dictionary<CellKey, SortedDictionary<int, LaunchRow>> _launches = [];
    private readonly HashSet<CellKey> _written = [];

    public int LaunchesPerCell { get; } = launchesPerCell;

    public static SweepLedger Read(RunFolder folder, int launchesPerCell)
    {
        var ledger = new SweepLedger(launchesPerCell);
        foreach (var launch in folder.ReadLaunches()) ledger.Record(launch);
        foreach (var row in folder.ReadResults()) ledger.Written(row.Key);
        return ledger;
    }

    public void Record(LaunchRow launch)
    {
        if (!_launches.TryGetValue(launch.Key, out var launches)) _launches[launch.Key] = launches = [];
        launches[launch.Launch] = launch;
    }

    public void Written(CellKey cell) => _written.Add(cell);

    /// <summary>The cell's row is in results.csv: nothing more to do for it.</summary>
    public bool IsWritten(CellKey cell) => _written.Contains(cell);

    public bool HasLaunch(CellKey cell, int launch) => _launches.TryGetValue(cell, out var l) && l.ContainsKey(launch);

    /// <summary>The cell's launches so far, in launch order.</summary>
    public IReadOnlyList<LaunchRow> LaunchesOf(CellKey cell) =>
        _launches.TryGetValue(cell, out var l) ? [.. l.Values] : [];

    /// <summary>Every launch is measured, or one could not be: the cell's row can be estimated.</summary>
    public bool IsComplete(CellKey cell)
    {
        var launches = LaunchesOf(cell);
        return launches.Count >= LaunchesPerCell
               || launches.Any(l => l.Measurement.ParsedStatus is not (CellStatus.Ok or CellStatus.Mismatch));
    }

    /// <summary>Launches still to run for the given cells (a complete cell needs none).</summary>
    public int PendingLaunches(IEnumerable<CellKey> cells) =>
        cells.Where(c => !IsWritten(c) && !IsComplete(c)).Sum(c => LaunchesPerCell - LaunchesOf(c).Count);
}
