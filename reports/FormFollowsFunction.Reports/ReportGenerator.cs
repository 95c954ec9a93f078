using System.Diagnostics;
using System.Globalization;
using FormFollowsFunction.Reports.Documents;
using FormFollowsFunction.Reports.Figures;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Tables;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports;

/// <summary>
/// Builds a report folder from one or more run folders: <c>report.md</c>, a self-contained
/// <c>report.html</c>, <c>figures/</c> (PNG and/or SVG) and <c>tables/</c> (CSV, Markdown, LaTeX).
/// The folder appears complete or not at all. Called by <c>fff report</c> and at the end of <c>fff run</c>.
/// </summary>
public static class ReportGenerator
{
    public const string ReportFileName = "report.md";
    public const string HtmlFileName = "report.html";

    /// <summary>
    /// The default report folder, relative to where reports go (the caller decides): <c>reports/&lt;run folder name&gt;</c>
    /// for one run, <c>reports/combined-&lt;UTC timestamp&gt;</c> for several.
    /// </summary>
    public static string DefaultOutputFolder(IReadOnlyList<RunFolder> runs, DateTime nowUtc) =>
        runs.Count == 1
            ? Path.Combine("reports", runs[0].Name)
            : Path.Combine("reports", $"combined-{nowUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");

    /// <summary>Reads the run folders (failing with a one-line <see cref="ResultsFormatException"/> on bad input) and writes the report.</summary>
    public static ReportOutcome Generate(IReadOnlyList<RunFolder> runs, string outputFolder, ReportOptions options)
    {
        if (runs.Count == 0) throw new ReportInputException("no run folder given; name at least one run folder written by 'fff run'");
        var duplicate = runs.GroupBy(r => r.Path).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ReportInputException($"{duplicate.Key} is given more than once; name each run folder once");
        var loaded = runs.Select(LoadedRun.Load).ToList();
        return Generate(loaded, outputFolder, options);
    }

    public static ReportOutcome Generate(IReadOnlyList<LoadedRun> runs, string outputFolder, ReportOptions options)
    {
        var sameId = runs.GroupBy(r => r.RunId).FirstOrDefault(g => g.Count() > 1);
        if (sameId is not null)
            throw new ReportInputException($"run id {sameId.Key} appears in several folders ({string.Join(", ", sameId.Select(r => r.Folder.Path))}); give each run once");

        var data = new ReportData(runs, options.BaselineBackend);
        var generatedUtc = DateTime.UtcNow;
        var warnings = Warnings(data);
        var headlines = Headlines(data);
        var tables = new List<Table>
        {
            ReportTables.SpeedupSummary(data),
            ReportTables.Speedups(data),
            ReportTables.ReferenceNetworkTable(data),
            ReportTables.Correlations(data),
            ReportTables.NotOkCells(data),
        };
        if (data.UserNetworks.Count > 0) tables.Insert(3, ReportTables.UserNetworkTable(data));
        if (data.HasLayerProfiles) tables.Add(ReportTables.LayerTypes(data));
        if (data.Speedups.Unpaired.Count > 0) tables.Add(ReportTables.UnpairedCells(data));

        using var staged = new StagedFolder(outputFolder, ReportFileName, "compare.md");
        foreach (var table in tables)
        {
            staged.WriteText($"tables/{table.Name}.csv", CsvTableWriter.Write(table));
            staged.WriteText($"tables/{table.Name}.md", MarkdownTableWriter.Write(table));
            staged.WriteText($"tables/{table.Name}.tex", LatexTableWriter.Write(table));
        }

        using var figureSet = ReportFigures.Build(data);
        var documentFigures = new List<DocumentFigure>();
        foreach (var draft in figureSet.Drafts)
        {
            var files = new List<string>();
            if (options.Formats.HasFlag(FigureFormats.Png))
            {
                staged.WriteBytes($"figures/{draft.Name}.png", PaperPlot.Png(draft.Plot));
                files.Add($"figures/{draft.Name}.png");
            }
            if (options.Formats.HasFlag(FigureFormats.Svg))
            {
                staged.WriteText($"figures/{draft.Name}.svg", PaperPlot.Svg(draft.Plot));
                files.Add($"figures/{draft.Name}.svg");
            }
            documentFigures.Add(new DocumentFigure(draft.Title, draft.Caption, files[0], files));
        }

        string markdown = ReportDocument.Write(data, generatedUtc, headlines, warnings, tables, documentFigures, figureSet.Skipped);
        staged.WriteText(ReportFileName, markdown);
        staged.WriteText(HtmlFileName, HtmlReport.Write(markdown, "FormFollowsFunction report", relative => EmbeddedImage(staged, relative)));
        staged.Commit();

        return new ReportOutcome(staged.Target, staged.Files, figureSet.Drafts.Select(d => d.Name).ToList(), figureSet.Skipped, headlines, warnings);
    }

    /// <summary>The SVG of a figure where there is one (a tenth of the 300-dpi PNG's size and sharp at any zoom), else the PNG.</summary>
    private static (byte[] Bytes, string Mime) EmbeddedImage(StagedFolder staged, string relative)
    {
        string svg = Path.ChangeExtension(relative, ".svg");
        return File.Exists(staged.StagedPath(svg))
            ? (File.ReadAllBytes(staged.StagedPath(svg)), "image/svg+xml")
            : (File.ReadAllBytes(staged.StagedPath(relative)), "image/png");
    }

    private static List<string> Warnings(ReportData data)
    {
        var warnings = new List<string>();
        var first = data.Runs[0];
        foreach (var run in data.Runs.Skip(1))
        {
            var differences = first.Manifest.Machine.DifferencesFrom(run.Manifest.Machine);
            if (differences.Count > 0)
                warnings.Add($"runs {first.RunId} and {run.RunId} come from different machines ({string.Join("; ", differences)}); their latencies are not comparable, and speed-ups are paired within each machine only");
        }
        foreach (var run in data.Runs)
            foreach (var note in run.Manifest.Notes)
                warnings.Add(data.Runs.Count == 1 ? note : $"run {run.RunId}: {note}");
        foreach (var run in data.Runs.Where(r => !r.HasManifest))
            warnings.Add($"{run.Folder.Path} is a profile folder without {RunFolder.ManifestFileName}: the machine, versions and configuration of its per-layer times are unknown");
        foreach (var run in data.Runs.Where(r => r.HasManifest && r.Manifest.FinishedUtc is null))
            warnings.Add($"run {run.RunId} has no finish time in its manifest: it was interrupted or is still running, and may lack cells");
        if (!data.HasBaseline && data.Measurements.Count > 0)
            warnings.Add($"no run measured the baseline backend {data.BaselineBackend}; no speed-up can be computed (backends present: {data.BackendList})");
        if (data.Speedups.Unpaired.Count > 0)
            warnings.Add($"{data.Speedups.Unpaired.Count} ok cell(s) have no valid {data.BaselineBackend} cell to pair with; they are listed in the table of cells without a speed-up");
        return warnings;
    }

    private static List<string> Headlines(ReportData data)
    {
        var headlines = new List<string>();
        int cells = data.Measurements.Count, ok = data.OkMeasurements.Count();
        if (cells == 0)
        {
            headlines.Add(data.HasLayerProfiles
                ? "The runs hold per-layer profiles only (layers.csv), no timed cells (results.csv)."
                : "The runs hold no result rows: nothing was measured yet.");
            headlines.AddRange(LayerHeadlines(data));
            return headlines;
        }
        headlines.Add($"{cells} cell(s) over {data.Backends.Count} backend(s) ({data.BackendList}); {ok} ok"
            + (cells > ok ? $", {string.Join(", ", data.NotOkMeasurements.GroupBy(m => m.Row.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"))}." : "."));

        var rows = ReportTables.SummaryRows(data).ToList();
        foreach (var backend in data.Speedups.Backends)
        {
            var all = rows.First(r => r.Backend == backend && r.Group == ReportTables.AllCells).Summary;
            headlines.Add(Invariant($"{backend}: geometric-mean speed-up {all.GeometricMean:0.00}× over {data.BaselineBackend} (arithmetic mean {all.Mean:0.00}×, range {all.Min:0.00}×–{all.Max:0.00}×, {all.Count} cells)."));
            var patterns = rows.Where(r => r.Backend == backend && r.Group is not ReportTables.AllCells and not ReportTables.ReferenceNetworks and not ReportTables.UserNetworks).ToList();
            if (patterns.Count >= 2)
            {
                var best = patterns.MaxBy(r => r.Summary.GeometricMean);
                var worst = patterns.MinBy(r => r.Summary.GeometricMean);
                headlines.Add(Invariant($"{backend}: best pattern {best.Group} ({best.Summary.GeometricMean:0.00}× geometric mean), worst {worst.Group} ({worst.Summary.GeometricMean:0.00}×)."));
            }
        }
        if (data.Speedups.Speedups.Count == 0)
            headlines.Add(data.HasBaseline
                ? $"No speed-up over {data.BaselineBackend}: no ok accelerated cell has an ok {data.BaselineBackend} cell of the same model and setting."
                : $"No speed-up: no run measured the baseline {data.BaselineBackend}.");

        headlines.AddRange(LayerHeadlines(data));
        foreach (var setting in data.Settings)
        {
            var fastest = data.OkMeasurements.Where(m => m.IsReferenceNetwork && m.Setting == setting).MinBy(m => m.Row.MedianMs);
            if (fastest is not null)
                headlines.Add(Invariant($"Fastest reference network ({setting}): {fastest.Row.Model} on {fastest.Row.Backend}, median {fastest.Row.MedianMs:0.000} ms."));
        }
        return headlines;
    }

    /// <summary>
    /// From the per-layer profiles: how much of each backend's time is fixed per-call cost, and per model
    /// which layer types carry the time an accelerated backend saves.
    /// </summary>
    private static IEnumerable<string> LayerHeadlines(ReportData data)
    {
        foreach (var backend in data.LayerBackends)
        {
            var cells = data.LayerTotals.Where(t => t.Backend == backend && t.FixedShare is not null).ToList();
            if (cells.Count == 0) continue;
            double share = cells.Sum(c => c.FixedMs!.Value) / cells.Sum(c => c.TimeMs);
            var range = cells.Select(c => c.FixedShare!.Value).ToList();
            yield return Invariant($"{backend}: {share * 100:0}% of the summed per-layer time of {cells.Count} profiled cell(s) is fixed per-call cost (fixed_ms; {range.Min() * 100:0}%–{range.Max() * 100:0}% by cell).");
        }
        foreach (var whole in data.LayerTotals.Where(t => t.Speedup is not null))
        {
            var top = data.LayerTypes.Where(t => t.Cell == (whole.Run, whole.Model, whole.Backend, whole.Setting) && t.SavedFraction is not null)
                .OrderByDescending(t => t.SavedFraction).Take(2)
                .Select(t => Invariant($"{t.LayerType} {t.SavedFraction * 100:0}% ({t.Speedup:0.0}×)")).ToList();
            if (top.Count == 0) continue;
            string setting = data.LayerTotals.Select(t => t.Setting).Distinct().Count() > 1 ? $" ({whole.Setting})" : "";
            yield return Invariant($"{whole.Model}{setting}, {whole.Backend} over {data.BaselineBackend}: {whole.Speedup:0.00}× on the summed layer times; the time saved comes most from {string.Join(", ", top)}.");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
