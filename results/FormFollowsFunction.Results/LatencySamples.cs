using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration.Attributes;

namespace FormFollowsFunction.Results;

/// <summary>
/// Raw per-iteration latencies of one cell, kept on request (<c>--keep-samples</c>) in the run
/// folder's <c>samples/</c>: a CSV with columns <c>iteration</c> (1-based, measured iterations only)
/// and <c>latency_ms</c>. The results row names the file in <c>samples_file</c>, relative to the run folder.
/// </summary>
public static class LatencySamples
{
    private sealed class Sample
    {
        [Name("iteration")] public int Iteration { get; set; }
        [Name("latency_ms")] public double LatencyMs { get; set; }
    }

    /// <summary>A file name for the cell that is safe on every file system.</summary>
    public static string FileNameFor(CellKey key) =>
        string.Concat($"{key.Model}_{key.Backend}_t{key.Threads}_b{key.Batch}_r{key.Resolution}"
            .Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')) + ".csv";

    public static void Write(string path, IReadOnlyList<double> latenciesMs)
    {
        AtomicFile.Write(path, temp =>
        {
            using var writer = new StreamWriter(temp);
            using var csv = new CsvWriter(writer, RunCsv.Configuration());
            RunCsv.ApplyConventions(csv.Context);
            csv.WriteRecords(latenciesMs.Select((ms, i) => new Sample { Iteration = i + 1, LatencyMs = ms }));
        });
    }

    public static IReadOnlyList<double> Read(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            using var csv = new CsvReader(reader, new CsvHelper.Configuration.CsvConfiguration(CultureInfo.InvariantCulture));
            return csv.GetRecords<Sample>().Select(s => s.LatencyMs).ToList();
        }
        catch (CsvHelperException e)
        {
            throw new ResultsFormatException($"{path}: not a latency samples file ({e.Message.Split('\n')[0]})");
        }
    }
}
