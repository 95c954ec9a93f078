using System.Diagnostics;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Reports;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Statistics;
using FormFollowsFunction.Results;
using Spectre.Console;

namespace FormFollowsFunction.Cli;

/// <summary>Writes a report from run folders and tells the user where it is and what it says: for 'fff report' and the end of 'fff run'.</summary>
internal static class ReportWriter
{
    /// <summary>Writes the report of <paramref name="folders"/> and prints where it is and its headlines .</summary>
    public static int Write(IReadOnlyList<RunFolder> folders, string? outputFolder, string? baselineBackend, string formatList)
    {
        var formats = ReportOptions.ParseFormats(formatList);
        var watch = Stopwatch.StartNew();
        var runs = folders.Select(LoadedRun.Load).ToList();
        string baseline = baselineBackend ?? ConfiguredBaseline(runs) ?? SpeedupPairing.DefaultBaseline;
        var backends = runs.SelectMany(r => r.Rows.Select(row => row.Backend).Concat(r.LayerRows.Select(row => row.Backend))).Distinct().Order().ToList();
        if (baselineBackend is not null && !backends.Contains(baseline, StringComparer.OrdinalIgnoreCase))
            throw new UserInputException($"no run measured the baseline backend '{baseline}'; backends present: {string.Join(", ", backends)}");
        // Beside results/: in the repository when run from a source tree, else in the working directory.
        string output = outputFolder ?? Path.Combine(SourceTree.Root() ?? Directory.GetCurrentDirectory(),
            ReportGenerator.DefaultOutputFolder(folders, DateTime.UtcNow));
        ConsoleOutput.Diagnostics.MarkupLine($"[grey]reading {runs.Sum(r => r.Rows.Count)} rows from {runs.Count} run(s); writing the report...[/]");

        var outcome = ReportGenerator.Generate(runs, output, new ReportOptions { BaselineBackend = baseline, Formats = formats });

        var console = ConsoleOutput.Standard;
        console.MarkupLine($"Report: [bold]{Markup.Escape(Path.Combine(outcome.OutputFolder, ReportGenerator.ReportFileName))}[/] and {ReportGenerator.HtmlFileName} " +
                           $"({outcome.Files.Count} files, {outcome.Figures.Count} figures, {watch.Elapsed.TotalSeconds:0.0} s)");
        foreach (var headline in outcome.Headlines) console.MarkupLine($"  {Markup.Escape(headline)}");
        foreach (var skipped in outcome.SkippedFigures)
            ConsoleOutput.Diagnostics.MarkupLine($"[yellow]figure not drawn:[/] {Markup.Escape(skipped.Figure)}: {Markup.Escape(skipped.Reason)}");
        foreach (var warning in outcome.Warnings)
            ConsoleOutput.Diagnostics.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        return 0;
    }

    /// <summary>The baseline the runs were configured with (<c>fff run --baseline</c>) when they all name the same one; null otherwise.</summary>
    private static string? ConfiguredBaseline(IEnumerable<LoadedRun> runs)
    {
        var named = runs.Where(r => r.HasManifest).Select(Configured).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return named.Count == 1 ? named[0] : null;

        // A configuration this version cannot read names the default baseline: the report does not depend on it.
        static string Configured(LoadedRun run)
        {
            try
            {
                return SweepConfigurationLayers.FromJson(run.Manifest.Configuration).Baseline;
            }
            catch (SweepConfigurationException)
            {
                return SpeedupPairing.DefaultBaseline;
            }
        }
    }
}
