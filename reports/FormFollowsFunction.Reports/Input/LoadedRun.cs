using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Input;

/// <summary>
/// One run folder as a report sees it: its manifest, its results rows and its launches (one row per
/// worker process that measured a cell, from <c>launches.csv</c>), read and checked once. Reports and
/// comparisons read nothing but these.
/// </summary>
public sealed class LoadedRun
{
    private static readonly IReadOnlyList<LaunchRow> NoLaunches = [];

    private LoadedRun(RunFolder folder, RunManifest manifest, IReadOnlyList<ResultRow> rows, IReadOnlyList<LaunchRow> launchRows,
        IReadOnlyList<LayerProfileRow> layerRows, bool hasManifest = true)
    {
        Folder = folder;
        Manifest = manifest;
        HasManifest = hasManifest;
        Rows = rows;
        LaunchRows = launchRows;
        // A profile re-run into the same folder can repeat a layer: the last row written stands.
        LayerRows = layerRows.GroupBy(r => (r.Key, r.Layer)).Select(g => g.Last()).ToList();
        // A resumed run can hold a launch more than once (re-measured after an interruption): the last one written stands.
        Launches = launchRows.Select((row, index) => (row, index))
            .GroupBy(r => (r.row.Key, r.row.Launch))
            .Select(g => g.OrderBy(r => r.row.Measurement.TimestampUtc).ThenBy(r => r.index).Last().row)
            .GroupBy(r => r.Key)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<LaunchRow>)g.OrderBy(r => r.Round).ThenBy(r => r.Launch).ToList());
    }

    public RunFolder Folder { get; }

    /// <summary>
    /// False for a profile folder written without a manifest (<c>fff profile --out DIR</c> may write only
    /// <c>layers.csv</c>): its <see cref="Manifest"/> is then a stand-in named after the folder, with no machine.
    /// </summary>
    public bool HasManifest { get; }

    /// <summary>The per-layer profile rows of <c>layers.csv</c> (one per cell and layer; the last of repeats); empty when the folder has none.</summary>
    public IReadOnlyList<LayerProfileRow> LayerRows { get; }

    public RunManifest Manifest { get; }

    /// <summary>Every row of <c>results.csv</c>, in file order, whatever its status.</summary>
    public IReadOnlyList<ResultRow> Rows { get; }

    /// <summary>Every row of <c>launches.csv</c>, in file order; empty for a run written before launches existed.</summary>
    public IReadOnlyList<LaunchRow> LaunchRows { get; }

    /// <summary>
    /// The launches that count for each cell, in round order: for a resumed run's duplicate rows of a
    /// (cell, launch), the last written. Cells without launches are absent.
    /// </summary>
    public IReadOnlyDictionary<CellKey, IReadOnlyList<LaunchRow>> Launches { get; }

    /// <summary>Whether the run recorded launches at all (older runs did not).</summary>
    public bool HasLaunches => Launches.Count > 0;

    /// <summary>The cell's launches in round order (none when the run has no launches for it).</summary>
    public IReadOnlyList<LaunchRow> LaunchesOf(CellKey key) => Launches.TryGetValue(key, out var launches) ? launches : NoLaunches;

    /// <summary>The medians of the cell's ok launches that have a positive median, in round order.</summary>
    public IReadOnlyList<double> OkLaunchMedians(CellKey key) =>
        LaunchesOf(key).Where(IsUsable).Select(l => l.Measurement.MedianMs!.Value).ToList();

    /// <summary>An ok launch with a positive, finite median: one that measured its cell.</summary>
    public static bool IsUsable(LaunchRow launch) =>
        launch.Measurement.IsOk && launch.Measurement.MedianMs is > 0 and < double.PositiveInfinity;

    /// <summary>The run folder's own name (the last path segment), used to name report folders.</summary>
    public string Name => Folder.Name;

    public string RunId => Manifest.RunId;

    /// <summary>
    /// The row that counts for each cell. A resumed run can hold a cell more than once (a cell
    /// re-measured after an interruption); the last row written is the one that stands.
    /// </summary>
    public IReadOnlyList<ResultRow> CurrentRows =>
        Rows.Select((row, index) => (row, index))
            .GroupBy(r => r.row.Key)
            .Select(g => g.OrderBy(r => r.row.TimestampUtc).ThenBy(r => r.index).Last().row)
            .ToList();

    /// <summary>
    /// Reads a run folder, failing with a <see cref="ResultsFormatException"/> whose one-line
    /// message names the folder, what is wrong, and what to point the command at instead.
    /// </summary>
    public static LoadedRun Load(RunFolder folder)
    {
        if (!Directory.Exists(folder.Path))
            throw new ResultsFormatException($"{folder.Path}: no such folder; give the path of a run folder written by 'fff run'");
        bool hasLayers = File.Exists(folder.LayersFile);
        if (!File.Exists(folder.ResultsFile) && hasLayers)
        {
            // A profile folder: per-layer times, and perhaps no timed cells at all.
            var profileManifest = File.Exists(folder.ManifestFile) ? folder.ReadManifest() : new RunManifest { RunId = folder.Name };
            return new LoadedRun(folder, profileManifest, [], folder.ReadLaunches(), folder.ReadLayers(), File.Exists(folder.ManifestFile));
        }
        if (!File.Exists(folder.ResultsFile))
            throw new ResultsFormatException(
                $"{folder.Path} is not a run folder: it has no {RunFolder.ResultsFileName} and no {RunFolder.LayersFileName}; give the path of a run folder written by 'fff run' or a profile folder written by 'fff profile --out DIR'");
        if (!File.Exists(folder.ManifestFile))
            throw new ResultsFormatException(
                $"{folder.Path} is not a complete run folder: it has {RunFolder.ResultsFileName} but no {RunFolder.ManifestFileName}; reports need the manifest for the machine and configuration");
        var manifest = folder.ReadManifest();
        var rows = ResultsCsv.Read(folder.ResultsFile);
        return new LoadedRun(folder, manifest, rows, folder.ReadLaunches(), hasLayers ? folder.ReadLayers() : []);
    }

    public static LoadedRun Load(string path) => Load(new RunFolder(path));

    /// <summary>Builds a run from rows already in memory (tests, and callers that hold the rows).</summary>
    public static LoadedRun FromRows(RunFolder folder, RunManifest manifest, IReadOnlyList<ResultRow> rows, IReadOnlyList<LaunchRow>? launches = null,
        IReadOnlyList<LayerProfileRow>? layers = null) =>
        new(folder, manifest, rows, launches ?? NoLaunches, layers ?? []);
}
