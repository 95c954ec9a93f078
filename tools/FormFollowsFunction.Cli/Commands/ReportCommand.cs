using System.ComponentModel;
using System.Diagnostics;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Reports;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Statistics;
using FormFollowsFunction.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary><c>fff report RUN_DIR...</c>: figures, tables and a report document from one or more run folders.</summary>
internal sealed class ReportCommand : Command<ReportCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<RUN_DIR>")]
        [Description("One or more run folders written by 'fff run'; several are combined into one report.")]
        public string[] Runs { get; init; } = [];

        [CommandOption("--out <DIR>")]
        [Description("Report folder. Default: reports/<run folder name> (reports/combined-<UTC time> for several runs) in the repository.")]
        public string? Out { get; init; }

        [CommandOption("--baseline <BACKEND>")]
        [Description("Backend that speed-ups are relative to. Default: torch-cpu.")]
        public string? Baseline { get; init; }

        [CommandOption("--formats <LIST>")]
        [Description("Figure formats, comma-separated: png, svg.")]
        [DefaultValue("png,svg")]
        public string Formats { get; init; } = "png,svg";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation) =>
        Produce(settings.Runs.Select(p => new RunFolder(p)).ToList(), settings.Out, settings.Baseline, settings.Formats);

    /// <summary>Writes the report of <paramref name="folders"/> and prints where it is and its headlines (also the end of 'fff run').</summary>
    internal static int Produce(IReadOnlyList<RunFolder> folders, string? outputFolder, string? baselineBackend, string formatList)
    {
        {
            var formats = ReportOptions.ParseFormats(formatList);
            var watch = Stopwatch.StartNew();
            var runs = folders.Select(LoadedRun.Load).ToList();
            string baseline = baselineBackend ?? SpeedupPairing.DefaultBaseline;
            if (baselineBackend is not null && !runs.Any(r => r.Rows.Any(row => string.Equals(row.Backend, baseline, StringComparison.OrdinalIgnoreCase))))
                throw new UserInputException(
                    $"no run measured the baseline backend '{baseline}'; backends present: {string.Join(", ", runs.SelectMany(r => r.Rows).Select(r => r.Backend).Distinct().Order())}");
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
    }
}
