using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using CsvHelper.Configuration.Attributes;
using FormFollowsFunction.Reports.Tables;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Comparison;

/// <summary>Writes a comparison as <c>compare.md</c> (for people) and <c>compare.csv</c> (every matched cell, for scripts), both or neither.</summary>
public static class ComparisonWriter
{
    public const string MarkdownFileName = "compare.md";
    public const string CsvFileName = "compare.csv";

    /// <summary>Writes both files into <paramref name="outputFolder"/>, which appears complete or not at all; returns the files written.</summary>
    public static IReadOnlyList<string> Write(ComparisonOutcome outcome, string outputFolder)
    {
        using var staged = new StagedFolder(outputFolder, MarkdownFileName, ReportGenerator.ReportFileName);
        staged.WriteText(MarkdownFileName, Markdown(outcome));
        staged.WriteText(CsvFileName, Csv(outcome));
        staged.Commit();
        return staged.Files.Select(f => Path.Combine(staged.Target, f)).ToList();
    }

    /// <summary>Verdicts in the order a reader should see them: what fails the job first.</summary>
    public static readonly IReadOnlyList<ComparisonVerdict> Severity =
    [
        ComparisonVerdict.Regression, ComparisonVerdict.NewlyFailing, ComparisonVerdict.Improvement, ComparisonVerdict.Fixed,
        ComparisonVerdict.NotSignificant, ComparisonVerdict.Inconclusive, ComparisonVerdict.StillFailing, ComparisonVerdict.Unchanged,
    ];

    public static string VerdictName(ComparisonVerdict verdict) => verdict switch
    {
        ComparisonVerdict.Regression => "regression",
        ComparisonVerdict.NewlyFailing => "newly failing",
        ComparisonVerdict.Improvement => "improvement",
        ComparisonVerdict.Fixed => "fixed",
        ComparisonVerdict.NotSignificant => "not significant",
        ComparisonVerdict.Inconclusive => "inconclusive",
        ComparisonVerdict.StillFailing => "still failing",
        _ => "unchanged",
    };

    public static string MethodName(SignificanceMethod method) => method switch
    {
        SignificanceMethod.MannWhitney => "Mann-Whitney U",
        SignificanceMethod.IntervalOverlap => "95% CI overlap",
        _ => "",
    };

    public static string Markdown(ComparisonOutcome outcome)
    {
        var o = outcome.Options;
        var md = new StringBuilder();
        md.Append($"# Comparison: {Escape(outcome.New.RunId)} against {Escape(outcome.Base.RunId)}\n\n");
        md.Append($"Base run: `{outcome.Base.Folder.Path}`  \nNew run: `{outcome.New.Folder.Path}`\n\n");
        md.Append(Invariant($"Threshold {o.ThresholdPercent:0.##}% of the base median; significance level α = {o.Alpha:0.###}. "));
        md.Append($"Result: **{(outcome.HasRegression ? "regression found" : "no regression")}**.\n\n");

        if (outcome.Warnings.Count > 0)
        {
            md.Append("## Warnings\n\n");
            foreach (var w in outcome.Warnings) md.Append("- ").Append(Escape(w)).Append('\n');
            md.Append("\nTimings from different machines or configurations are not comparable; read the verdicts below with that in mind.\n\n");
        }
        if (outcome.VersionDifferences.Count > 0)
        {
            md.Append("## Version changes\n\n");
            foreach (var v in outcome.VersionDifferences) md.Append("- ").Append(Escape(v)).Append('\n');
            md.Append('\n');
        }

        md.Append("## Summary\n\n");
        var summary = new Table("summary", "Cells per verdict", [new("verdict"), new("cells", "n", ColumnFormat.Integer)]);
        foreach (var verdict in Severity) summary.AddRow(VerdictName(verdict), outcome.Count(verdict));
        summary.AddRow("only in base run", outcome.OnlyInBase.Count);
        summary.AddRow("ok in base run, missing from new run (fails the comparison)", outcome.Lost.Count);
        summary.AddRow("only in new run", outcome.OnlyInNew.Count);
        md.Append(MarkdownTableWriter.Write(summary, withTitle: false)).Append('\n');

        var changed = outcome.Cells.Where(c => c.Verdict != ComparisonVerdict.Unchanged)
            .OrderBy(c => Severity.ToList().IndexOf(c.Verdict)).ThenByDescending(c => Math.Abs(c.ChangePercent ?? 0)).ToList();
        md.Append("## Cells beyond the threshold or not ok\n\n");
        md.Append(changed.Count == 0
            ? "None: every cell in both runs is within the threshold.\n\n"
            : MarkdownTableWriter.Write(CellTable(changed, "changed"), withTitle: false) + "\n");
        md.Append($"Every matched cell, unchanged ones included, is in `{CsvFileName}`.\n\n");

        foreach (var (title, rows) in new[] { ("Cells only in the base run", outcome.OnlyInBase), ("Cells only in the new run", outcome.OnlyInNew) })
        {
            if (rows.Count == 0) continue;
            md.Append("## ").Append(title).Append("\n\n");
            foreach (var row in rows) md.Append("- ").Append(Escape(row.Key.ToString())).Append(" — ").Append(Escape(row.Status)).Append('\n');
            md.Append('\n');
        }

        md.Append("## Method\n\n");
        md.Append("- Cells are matched by model, backend, threads, batch and resolution. Ratio = new median latency / base median latency (above 1 = slower).\n");
        md.Append(Invariant($"- Regression: ratio above {1 + o.ThresholdPercent / 100:0.###} and significant; improvement: ratio below {1 - o.ThresholdPercent / 100:0.###} and significant; a cell that was ok and is not any more counts as a regression (newly failing), and so does an ok cell of the base run that the new run lacks.\n"));
        md.Append("- Both tests see the variation within each worker process only; between processes and runs a machine varies more (docs/benchmarks.md, \"Run-to-run variation\"), so set the threshold above the machine's run-to-run variation: it, not the p-value, decides on a noisy machine.\n");
        md.Append(Invariant($"- Significance: two-sided Mann-Whitney U test (Perfolizer) on the raw samples when both cells kept at least {RunComparer.MinimumSamples}, p < α; otherwise the two medians' 95% confidence intervals must not overlap, a conservative test (about α ≈ 0.006 when the intervals are equally wide).\n"));
        return md.ToString();
    }

    private static Table CellTable(IEnumerable<CellComparison> cells, string name)
    {
        var table = new Table(name, "Cells", [
            new("model"), new("backend"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer),
            new("resolution", "px", ColumnFormat.Integer), new("base median", "ms", ColumnFormat.Fixed3), new("new median", "ms", ColumnFormat.Fixed3),
            new("change", "%", ColumnFormat.Fixed2), new("test"), new("p", null, ColumnFormat.PValue), new("verdict"), new("note"),
        ]);
        foreach (var c in cells)
            table.AddRow(c.Key.Model, c.Key.Backend, c.Key.Threads, c.Key.Batch, c.Key.Resolution,
                c.Base.IsOk ? c.Base.MedianMs : c.Base.Status, c.New.IsOk ? c.New.MedianMs : c.New.Status,
                c.ChangePercent, MethodName(c.Method), c.PValue, VerdictName(c.Verdict), c.Note);
        return table;
    }

    private sealed class CsvRecord
    {
        [Name("model")] public string Model { get; init; } = "";
        [Name("backend")] public string Backend { get; init; } = "";
        [Name("threads")] public int Threads { get; init; }
        [Name("batch")] public int Batch { get; init; }
        [Name("resolution")] public int Resolution { get; init; }
        [Name("base_status")] public string BaseStatus { get; init; } = "";
        [Name("new_status")] public string NewStatus { get; init; } = "";
        [Name("base_median_ms")] public double? BaseMedianMs { get; init; }
        [Name("new_median_ms")] public double? NewMedianMs { get; init; }
        [Name("base_ci95_low_ms")] public double? BaseCiLowMs { get; init; }
        [Name("base_ci95_high_ms")] public double? BaseCiHighMs { get; init; }
        [Name("new_ci95_low_ms")] public double? NewCiLowMs { get; init; }
        [Name("new_ci95_high_ms")] public double? NewCiHighMs { get; init; }
        [Name("ratio_new_over_base")] public double? Ratio { get; init; }
        [Name("change_percent")] public double? ChangePercent { get; init; }
        [Name("test")] public string Test { get; init; } = "";
        [Name("p_value")] public double? PValue { get; init; }
        [Name("significant")] public bool Significant { get; init; }
        [Name("verdict")] public string Verdict { get; init; } = "";
        [Name("note")] public string Note { get; init; } = "";
    }

    public static string Csv(ComparisonOutcome outcome)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" }))
        {
            csv.Context.TypeConverterOptionsCache.AddOptions<double?>(new CsvHelper.TypeConversion.TypeConverterOptions { Formats = ["R"] });
            csv.WriteRecords(outcome.Cells.Select(c => new CsvRecord
            {
                Model = c.Key.Model, Backend = c.Key.Backend, Threads = c.Key.Threads, Batch = c.Key.Batch, Resolution = c.Key.Resolution,
                BaseStatus = c.Base.Status, NewStatus = c.New.Status,
                BaseMedianMs = c.Base.MedianMs, NewMedianMs = c.New.MedianMs,
                BaseCiLowMs = c.Base.Ci95LowMs, BaseCiHighMs = c.Base.Ci95HighMs, NewCiLowMs = c.New.Ci95LowMs, NewCiHighMs = c.New.Ci95HighMs,
                Ratio = c.Ratio, ChangePercent = c.ChangePercent, Test = c.Method switch
                {
                    SignificanceMethod.MannWhitney => "mann-whitney",
                    SignificanceMethod.IntervalOverlap => "ci-overlap",
                    _ => "",
                },
                PValue = c.PValue, Significant = c.Significant, Verdict = VerdictName(c.Verdict).Replace(' ', '-'), Note = c.Note,
            }));
        }
        return text.ToString();
    }

    private static string Escape(string text) => MarkdownTableWriter.Escape(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
