using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Input;

/// <summary>
/// One run folder as a report sees it: its manifest and its results rows, read and checked once.
/// Reports and comparisons read nothing but these.
/// </summary>
public sealed class LoadedRun
{
    private LoadedRun(RunFolder folder, RunManifest manifest, IReadOnlyList<ResultRow> rows)
    {
        Folder = folder;
        Manifest = manifest;
        Rows = rows;
    }

    public RunFolder Folder { get; }

    public RunManifest Manifest { get; }

    /// <summary>Every row of <c>results.csv</c>, in file order, whatever its status.</summary>
    public IReadOnlyList<ResultRow> Rows { get; }

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
        if (!File.Exists(folder.ResultsFile))
            throw new ResultsFormatException(
                $"{folder.Path} is not a run folder: it has no {RunFolder.ResultsFileName}; give the path of a run folder written by 'fff run'");
        if (!File.Exists(folder.ManifestFile))
            throw new ResultsFormatException(
                $"{folder.Path} is not a complete run folder: it has {RunFolder.ResultsFileName} but no {RunFolder.ManifestFileName}; reports need the manifest for the machine and configuration");
        var manifest = folder.ReadManifest();
        var rows = ResultsCsv.Read(folder.ResultsFile);
        return new LoadedRun(folder, manifest, rows);
    }

    public static LoadedRun Load(string path) => Load(new RunFolder(path));

    /// <summary>Builds a run from rows already in memory (tests, and callers that hold the rows).</summary>
    public static LoadedRun FromRows(RunFolder folder, RunManifest manifest, IReadOnlyList<ResultRow> rows) =>
        new(folder, manifest, rows);
}
