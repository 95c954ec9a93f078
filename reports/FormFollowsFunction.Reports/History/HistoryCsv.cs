using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.History;

/// <summary>
/// Reads the columns of <c>results.csv</c> that a history needs (the cell key, status, median, launch
/// spread, machine state, and what <c>changed</c> compares: backend version, device, graph optimisation, ONNX hash),
/// with CsvHelper's parser and no record mapping. A year of nightly runs is over 100,000 rows of some 70
/// columns; mapping every column of every row (<see cref="ResultsCsv.Read"/>) took most of the time.
/// Same rules as <see cref="ResultsCsv"/>: the required columns must be there, only whole lines are rows
/// (a file being written may end in a torn one), and a bad value is a <see cref="ResultsFormatException"/>.
/// </summary>
internal static class HistoryCsv
{
    private static readonly string[] Columns =
    [
        "run_id", "backend", "model", "threads", "batch", "resolution", "status", "median_ms",
        "launches", "launch_cv", "backend_version", "device", "graph_optimization", "onnx_sha256", "core_latency_ns",
    ];

    public static IReadOnlyList<ResultRow> ReadResults(RunFolder folder)
    {
        string path = folder.ResultsFile;
        if (!File.Exists(path)) throw new ResultsFormatException($"{path}: no such results file");
        string text = File.ReadAllText(path, Encoding.UTF8);
        int end = text.LastIndexOf('\n');
        using var reader = new StringReader(end < 0 ? text : text[..(end + 1)]);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        if (!parser.Read())
            throw new ResultsFormatException($"{path} is empty; expected a FormFollowsFunction results.csv with a header line");
        var header = parser.Record ?? [];
        var missing = ResultsCsv.RequiredColumns.Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new ResultsFormatException($"{path} is not a FormFollowsFunction results file: missing column(s) {string.Join(", ", missing)}");
        var at = Columns.ToDictionary(c => c, c => Array.IndexOf(header, c));
        var rows = new List<ResultRow>();
        while (parser.Read())
        {
            if (parser.Count == 1 && string.IsNullOrWhiteSpace(parser[0])) continue;
            string Text(string column) => at[column] is >= 0 and var i && i < parser.Count ? parser[i] : "";
            int Integer(string column)
            {
                string value = Text(column);
                return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n
                    : throw Bad(path, parser.RawRow, column, value, "a whole number");
            }
            double? Number(string column)
            {
                string value = Text(column);
                if (value.Length == 0) return null;
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d
                    : throw Bad(path, parser.RawRow, column, value, "a number");
            }
            rows.Add(new ResultRow
            {
                RunId = Text("run_id"), Backend = Text("backend"), Model = Text("model"),
                Threads = Integer("threads"), Batch = Integer("batch"), Resolution = Integer("resolution"),
                Status = Text("status"), MedianMs = Number("median_ms"), Launches = (int?)Number("launches"), LaunchCv = Number("launch_cv"),
                BackendVersion = Text("backend_version"), Device = Text("device"), GraphOptimization = Text("graph_optimization"), OnnxSha256 = Text("onnx_sha256"),
                CoreLatencyNs = Number("core_latency_ns"),
            });
        }
        return rows;
    }

    private static ResultsFormatException Bad(string path, long line, string column, string value, string expected) =>
        new($"{path} line {line}: cannot read a results row (column {column}: '{value}' is not {expected})");
}
