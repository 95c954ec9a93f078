using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.History;

/// <summary>One launch as a history needs it: which cell and round, whether it was timed ok, its median and machine state.</summary>
public sealed record HistoryLaunch(CellKey Key, int Round, bool IsOk, double? MedianMs, double? CoreLatencyNs, double? CoreLatencyAfterNs = null);

/// <summary>
/// Reads the columns of <c>results.csv</c> that a history needs (the cell key, status, median, launch
/// spread, machine state, and what <c>changed</c> compares: backend version, device, graph optimisation, ONNX hash),
/// and of <c>launches.csv</c> the launch medians and their machine state, with CsvHelper's parser and no
/// record mapping. A year of nightly runs is over 100,000 rows of some 70 columns; mapping every column
/// of every row (<see cref="ResultsCsv.Read"/>) took most of the time.
/// Same rules as <see cref="ResultsCsv"/>: the required columns must be there, only whole lines are rows
/// (a file being written may end in a torn one), and a bad value is a <see cref="ResultsFormatException"/>.
/// </summary>
internal static class HistoryCsv
{
    public static IReadOnlyList<ResultRow> ReadResults(RunFolder folder) =>
        Read(folder.ResultsFile, "results", ResultsCsv.RequiredColumns, row => new ResultRow
        {
            RunId = row.Text("run_id"), Backend = row.Text("backend"), Model = row.Text("model"),
            Threads = row.Integer("threads"), Batch = row.Integer("batch"), Resolution = row.Integer("resolution"),
            Status = row.Text("status"), MedianMs = row.Number("median_ms"), Launches = (int?)row.Number("launches"), LaunchCv = row.Number("launch_cv"),
            BackendVersion = row.Text("backend_version"), Device = row.Text("device"), GraphOptimization = row.Text("graph_optimization"),
            OnnxSha256 = row.Text("onnx_sha256"), CoreLatencyNs = row.Number("core_latency_ns"),
        });

    /// <summary>The run's launches, the last row of each launch (a resumed run may have measured one again).</summary>
    public static IReadOnlyList<HistoryLaunch> ReadLaunches(RunFolder folder)
    {
        var launches = Read(folder.LaunchesFile, "launches", LaunchesCsv.RequiredColumns, row => new HistoryLaunch(
            new CellKey(row.Text("model"), row.Text("backend"), row.Integer("threads"), row.Integer("batch"), row.Integer("resolution")),
            row.Integer("round"), CellStatusNames.TryParse(row.Text("status"), out var status) && status == CellStatus.Ok,
            row.Number("median_ms"), row.Number("core_latency_ns"), row.Number("core_latency_after_ns")));
        var last = new Dictionary<(CellKey, int), HistoryLaunch>();
        foreach (var launch in launches) last[(launch.Key, launch.Round)] = launch;
        return [.. last.Values];
    }

    /// <summary>The current line of a file being read, by column name.</summary>
    internal sealed class Row(string path, string kind, CsvParser parser, IReadOnlyDictionary<string, int> at)
    {
        public string Text(string column) => at.TryGetValue(column, out int i) && i >= 0 && i < parser.Count ? parser[i] : "";

        public int Integer(string column)
        {
            string value = Text(column);
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : throw Bad(column, value, "a whole number");
        }

        public double? Number(string column)
        {
            string value = Text(column);
            if (value.Length == 0) return null;
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw Bad(column, value, "a number");
        }

        private ResultsFormatException Bad(string column, string value, string expected) =>
            new($"{path} line {parser.RawRow}: cannot read a {kind} row (column {column}: '{value}' is not {expected})");
    }

    private static List<T> Read<T>(string path, string kind, IReadOnlyList<string> required, Func<Row, T> map)
    {
        if (!File.Exists(path)) throw new ResultsFormatException($"{path}: no such {kind} file");
        string text = File.ReadAllText(path, Encoding.UTF8);
        int end = text.LastIndexOf('\n');
        using var reader = new StringReader(end < 0 ? text : text[..(end + 1)]);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        if (!parser.Read())
            throw new ResultsFormatException($"{path} is empty; expected a FormFollowsFunction {kind}.csv with a header line");
        var header = parser.Record ?? [];
        var missing = required.Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new ResultsFormatException($"{path} is not a FormFollowsFunction {kind} file: missing column(s) {string.Join(", ", missing)}");
        var at = header.Select((name, i) => (name, i)).GroupBy(p => p.name).ToDictionary(g => g.Key, g => g.First().i);
        var row = new Row(path, kind, parser, at);
        var rows = new List<T>();
        while (parser.Read())
        {
            if (parser.Count == 1 && string.IsNullOrWhiteSpace(parser[0])) continue;
            rows.Add(map(row));
        }
        return rows;
    }
}
