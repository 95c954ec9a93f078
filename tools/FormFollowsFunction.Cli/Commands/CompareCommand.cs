using System.ComponentModel;
using System.Globalization;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Reports;
using FormFollowsFunction.Reports.Comparison;
using FormFollowsFunction.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>
/// <c>fff compare BASE_RUN NEW_RUN</c>: cell-by-cell latency changes with a significance test on the
/// cells' launches (Welch, Benjamini-Hochberg-corrected), and each backend's geometric-mean change. Exit code 1 when
/// a cell or a backend regressed, a cell stopped working or was lost (for nightly jobs), 0 otherwise,
/// 2 for bad input.
/// </summary>
internal sealed class CompareCommand : Command<CompareCommand.Settings>
{
    public const int RegressionFound = 1;

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<BASE_RUN>")]
        [Description("The run folder to compare against (for example last night's).")]
        public string BaseRun { get; init; } = "";

        [CommandArgument(1, "<NEW_RUN>")]
        [Description("The run folder to judge.")]
        public string NewRun { get; init; } = "";

        [CommandOption("--threshold <PCT>")]
        [Description("Smallest change of the median latency, in percent, that counts as a regression or improvement.")]
        [DefaultValue(5.0)]
        public double Threshold { get; init; } = 5.0;

        [CommandOption("--alpha <LEVEL>")]
        [Description("Significance level of the tests (Benjamini-Hochberg-corrected over the cells tested on launches).")]
        [DefaultValue(0.05)]
        public double Alpha { get; init; } = 0.05;

        [CommandOption("--out <DIR>")]
        [Description("Folder for compare.md, compare.csv, compare-backends.csv and compare-speedups.csv. Default: reports/compare-<base>-vs-<new>.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        {
            var options = new ComparisonOptions { ThresholdPercent = settings.Threshold, Alpha = settings.Alpha };
            options.Validate();
            var baseFolder = new RunFolder(settings.BaseRun);
            var newFolder = new RunFolder(settings.NewRun);
            var outcome = RunComparer.Compare(baseFolder, newFolder, options);
            // Beside results/: in the repository when run from a source tree, else in the working directory.
            var files = ComparisonWriter.Write(outcome, settings.Out ?? Path.Combine(SourceTree.Root() ?? Directory.GetCurrentDirectory(),
                RunComparer.DefaultOutputFolder(baseFolder, newFolder)));

            foreach (var warning in outcome.Warnings)
                ConsoleOutput.Diagnostics.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
            foreach (var change in outcome.VersionDifferences)
                ConsoleOutput.Diagnostics.MarkupLine($"[grey]version change:[/] {Markup.Escape(change)}");
            Print(outcome);
            ConsoleOutput.Diagnostics.MarkupLine($"[grey]wrote {Markup.Escape(string.Join(", ", files))}[/]");
            return outcome.HasRegression ? RegressionFound : 0;
        }
    }

    private static void Print(ComparisonOutcome outcome)
    {
        var console = ConsoleOutput.Standard;
        // Cells that failed in both runs are counted below and listed in compare.md; they are not news.
        var changed = outcome.Cells.Where(c => c.Verdict is not (ComparisonVerdict.Unchanged or ComparisonVerdict.StillFailing))
            .OrderBy(c => ComparisonWriter.Severity.ToList().IndexOf(c.Verdict))
            .ThenByDescending(c => Math.Abs(c.ChangePercent ?? 0))
            .ToList();
        if (changed.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple)
                .Title($"{Markup.Escape(outcome.New.RunId)} against {Markup.Escape(outcome.Base.RunId)}")
                .AddColumn("model").AddColumn("backend").AddColumn("setting")
                .AddColumn(new TableColumn("base (ms)").RightAligned()).AddColumn(new TableColumn("new (ms)").RightAligned())
                .AddColumn(new TableColumn("change").RightAligned()).AddColumn(new TableColumn("p").RightAligned())
                .AddColumn(new TableColumn("detectable").RightAligned()).AddColumn("verdict");
            foreach (var c in changed)
                table.AddRow(
                    Markup.Escape(c.Key.Model), Markup.Escape(c.Key.Backend),
                    Markup.Escape($"t{c.Key.Threads} b{c.Key.Batch} {c.Key.Resolution}px"),
                    Markup.Escape(c.Base.IsOk ? Ms(c.Base.MedianMs) : c.Base.Status), Markup.Escape(c.New.IsOk ? Ms(c.New.MedianMs) : c.New.Status),
                    Signed(c.ChangePercent),
                    Markup.Escape(PValue(c)),
                    // Two launches on a side give a t with about one degree of freedom: "detectable" runs to millions of percent.
                    c.DetectableChangePercent is { } d ? d > 1000 ? ">1000%" : d.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "",
                    Colour(c.Verdict));
            console.Write(table);
            console.MarkupLine("[grey]p: Welch's t on the cells' log launch medians (within each machine state where launches fell into several), Benjamini-Hochberg-corrected over the cells tested on launches (\"MW\": Mann-Whitney U on one process's raw samples; \"CI\": whether the medians' 95% confidence intervals overlap); detectable: smallest change the launch test would find with 80% power.[/]");
        }
        if (outcome.Backends.Count > 0)
        {
            var backends = new Table().Border(TableBorder.Simple).Title("geometric-mean change per backend")
                .AddColumn("backend").AddColumn(new TableColumn("cells").RightAligned()).AddColumn(new TableColumn("change").RightAligned())
                .AddColumn(new TableColumn("95% interval").RightAligned()).AddColumn("verdict");
            foreach (var b in outcome.Backends)
                backends.AddRow(Markup.Escape(b.Backend), b.Cells.ToString(CultureInfo.InvariantCulture), Signed(b.ChangePercent),
                    b.Ci95Low is { } low && b.Ci95High is { } high ? $"{Signed((low - 1) * 100)} to {Signed((high - 1) * 100)}" : "",
                    b.Verdict switch
                    {
                        BackendVerdict.Regression => "[red]regression[/]",
                        BackendVerdict.Improvement => "[green]improvement[/]",
                        _ => $"[grey]{Markup.Escape(ComparisonWriter.VerdictName(b.Verdict))}[/]",
                    });
            console.Write(backends);
        }
        console.MarkupLine(Markup.Escape(ComparisonWriter.SpeedupSentence(outcome)));
        int unchanged = outcome.Count(ComparisonVerdict.Unchanged);
        console.MarkupLine($"{outcome.Cells.Count} matched cells: {outcome.Count(ComparisonVerdict.Regression)} regression(s), " +
                           $"{outcome.Count(ComparisonVerdict.NewlyFailing)} newly failing, {outcome.Count(ComparisonVerdict.Improvement)} improvement(s), " +
                           $"{outcome.Count(ComparisonVerdict.ConfigurationChanged)} configuration changed, {outcome.Count(ComparisonVerdict.MachineStateChanged)} machine state changed, {outcome.Count(ComparisonVerdict.StillFailing)} failing in both, {unchanged} unchanged within {outcome.Options.ThresholdPercent.ToString("0.##", CultureInfo.InvariantCulture)}%" +
                           (outcome.OnlyInBase.Count + outcome.OnlyInNew.Count > 0 ? $"; {outcome.OnlyInBase.Count} only in base ({outcome.Lost.Count} of them ok there: lost), {outcome.OnlyInNew.Count} only in new" : "") + (outcome.BackendRegressions.Count > 0 ? $"; backend regression(s): {string.Join(", ", outcome.BackendRegressions.Select(b => b.Backend))}" : "") + ".");
        console.MarkupLine(outcome.HasRegression ? "[red bold]regression found[/]"
            : outcome.UntestedCells == 0 ? "[green]no regression[/]" : $"[yellow]{Markup.Escape(outcome.Result)}[/]");
    }

    private static string Colour(ComparisonVerdict verdict)
    {
        string name = Markup.Escape(ComparisonWriter.VerdictName(verdict));
        return verdict switch
        {
            ComparisonVerdict.Regression or ComparisonVerdict.NewlyFailing => $"[red]{name}[/]",
            ComparisonVerdict.Improvement or ComparisonVerdict.Fixed => $"[green]{name}[/]",
            ComparisonVerdict.ConfigurationChanged or ComparisonVerdict.MachineStateChanged => $"[yellow]{name}[/]",
            _ => $"[grey]{name}[/]",
        };
    }

    private static string Signed(double? percent) =>
        percent is { } pct ? pct.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%" : "";

    private static string P(double p) => p < 0.001 ? "<0.001" : p.ToString("0.000", CultureInfo.InvariantCulture);

    private static string PValue(CellComparison c) => c.Method switch
    {
        SignificanceMethod.WelchLaunches or SignificanceMethod.StateBlockedLaunches => P(c.PAdjusted!.Value),
        SignificanceMethod.MannWhitney => "MW " + P(c.PValue!.Value),
        SignificanceMethod.IntervalOverlap => c.Significant ? "CI apart" : "CI overlap",
        _ => "",
    };

    private static string Ms(double? value) => value?.ToString("0.000", CultureInfo.InvariantCulture) ?? "";
}
