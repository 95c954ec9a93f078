using System.Globalization;
using System.Text.Json.Nodes;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Results;
using Perfolizer.Mathematics.SignificanceTesting.Base;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace FormFollowsFunction.Reports.Comparison;

/// <summary>
/// Compares two runs cell by cell (matched by <see cref="CellKey"/>): the ratio of median latencies
/// new / base, a significance test (Mann-Whitney U on raw samples where both cells kept them,
/// else non-overlap of the medians' 95% confidence intervals), and a verdict. Used by <c>fff compare</c>
/// for nightly regression checks.
/// </summary>
public static class RunComparer
{
    /// <summary>Fewest raw samples per cell for the Mann-Whitney test; below it the intervals are used.</summary>
    public const int MinimumSamples = 5;

    /// <summary><c>reports/compare-&lt;base folder&gt;-vs-&lt;new folder&gt;</c>, relative to where reports go (the caller decides).</summary>
    public static string DefaultOutputFolder(RunFolder baseRun, RunFolder newRun) =>
        Path.Combine("reports", $"compare-{baseRun.Name}-vs-{newRun.Name}");

    public static ComparisonOutcome Compare(RunFolder baseRun, RunFolder newRun, ComparisonOptions options)
    {
        options.Validate();
        return Compare(LoadedRun.Load(baseRun), LoadedRun.Load(newRun), options);
    }

    public static ComparisonOutcome Compare(LoadedRun baseRun, LoadedRun newRun, ComparisonOptions options)
    {
        options.Validate();
        var baseRows = baseRun.CurrentRows.ToDictionary(r => r.Key);
        var newRows = newRun.CurrentRows.ToDictionary(r => r.Key);
        var cells = baseRows.Keys.Where(newRows.ContainsKey)
            .OrderBy(k => k.Model, StringComparer.Ordinal).ThenBy(k => k.Backend, StringComparer.Ordinal)
            .ThenBy(k => k.Threads).ThenBy(k => k.Batch).ThenBy(k => k.Resolution)
            .Select(k => CompareCell(baseRun, baseRows[k], newRun, newRows[k], options))
            .ToList();
        return new ComparisonOutcome(
            baseRun, newRun, options, cells,
            baseRows.Where(p => !newRows.ContainsKey(p.Key)).Select(p => p.Value).OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).ToList(),
            newRows.Where(p => !baseRows.ContainsKey(p.Key)).Select(p => p.Value).OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).ToList(),
            baseRun.Manifest.Machine.DifferencesFrom(newRun.Manifest.Machine),
            ConfigurationDifferences(baseRun.Manifest.Configuration, newRun.Manifest.Configuration),
            VersionDifferences(baseRun.Manifest.Versions, newRun.Manifest.Versions));
    }

    private static CellComparison CompareCell(LoadedRun baseRun, ResultRow baseRow, LoadedRun newRun, ResultRow newRow, ComparisonOptions options)
    {
        bool baseOk = baseRow.IsOk && baseRow.MedianMs > 0, newOk = newRow.IsOk && newRow.MedianMs > 0;
        if (!baseOk || !newOk)
        {
            var verdict = (baseOk, newOk) switch
            {
                (true, false) => ComparisonVerdict.NewlyFailing,
                (false, true) => ComparisonVerdict.Fixed,
                _ => ComparisonVerdict.StillFailing,
            };
            string note = (baseOk, newOk) switch
            {
                (true, false) => $"new run: {Describe(newRow)}",
                (false, true) => $"base run: {Describe(baseRow)}",
                _ => $"base: {Describe(baseRow)}; new: {Describe(newRow)}",
            };
            return new CellComparison(baseRow.Key, baseRow, newRow, null, SignificanceMethod.None, null, false, verdict, note);
        }

        double ratio = newRow.MedianMs!.Value / baseRow.MedianMs!.Value;
        double threshold = options.ThresholdPercent / 100;
        bool slower = ratio > 1 + threshold, faster = ratio < 1 - threshold;
        var (method, p, significant, testNote) = Test(baseRun, baseRow, newRun, newRow, options.Alpha);
        var outcome = (slower, faster, method) switch
        {
            (false, false, _) => ComparisonVerdict.Unchanged,
            (_, _, SignificanceMethod.None) => ComparisonVerdict.Inconclusive,
            _ when !significant => ComparisonVerdict.NotSignificant,
            (true, _, _) => ComparisonVerdict.Regression,
            _ => ComparisonVerdict.Improvement,
        };
        return new CellComparison(baseRow.Key, baseRow, newRow, ratio, method, p, significant, outcome, testNote);
    }

    /// <summary>Mann-Whitney U on raw samples where both cells have enough of them; else whether the 95% CIs of the medians overlap.</summary>
    private static (SignificanceMethod Method, double? P, bool Significant, string Note) Test(
        LoadedRun baseRun, ResultRow baseRow, LoadedRun newRun, ResultRow newRow, double alpha)
    {
        var baseSamples = Samples(baseRun, baseRow, out string baseNote);
        var newSamples = Samples(newRun, newRow, out string newNote);
        string note = string.Join("; ", new[] { baseNote, newNote }.Where(n => n.Length > 0));
        if (baseSamples is not null && newSamples is not null)
        {
            var result = MannWhitneyTest.Instance.Perform(new Sample(newSamples.ToArray()), new Sample(baseSamples.ToArray()), AlternativeHypothesis.TwoSides, Threshold.Zero);
            double p = result.PValue;
            return (SignificanceMethod.MannWhitney, p, p < alpha, note);
        }
        if (baseRow is { Ci95LowMs: { } bLow, Ci95HighMs: { } bHigh } && newRow is { Ci95LowMs: { } nLow, Ci95HighMs: { } nHigh })
            return (SignificanceMethod.IntervalOverlap, null, nLow > bHigh || nHigh < bLow, note);
        return (SignificanceMethod.None, null, false, string.Join("; ", new[] { note, "no raw samples and no confidence intervals to test with" }.Where(n => n.Length > 0)));
    }

    /// <summary>The cell's raw samples, or null (with the reason in <paramref name="note"/> where one is worth saying).</summary>
    private static IReadOnlyList<double>? Samples(LoadedRun run, ResultRow row, out string note)
    {
        note = "";
        if (string.IsNullOrWhiteSpace(row.SamplesFile)) return null;
        string path = Path.Combine(run.Folder.Path, row.SamplesFile);
        if (!File.Exists(path))
        {
            note = $"samples file {row.SamplesFile} of run {run.RunId} is missing";
            return null;
        }
        var samples = LatencySamples.Read(path);
        if (samples.Count < MinimumSamples)
        {
            note = $"only {samples.Count} samples in {row.SamplesFile} of run {run.RunId}";
            return null;
        }
        return samples;
    }

    private static string Describe(ResultRow row) =>
        row.IsOk ? "status ok but no median latency" : string.IsNullOrWhiteSpace(row.Error) ? row.Status : $"{row.Status} ({row.Error})";

    private static List<string> ConfigurationDifferences(JsonObject a, JsonObject b)
    {
        var differences = new List<string>();
        foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            a.TryGetPropertyValue(key, out var x);
            b.TryGetPropertyValue(key, out var y);
            if (!JsonNode.DeepEquals(x, y))
                differences.Add($"{key}: {Show(x)} vs {Show(y)}");
        }
        return differences;
    }

    private static string Show(JsonNode? node)
    {
        string text = node?.ToJsonString() ?? "(absent)";
        return text.Length <= 80 ? text : text[..77] + "...";
    }

    private static List<string> VersionDifferences(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Keys.Union(b.Keys).Order(StringComparer.Ordinal)
            .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k}: {a.GetValueOrDefault(k) ?? "(absent)"} → {b.GetValueOrDefault(k) ?? "(absent)"}")
            .ToList();


    internal static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
