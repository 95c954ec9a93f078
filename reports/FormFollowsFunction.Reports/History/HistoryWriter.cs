using System.Globalization;
using System.Net;
using System.Text;
using FormFollowsFunction.Reports.Figures;
using FormFollowsFunction.Reports.Tables;
using ScottPlot;

namespace FormFollowsFunction.Reports.History;

/// <summary>
/// Writes a history folder: <c>regressions.csv</c>, <c>regressions.md</c> and <c>index.html</c>, a
/// self-contained dashboard (summary figures from ScottPlot as PNG data URIs, one small inline SVG
/// trend line per cell with its steps marked). The folder appears whole or not at all.
/// </summary>
public static class HistoryWriter
{
    public const string CsvFileName = "regressions.csv";
    public const string MarkdownFileName = "regressions.md";
    public const string HtmlFileName = "index.html";

    /// <summary>Writes the folder and returns the files written, relative to it.</summary>
    public static IReadOnlyList<string> Write(HistoryOutcome outcome, string outputFolder)
    {
        using var staged = new StagedFolder(outputFolder, MarkdownFileName, HtmlFileName);
        var table = RegressionsTable(outcome);
        staged.WriteText(CsvFileName, CsvTableWriter.Write(table));
        staged.WriteText(MarkdownFileName, Markdown(outcome, table));
        staged.WriteText(HtmlFileName, HistoryDashboard.Html(outcome, table));
        staged.Commit();
        return staged.Files;
    }

    public static Table RegressionsTable(HistoryOutcome outcome)
    {
        var table = new Table("regressions", "Steps in cell latency over the runs (level after / level before)",
        [
            new("machine"), new("model"), new("backend"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer),
            new("resolution", null, ColumnFormat.Integer), new("machine_state_ns", null, ColumnFormat.Integer), new("first_run"), new("last_good_run"), new("ratio", null, ColumnFormat.Fixed3),
            new("ratio_ci95_low", null, ColumnFormat.Fixed3), new("ratio_ci95_high", null, ColumnFormat.Fixed3), new("verdict"),
            new("still_present"), new("before_ms", null, ColumnFormat.Fixed3), new("after_ms", null, ColumnFormat.Fixed3),
            new("runs_before", null, ColumnFormat.Integer), new("runs_after", null, ColumnFormat.Integer), new("noise_pct", null, ColumnFormat.Fixed2),
            new("changed"), new("anchor"),
        ]);
        foreach (var s in Ordered(outcome.Steps))
        {
            var k = s.Cell.Key;
            table.AddRow(s.Cell.Machine, k.Model, k.Backend, (double)k.Threads, (double)k.Batch, (double)k.Resolution, s.Cell.MachineStateNs,
                s.FirstRun.Id, s.LastGoodRun.Id, s.Ratio, s.RatioLow, s.RatioHigh, VerdictName(s.Verdict),
                s.Step.IsCurrent ? "yes" : "no", Math.Exp(s.Step.Before.Level), Math.Exp(s.Step.After.Level),
                (double)s.Step.Before.Length, (double)s.Step.After.Length, 100 * (Math.Exp(s.Cell.Detection.Sigma) - 1),
                s.Changed, s.Cell.Anchor);
        }
        table.Notes.Add("ratio: exp(mean log latency after − mean log latency before) over the run medians of the two levels; interval: Welch t 95% on that difference. " +
                        "still_present: no later step (the level lasts to the newest run). noise_pct: the series' robust per-run noise (MAD of successive differences). " +
                        "machine_state_ns: for a multi-threaded cell, the core-to-core round trip of the machine state its series was measured in (each state is a series of its own).");
        return table;
    }

    internal static IEnumerable<HistoryStep> Ordered(IEnumerable<HistoryStep> steps) =>
        steps.OrderByDescending(s => s.IsPresentInNewestRun).ThenBy(s => s.Verdict).ThenByDescending(s => s.FirstRun.Manifest.CreatedUtc)
            .ThenByDescending(s => Math.Abs(s.Step.LogRatio));

    public static string VerdictName(StepVerdict verdict) => verdict == StepVerdict.Regression ? "regression" : "improvement";

    private static string Markdown(HistoryOutcome outcome, Table table)
    {
        var md = new StringBuilder();
        md.Append("# Nightly history\n\n");
        md.Append(Summary(outcome)).Append("\n\n");
        foreach (var machine in outcome.Machines)
            md.Append($"- **{MarkdownTableWriter.Escape(machine.Name)}**: {machine.Runs.Count} runs, {RunHistory.Date(machine.Runs[0].Manifest.CreatedUtc)} to {RunHistory.Date(machine.Runs[^1].Manifest.CreatedUtc)}; {MarkdownTableWriter.Escape(machine.Fingerprint.CpuModel)}\n");
        foreach (var warning in outcome.Warnings) md.Append($"\n> warning: {MarkdownTableWriter.Escape(warning)}\n");
        md.Append('\n').Append(MarkdownTableWriter.Write(table)).Append('\n');
        md.Append(Method(outcome.Options)).Append('\n');
        return md.ToString();
    }

    public static string Summary(HistoryOutcome outcome)
    {
        int regressions = outcome.Steps.Count(s => s.Verdict == StepVerdict.Regression);
        int current = outcome.Steps.Count(s => s.IsPresentInNewestRun);
        return $"{outcome.RunCount} runs on {outcome.Machines.Count} machine(s), {outcome.Cells.Count} cell series: " +
               $"{outcome.Steps.Count} step(s), {regressions} regression(s) ({current} present in the newest run), {outcome.Steps.Count - regressions} improvement(s).";
    }

    public static string Method(HistoryOptions options)
    {
        var s = options.Steps;
        return string.Create(CultureInfo.InvariantCulture,
            $"Method: per machine and cell (a multi-threaded cell: per machine state, the core-to-core round trip), the log of each run's median latency (ok cells); noise σ = 1.4826 · median |successive difference| / √2 " +
            $"(at least {s.SigmaFloor:0.###} and the launches' own spread); L1 piecewise-constant fit by dynamic programming with penalty {s.PenaltyFactor:0.##} · σ · ln n per step; " +
            $"a step counts when the new level lasts at least {s.MinPersistence} run(s), |log ratio| > max(ln(1 + {s.ThresholdPercent:0.##}%), {s.NoiseFactor:0.##} σ) and the ratio's 95% interval excludes 1.");
    }

    /// <summary>Geometric mean of positive values.</summary>
    internal static double GeometricMean(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in values) { sum += Math.Log(v); n++; }
        return n == 0 ? double.NaN : Math.Exp(sum / n);
    }
}

/// <summary>The HTML dashboard of a history.</summary>
internal static class HistoryDashboard
{
    private const int SparkWidth = 300;
    private const int SparkHeight = 60;

    public static string Html(HistoryOutcome outcome, Table table)
    {
        var html = new StringBuilder(1 << 20);
        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Nightly history</title>
            <style>
            body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; max-width: 80rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; color: #1a1a1a; }
            h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
            table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0 1rem; }
            th, td { border-top: 1px solid #ddd; padding: .2rem .5rem; text-align: left; vertical-align: top; }
            thead th { border-bottom: 2px solid #333; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            .regression { color: #b2182b; font-weight: bold; }
            .improvement { color: #1a7837; font-weight: bold; }
            .cells { display: flex; flex-wrap: wrap; gap: .6rem; }
            .cell { border: 1px solid #e4e4e4; padding: .3rem; width: 300px; font-size: .75rem; }
            .cell:target { outline: 3px solid #e69f00; }
            .cell svg { display: block; }
            img.figure { max-width: 100%; height: auto; border: 1px solid #eee; }
            .muted { color: #666; font-size: .85rem; }
            </style>
            </head>
            <body>
            <h1>Nightly history</h1>

            """);
        html.Append("<p>").Append(E(HistoryWriter.Summary(outcome))).Append("</p>\n");
        foreach (var warning in outcome.Warnings) html.Append("<p class=\"muted\">warning: ").Append(E(warning)).Append("</p>\n");
        html.Append("<ul>\n");
        foreach (var machine in outcome.Machines)
            html.Append($"<li><a href=\"#{HistoryAnchors.Machine(machine.Name)}\">{E(machine.Name)}</a>: {machine.Runs.Count} runs, {E(RunHistory.Date(machine.Runs[0].Manifest.CreatedUtc))} to {E(RunHistory.Date(machine.Runs[^1].Manifest.CreatedUtc))}, {E(machine.Fingerprint.CpuModel)}</li>\n");
        html.Append("</ul>\n");

        html.Append("<h2 id=\"steps\">Steps</h2>\n");
        if (outcome.Steps.Count == 0) html.Append("<p>No step found.</p>\n");
        else
        {
            html.Append("<table><thead><tr><th>machine</th><th>cell</th><th>last good run</th><th>first run</th><th>ratio</th><th>95% interval</th><th>verdict</th><th>still present</th><th>changed</th></tr></thead><tbody>\n");
            foreach (var s in HistoryWriter.Ordered(outcome.Steps))
            {
                string verdict = HistoryWriter.VerdictName(s.Verdict);
                html.Append("<tr><td>").Append(E(s.Cell.Machine)).Append("</td><td><a href=\"#").Append(s.Cell.Anchor).Append("\">").Append(E(CellName(s.Cell))).Append("</a></td><td>")
                    .Append(E(s.LastGoodRun.Id)).Append("</td><td>").Append(E(s.FirstRun.Id)).Append("</td><td class=\"n\">").Append(F(s.Ratio, "0.000")).Append("×</td><td class=\"n\">")
                    .Append(s.RatioLow is { } lo && s.RatioHigh is { } hi ? $"{F(lo, "0.000")}–{F(hi, "0.000")}" : "").Append("</td><td class=\"").Append(verdict).Append("\">")
                    .Append(verdict).Append("</td><td>").Append(s.Step.IsCurrent ? "yes" : "no").Append("</td><td>").Append(E(s.Changed)).Append("</td></tr>\n");
            }
            html.Append("</tbody></table>\n");
        }
        html.Append("<p class=\"muted\">").Append(E(HistoryWriter.Method(outcome.Options))).Append(' ').Append(E(table.Notes[0])).Append("</p>\n");

        var stepsByCell = outcome.Steps.ToLookup(s => s.Cell.Anchor);
        foreach (var machine in outcome.Machines)
        {
            html.Append($"<h2 id=\"{HistoryAnchors.Machine(machine.Name)}\">{E(machine.Name)}</h2>\n");
            foreach (var (title, png, caption) in MachineFigures(outcome, machine))
                html.Append($"<figure><img class=\"figure\" alt=\"{E(title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"><figcaption class=\"muted\">{E(caption)}</figcaption></figure>\n");
            foreach (var backend in outcome.Cells.Where(c => c.Machine == machine.Name).GroupBy(c => c.Key.Backend))
            {
                html.Append($"<h3>{E(machine.Name)}: {E(backend.Key)}</h3>\n<div class=\"cells\">\n");
                foreach (var cell in backend) html.Append(CellBox(cell, stepsByCell[cell.Anchor].ToList()));
                html.Append("</div>\n");
            }
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static string CellName(CellHistory cell) =>
        $"{cell.Key.Model} {cell.Key.Backend} t{cell.Key.Threads} b{cell.Key.Batch} {cell.Key.Resolution}px" + (cell.StateLabel.Length > 0 ? $", {cell.StateLabel}" : "");

    /// <summary>One cell: name, newest latency and a small SVG of log latency per run, levels dashed, steps as vertical lines.</summary>
    private static string CellBox(CellHistory cell, IReadOnlyList<HistoryStep> steps)
    {
        var box = new StringBuilder(4096);
        int n = cell.MedianMs.Count;
        var logs = cell.MedianMs.Select(m => Math.Log(m)).ToList();
        double min = logs.Min(), max = logs.Max();
        if (max - min < 0.02) { double mid = (max + min) / 2; min = mid - 0.01; max = mid + 0.01; }
        const double top = 4, bottom = SparkHeight - 4, left = 2, right = SparkWidth - 2;
        double X(int i) => n == 1 ? (left + right) / 2 : left + (right - left) * i / (n - 1);
        double Y(double log) => bottom - (bottom - top) * (log - min) / (max - min);
        box.Append($"<div class=\"cell\" id=\"{cell.Anchor}\"><b>{E(CellName(cell))}</b><br>");
        box.Append($"newest {F(cell.MedianMs[^1], "0.###")} ms, range {F(Math.Exp(min), "0.###")}–{F(Math.Exp(max), "0.###")} ms, {n} runs");
        foreach (var s in steps)
            box.Append($"<br><span class=\"{HistoryWriter.VerdictName(s.Verdict)}\">{HistoryWriter.VerdictName(s.Verdict)} {F(s.Ratio, "0.00")}×</span> at {E(s.FirstRun.Id)}");
        box.Append($"<svg width=\"{SparkWidth}\" height=\"{SparkHeight}\" viewBox=\"0 0 {SparkWidth} {SparkHeight}\" role=\"img\" aria-label=\"latency per run\">");
        foreach (var s in steps)
        {
            double x = (X(s.Step.LastBefore) + X(s.Step.FirstAfter)) / 2;
            string colour = s.Verdict == StepVerdict.Regression ? "#b2182b" : "#1a7837";
            box.Append($"<line x1=\"{F(x)}\" y1=\"0\" x2=\"{F(x)}\" y2=\"{SparkHeight}\" stroke=\"{colour}\" stroke-width=\"1.5\"/>");
        }
        foreach (var segment in cell.Detection.Segments)
        {
            double y = Y(segment.Level);
            box.Append($"<line x1=\"{F(X(segment.Start))}\" y1=\"{F(y)}\" x2=\"{F(X(segment.End - 1))}\" y2=\"{F(y)}\" stroke=\"#e69f00\" stroke-width=\"1\" stroke-dasharray=\"3 2\"/>");
        }
        box.Append("<polyline fill=\"none\" stroke=\"#0072b2\" stroke-width=\"1\" points=\"");
        for (int i = 0; i < n; i++) box.Append(F(X(i))).Append(',').Append(F(Y(logs[i]))).Append(' ');
        box.Append("\"/></svg></div>\n");
        return box.ToString();
    }

    /// <summary>
    /// Per machine: each backend's latency relative to its cells' own medians over the runs (<see cref="MachineTrends.RelativeLatency"/>),
    /// and its geometric-mean speed-up over the baseline.
    /// </summary>
    private static IEnumerable<(string Title, byte[] Png, string Caption)> MachineFigures(HistoryOutcome outcome, MachineHistory machine)
    {
        var latency = MachineTrends.RelativeLatency(machine);
        var backends = latency.Select(l => l.Backend).ToList();
        void Draw(Plot plot, IReadOnlyList<TrendLine> lines, Func<double, double> y)
        {
            foreach (var line in lines)
                AddLine(plot, line.Backend, backends.IndexOf(line.Backend), [.. line.Points.Select(p => p.Run.ToOADate())], [.. line.Points.Select(p => y(p.Value))]);
        }

        string title = $"{machine.Name}: latency relative to each cell's median";
        if (latency.Count > 0)
        {
            // A linear axis: the ratios stay near 1, where a logarithmic one would label one or two ticks.
            var plot = PaperPlot.Create(title, "Run created (UTC)", "Latency / the cell's median over the runs (×)");
            Draw(plot, latency, v => v);
            PaperPlot.ParityLine(plot, "each cell's median");
            IsoDateTicks(plot, machine);
            PaperPlot.LegendOutside(plot);
            yield return (title, Png(plot), "Per run, the geometric mean over the backend's ok cells of the cell's median over that cell's median across the runs; " +
                "a multi-threaded cell is compared within its machine state (core-to-core round trip), so neither a run in the other state nor a cell more or fewer moves a line, and a change of the backend moves it by its factor.");
        }

        string baseline = outcome.Options.BaselineBackend;
        var speedup = MachineTrends.Speedup(machine, baseline);
        title = $"{machine.Name}: geometric-mean speed-up over {baseline}";
        if (speedup.Count > 0)
        {
            var plot = PaperPlot.Create(title, "Run created (UTC)", $"Speed-up over {baseline} (×)");
            Draw(plot, speedup, v => v);
            PaperPlot.ParityLine(plot, baseline);
            IsoDateTicks(plot, machine);
            PaperPlot.LegendOutside(plot);
            yield return (title, Png(plot), $"Geometric mean of {baseline} median / backend median over the cells ok on both in the same run.");
        }
    }

    private static void AddLine(Plot plot, string label, int index, double[] xs, double[] ys)
    {
        var scatter = plot.Add.Scatter(xs, ys, PaperPlot.ColorOf(index));
        scatter.LegendText = label;
        scatter.MarkerShape = xs.Length > 60 ? MarkerShape.None : PaperPlot.MarkerOf(index);
        scatter.MarkerSize = 5;
        scatter.LineWidth = 1.5f;
    }

    /// <summary>A time axis labelled in ISO 8601 (2026-12-04, with the time of day where the runs span less than two days), whatever the culture.</summary>
    private static void IsoDateTicks(Plot plot, MachineHistory machine)
    {
        var span = machine.Runs[^1].Manifest.CreatedUtc - machine.Runs[0].Manifest.CreatedUtc;
        string format = span < TimeSpan.FromDays(2) ? "yyyy-MM-dd HH:mm" : "yyyy-MM-dd";
        plot.Axes.DateTimeTicksBottom();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.DateTimeAutomatic
        {
            LabelFormatter = time => time.ToString(format, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>1× scale (650 × 400 px): the dashboard is read on a screen, and 300-dpi PNGs would only make it heavy.</summary>
    private static byte[] Png(Plot plot)
    {
        plot.ScaleFactor = 1;
        return plot.GetImageBytes(PaperPlot.Width, PaperPlot.Height, ImageFormat.Png);
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value, string format = "0.#") => value.ToString(format, CultureInfo.InvariantCulture);
}
