using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using CsvHelper.TypeConversion;

namespace FormFollowsFunction.Results;

/// <summary>
/// The conventions every CSV file of a run folder follows (CsvHelper, invariant culture, RFC 4180,
/// "\n" line ends, doubles that round-trip exactly), and reading a whole file of one row type.
/// </summary>
public static class RunCsv
{
    internal static CsvConfiguration Configuration(bool hasHeader = true) => new(CultureInfo.InvariantCulture)
    {
        HasHeaderRecord = hasHeader,
        NewLine = "\n",
        MissingFieldFound = null,
        HeaderValidated = null,
    };

    internal static void ApplyConventions(CsvContext context)
    {
        var timestamp = new TypeConverterOptions
        {
            Formats = ["yyyy-MM-ddTHH:mm:ss.fffZ"],
            DateTimeStyle = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
        };
        context.TypeConverterOptionsCache.AddOptions<DateTime>(timestamp);
        // Round-trip doubles exactly: a report rebuilt from the file sees the numbers that were measured.
        context.TypeConverterOptionsCache.AddOptions<double>(new TypeConverterOptions { Formats = ["R"] });
        context.TypeConverterOptionsCache.AddOptions<double?>(new TypeConverterOptions { Formats = ["R"] });
    }

    /// <summary>The header line of a file of <typeparamref name="T"/> rows, as written at the top of a new file.</summary>
    public static string HeaderLine<T>() => Text<T>([]);

    /// <summary>A whole file of <typeparamref name="T"/> rows (header, then one line per row), as appending them one by one would write it.</summary>
    public static string Text<T>(IEnumerable<T> rows)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = new CsvWriter(text, Configuration());
        ApplyConventions(csv.Context);
        csv.WriteHeader<T>();
        csv.NextRecord();
        foreach (var row in rows)
        {
            csv.WriteRecord(row);
            csv.NextRecord();
        }
        csv.Flush();
        return text.ToString();
    }

    /// <summary>One row as a complete CSV line (with its newline), so that it can be appended in one write.</summary>
    public static string FormatRow<T>(T row)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = new CsvWriter(text, Configuration(hasHeader: false));
        ApplyConventions(csv.Context);
        csv.WriteRecord(row);
        csv.NextRecord();
        csv.Flush();
        return text.ToString();
    }

    /// <summary>
    /// Reads every whole line of <paramref name="path"/> as a <typeparamref name="T"/> row. A file being
    /// written (or killed mid-write) may end in a line without its newline: only whole lines are rows.
    /// </summary>
    public static IReadOnlyList<T> Read<T>(string path, IReadOnlyList<string> requiredColumns, string kind)
    {
        if (!File.Exists(path)) throw new ResultsFormatException($"{path}: no such {kind} file");
        string text = File.ReadAllText(path, Encoding.UTF8);
        int end = text.LastIndexOf('\n');
        using var reader = new StringReader(end < 0 ? text : text[..(end + 1)]);
        using var csv = new CsvReader(reader, Configuration());
        ApplyConventions(csv.Context);
        try
        {
            if (!csv.Read() || !csv.ReadHeader())
                throw new ResultsFormatException($"{path} is empty; expected a FormFollowsFunction {kind}.csv with a header line");
            var header = csv.HeaderRecord ?? [];
            var missing = requiredColumns.Where(c => !header.Contains(c)).ToList();
            if (missing.Count > 0)
                throw new ResultsFormatException(
                    $"{path} is not a FormFollowsFunction {kind} file: missing column(s) {string.Join(", ", missing)}");
            var rows = new List<T>();
            while (csv.Read())
            {
                if (csv.Parser.Record is { Length: 1 } only && string.IsNullOrWhiteSpace(only[0])) continue;
                rows.Add(csv.GetRecord<T>());
            }
            return rows;
        }
        catch (CsvHelperException e)
        {
            int line = e.Context?.Parser?.RawRow ?? 0;
            string message = e.InnerException?.Message ?? e.Message.Split('\n')[0];
            throw new ResultsFormatException($"{path} line {line}: cannot read a {kind} row ({message.Trim()})");
        }
    }
}

/// <summary>Reads and writes <c>results.csv</c>: one row per cell.</summary>
public static class ResultsCsv
{
    /// <summary>Columns a file must have to be read as results; the rest may be missing (older files) and read as empty.</summary>
    public static readonly IReadOnlyList<string> RequiredColumns =
        ["run_id", "backend", "model", "threads", "batch", "resolution", "status", "median_ms"];

    public static string HeaderLine() => RunCsv.HeaderLine<ResultRow>();

    public static string FormatRow(ResultRow row) => RunCsv.FormatRow(row);

    public static IReadOnlyList<ResultRow> Read(string path) => RunCsv.Read<ResultRow>(path, RequiredColumns, "results");
}

/// <summary>Reads <c>launches.csv</c>: one row per worker process that measured a cell.</summary>
public static class LaunchesCsv
{
    public static readonly IReadOnlyList<string> RequiredColumns =
        ["round", "launch", "backend", "model", "threads", "batch", "resolution", "status", "median_ms"];

    public static IReadOnlyList<LaunchRow> Read(string path) => RunCsv.Read<LaunchRow>(path, RequiredColumns, "launches");
}

/// <summary>Reads <c>layers.csv</c>: one row per layer, backend and cell of a per-layer profile.</summary>
public static class LayersCsv
{
    public static readonly IReadOnlyList<string> RequiredColumns =
        ["model", "backend", "threads", "batch", "resolution", "layer", "layer_type", "time_ms"];

    public static IReadOnlyList<LayerProfileRow> Read(string path) => RunCsv.Read<LayerProfileRow>(path, RequiredColumns, "layers");
}

/// <summary>
/// Appends rows to a CSV file of a run folder, one complete line per write, flushed to disk before
/// <see cref="Append"/> returns: a process killed at any moment leaves every finished row and at
/// most one torn line, which <see cref="RepairTornLine"/> removes on resume.
/// </summary>
public sealed class AppendOnlyCsv<T> : IDisposable
{
    private readonly FileStream _file;

    public AppendOnlyCsv(string path)
    {
        Path = path;
        bool isNew = !File.Exists(path) || new FileInfo(path).Length == 0;
        if (!isNew)
        {
            RepairTornLine(path);
            string header;
            using (var existing = new StreamReader(path)) header = existing.ReadLine() ?? "";
            if (header + "\n" != RunCsv.HeaderLine<T>())
                throw new ResultsFormatException(
                    $"{path} has other columns than this version of fff writes; rows cannot be appended to it (start a new run, or resume it with the version that started it)");
        }
        // No managed buffer: each Append is one write(2) in O_APPEND mode.
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        if (isNew) WriteLine(RunCsv.HeaderLine<T>());
    }

    public string Path { get; }

    public void Append(T row) => WriteLine(RunCsv.FormatRow(row));

    private void WriteLine(string line)
    {
        _file.Write(Encoding.UTF8.GetBytes(line));
        _file.Flush(flushToDisk: true);
    }

    /// <summary>Drops a last line that has no newline (a write cut short); returns whether one was dropped.</summary>
    public static bool RepairTornLine(string path) => TornLine.Repair(path);

    public void Dispose() => _file.Dispose();
}

/// <summary>Appends rows to <c>results.csv</c>.</summary>
public sealed class ResultsCsvWriter(string path) : IDisposable
{
    private readonly AppendOnlyCsv<ResultRow> _csv = new(path);

    public string Path => _csv.Path;

    public void Append(ResultRow row) => _csv.Append(row);

    /// <summary>Drops a last line that has no newline (a write cut short); returns whether one was dropped.</summary>
    public static bool RepairTornLine(string path) => TornLine.Repair(path);

    public void Dispose() => _csv.Dispose();
}

internal static class TornLine
{
    public static bool Repair(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        if (file.Length == 0) return false;
        long position = file.Length;
        var one = new byte[1];
        file.Position = position - 1;
        file.ReadExactly(one);
        if (one[0] == (byte)'\n') return false;
        while (position > 0)
        {
            file.Position = position - 1;
            file.ReadExactly(one);
            if (one[0] == (byte)'\n') break;
            position--;
        }
        file.SetLength(position);
        return true;
    }
}
