using System.Globalization;
using System.Text;
using System.Text.Json;
using FormFollowsFunction.Reports.Figures;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Tables;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Documents;

/// <summary>A figure as the document refers to it: its title, caption and the file to show.</summary>
internal sealed record DocumentFigure(string Title, string Caption, string ImagePath, IReadOnlyList<string> Files);

/// <summary>
/// Writes <c>report.md</c>: where the numbers come from (machine, versions, configuration), the
/// headline findings, tables, figures, what was skipped and why, and every cell that failed.
/// The HTML report is rendered from this same text, so the two never disagree.
/// </summary>
internal static class ReportDocument
{
    /// <summary>Above this many rows the per-cell speed-up table is linked from report.md, not shown in it.</summary>
    public const int LongTableRows = 60;

    public static string Write(
        ReportData data, DateTime generatedUtc, IReadOnlyList<string> headlines, IReadOnlyList<string> warnings,
        IReadOnlyList<Table> tables, IReadOnlyList<DocumentFigure> figures, IReadOnlyList<SkippedFigure> skipped)
    {
        var md = new StringBuilder();
        md.Append("# FormFollowsFunction report\n\n");
        md.Append(Invariant($"Generated {generatedUtc:yyyy-MM-dd HH:mm:ss} UTC from {Counted.Of(data.Runs.Count, "run")}; "))
          .Append($"speed-ups are over **{Escape(data.BaselineBackend)}**.\n\n");

        md.Append("## Runs\n\n");
        var runs = new Table("runs", "Runs", [new("run"), new("folder"), new("created (UTC)"), new("finished (UTC)"), new("tool version"), new("git commit"), new("cells", "n", ColumnFormat.Integer), new("ok", "n", ColumnFormat.Integer)]);
        foreach (var run in data.Runs)
            runs.AddRow(run.RunId, run.Folder.Path, Invariant($"{run.Manifest.CreatedUtc:yyyy-MM-dd HH:mm:ss}"),
                run.Manifest.FinishedUtc is { } f ? Invariant($"{f:yyyy-MM-dd HH:mm:ss}") : "unfinished",
                run.Manifest.ToolVersion, run.Manifest.GitCommit, run.CurrentRows.Count, run.CurrentRows.Count(r => r.IsOk));
        md.Append(MarkdownTableWriter.Write(runs, withTitle: false)).Append('\n');
        foreach (var run in data.Runs.Where(r => !string.IsNullOrWhiteSpace(r.Manifest.CommandLine)))
            md.Append($"Command line of {Escape(run.RunId)}: `{run.Manifest.CommandLine.Replace("`", "'")}`\n\n");

        if (warnings.Count > 0)
        {
            md.Append("## Warnings\n\n");
            foreach (var warning in warnings) md.Append("- ").Append(Escape(warning)).Append('\n');
            md.Append('\n');
        }

        md.Append("## Headline findings\n\n");
        foreach (var headline in headlines) md.Append("- ").Append(Escape(headline)).Append('\n');
        md.Append('\n');

        md.Append("## Tables\n\n");
        md.Append("Each table is also in `tables/` as CSV (full precision), Markdown and LaTeX (booktabs).\n\n");
        foreach (var table in tables)
        {
            md.Append("### ").Append(Escape(table.Title)).Append("\n\n");
            if (table.Name == ReportTables.SpeedupsTableName && table.Rows.Count > LongTableRows)
            {
                // One row per cell: a paper sweep has hundreds; the files hold them all.
                md.Append($"{table.Rows.Count} rows, one per paired cell (model, pattern, depth, width, backend, baseline, threads, batch, resolution, speedup, speedup_ci95_low, speedup_ci95_high, pairs, interval_method, run, baseline_run); too many to show here.\n\n");
                foreach (var note in table.Notes) md.Append(Escape(note)).Append("\n\n");
            }
            else
                md.Append(MarkdownTableWriter.Write(table, withTitle: false)).Append('\n');
            md.Append($"Files: [CSV](tables/{table.Name}.csv), [Markdown](tables/{table.Name}.md), [LaTeX](tables/{table.Name}.tex)\n\n");
        }

        md.Append("## Figures\n\n");
        if (figures.Count == 0) md.Append("No figure could be drawn; the reasons follow.\n\n");
        foreach (var figure in figures)
        {
            md.Append("### ").Append(Escape(figure.Title)).Append("\n\n");
            md.Append($"![{Escape(figure.Title)}]({figure.ImagePath})\n\n");
            md.Append('*').Append(Escape(figure.Caption)).Append("*\n\n");
            md.Append("Files: ").AppendJoin(", ", figure.Files.Select(f => $"[{Path.GetExtension(f).TrimStart('.').ToUpperInvariant()}]({f})")).Append("\n\n");
        }
        if (skipped.Count > 0)
        {
            md.Append("### Figures not drawn\n\n");
            foreach (var s in skipped) md.Append("- **").Append(Escape(s.Figure)).Append("**: ").Append(Escape(s.Reason)).Append('\n');
            md.Append('\n');
        }

        md.Append("## Cells that did not produce a valid measurement\n\n");
        var notOk = tables.FirstOrDefault(t => t.Name == "not-ok-cells") ?? ReportTables.NotOkCells(data);
        md.Append(data.Measurements.Count == 0 ? "No cell was measured.\n\n" : notOk.Rows.Count == 0 ? "Every cell has status ok.\n\n" : $"{notOk.Rows.Count} cell(s); see the table \"{Escape(notOk.Title)}\" above.\n\n");

        md.Append("## Machines\n\n");
        foreach (var group in data.Runs.GroupBy(r => r.Manifest.Machine, MachineComparer.Instance))
        {
            md.Append("### ").Append(Escape(string.Join(", ", group.Select(r => r.RunId)))).Append("\n\n");
            md.Append(MarkdownTableWriter.Write(MachineTable(group.Key), withTitle: false)).Append('\n');
        }

        md.Append("## Versions and configuration\n\n");
        foreach (var run in data.Runs)
        {
            md.Append("### ").Append(Escape(run.RunId)).Append("\n\n");
            var versions = new Table("versions", "Versions", [new("component"), new("version")]);
            foreach (var (name, version) in run.Manifest.Versions.OrderBy(v => v.Key, StringComparer.Ordinal)) versions.AddRow(name, version);
            foreach (var (name, state) in run.Manifest.Backends.OrderBy(v => v.Key, StringComparer.Ordinal)) versions.AddRow($"backend {name}", state);
            if (versions.Rows.Count > 0) md.Append(MarkdownTableWriter.Write(versions, withTitle: false)).Append('\n');
            md.Append("Configuration:\n\n```json\n")
              .Append(run.Manifest.Configuration.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))
              .Append("\n```\n\n");
        }

        md.Append("## Method\n\n");
        md.Append($"- Speed-up = {Escape(data.BaselineBackend)} median latency / backend median latency for the same model, threads, batch and input resolution. Only cells with status ok on both sides enter; a mismatch (output beyond tolerance) is never a speed-up.\n");
        md.Append("- Speed-up intervals (table `speedups`, and the error bars of the speed-up figures): where the run measured both cells in several launches (worker processes, one per round), the two cells' launches are paired round by round, ratio_r = baseline launch median / backend launch median, and the 95% interval is exp(log speed-up ± t(0.975, n − 1) · s / √n) over the n rounds in which both launches were ok (s: standard deviation of the log ratios). The two launches of a round ran next to each other, so slow drift of the machine cancels in their ratio. With fewer than two such pairs (a run without launches or with one launch per cell, or a baseline borrowed from another run): [baseline CI low / backend CI high, baseline CI high / backend CI low] from the two medians' 95% confidence intervals, which holds the true ratio whenever both intervals hold their medians, with probability at least 90% (Bonferroni), 90.25% if the two are independent. The table's `interval_method` and `pairs` columns say which each cell got.\n");
        md.Append("- Geometric mean: exp of the mean log speed-up; the summary to quote for ratios. Arithmetic mean shown for comparison with the literature.\n");
        md.Append("- Latency: wall-clock milliseconds per inference (one call on one batch). MACs: multiply-accumulates counted analytically from the network description (FLOPs ≈ 2 × MACs).\n");
        md.Append("- Correlations: Pearson and Spearman (MathNet.Numerics) over the cells where both values exist, two-sided p-values from Student's t with n − 2 degrees of freedom.\n");
        md.Append("- A run that holds a cell more than once (re-measured after a resume) counts its last row.\n");
        foreach (var run in data.Runs)
            foreach (var (name, method) in run.Manifest.Methods)
                md.Append($"- {Escape(name)}{(data.Runs.Count > 1 ? $" ({Escape(run.RunId)})" : "")}: {Escape(method)}.\n");
        return md.ToString();
    }

    private static Table MachineTable(MachineFingerprint machine)
    {
        var table = new Table("machine", "Machine", [new("property"), new("value"), new("source")]);
        table.AddRow("hostname", machine.Hostname, "");
        table.AddRow("CPU", machine.CpuModel, "");
        table.AddRow("architecture", machine.Architecture, "");
        table.AddRow("cores (physical / logical)", Invariant($"{machine.PhysicalCores} / {machine.LogicalCores}"), "");
        table.AddRow("memory", Invariant($"{machine.MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB"), "");
        table.AddRow("OS", machine.Os, "");
        table.AddRow("kernel", machine.Kernel, "");
        foreach (var cache in machine.Caches.OrderBy(c => c.Level).ThenBy(c => c.Type))
            table.AddRow($"L{cache.Level} {cache.Type.ToLowerInvariant()} cache", FormatBytes(cache.SizeBytes), cache.Source);
        foreach (var (name, fact) in machine.Facts.OrderBy(f => f.Key, StringComparer.Ordinal))
            table.AddRow(name, fact.Value ?? "unknown", fact.Source);
        return table;
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => Invariant($"{bytes / (double)(1L << 30):0.##} GiB"),
        >= 1L << 20 => Invariant($"{bytes / (double)(1L << 20):0.##} MiB"),
        >= 1L << 10 => Invariant($"{bytes / (double)(1L << 10):0.##} KiB"),
        _ => Invariant($"{bytes} B"),
    };

    private static string Escape(string text) => MarkdownTableWriter.Escape(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Groups runs made on the same machine, by the fingerprint's own notion of "no difference".</summary>
    private sealed class MachineComparer : IEqualityComparer<MachineFingerprint>
    {
        public static MachineComparer Instance { get; } = new();

        public bool Equals(MachineFingerprint? x, MachineFingerprint? y) =>
            x is not null && y is not null && x.Hostname == y.Hostname && x.DifferencesFrom(y).Count == 0;

        public int GetHashCode(MachineFingerprint obj) => HashCode.Combine(obj.Hostname, obj.CpuModel);
    }
}
