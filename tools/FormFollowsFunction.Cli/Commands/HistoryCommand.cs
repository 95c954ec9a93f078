using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Reports.History;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>
/// <c>fff history RUN_DIR... --out DIR</c>: steps in every cell's latency over many runs (nightly
/// history), regressions.csv/md and a static dashboard. Exit code 1 when the newest run lies in a
/// regression that is still present, 0 otherwise, 2 for bad input.
/// </summary>
internal sealed class HistoryCommand : Command<HistoryCommand.Settings>
{
    public const int RegressionPresent = 1;

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<RUN_DIR>")]
        [Description("Run folders, or folders holding run folders (searched two levels down).")]
        public string[] Runs { get; init; } = [];

        [CommandOption("--out <DIR>")]
        [Description("Folder for regressions.csv, regressions.md and index.html. Default: reports/history in the repository.")]
        public string? Out { get; init; }

        [CommandOption("--last <N>")]
        [Description("Only the N newest runs of each machine.")]
        public int? Last { get; init; }

        [CommandOption("--since <DATE>")]
        [Description("Only runs created on or after this UTC date (ISO, e.g. 2026-11-01 or 2026-11-01T12:00Z).")]
        public string? Since { get; init; }

        [CommandOption("--min-persistence <N>")]
        [Description("Runs a new level must last for to count as a step.")]
        [DefaultValue(2)]
        public int MinPersistence { get; init; } = 2;

        [CommandOption("--threshold <PCT>")]
        [Description("Smallest step of the latency level, in percent, that counts (steps must also exceed twice the series' noise).")]
        [DefaultValue(5.0)]
        public double Threshold { get; init; } = 5.0;

        [CommandOption("--baseline <BACKEND>")]
        [Description("Backend that the dashboard's speed-ups are relative to.")]
        [DefaultValue("torch-cpu")]
        public string Baseline { get; init; } = "torch-cpu";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        var options = new HistoryOptions
        {
            Last = settings.Last,
            SinceUtc = settings.Since is null ? null : ParseDate(settings.Since),
            BaselineBackend = settings.Baseline,
            Steps = new StepDetectorOptions { MinPersistence = settings.MinPersistence, ThresholdPercent = settings.Threshold },
        };
        options.Validate();
        var folders = RunHistory.Find(settings.Runs);
        var outcome = RunHistory.Analyse(folders, options);
        string output = settings.Out ?? Path.Combine(SourceTree.Root() ?? Directory.GetCurrentDirectory(), "reports", "history");
        var files = HistoryWriter.Write(outcome, output);

        foreach (var warning in outcome.Warnings)
            ConsoleOutput.Diagnostics.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        Print(outcome);
        ConsoleOutput.Diagnostics.MarkupLine($"[grey]wrote {Markup.Escape(string.Join(", ", files.Select(f => Path.Combine(Path.GetFullPath(output), f))))} in {watch.Elapsed.TotalSeconds:0.0} s[/]");
        return outcome.HasCurrentRegression ? RegressionPresent : 0;
    }

    internal static DateTime ParseDate(string text)
    {
        string[] formats = ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mmZ", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ"];
        if (DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
            return DateTime.SpecifyKind(date, DateTimeKind.Utc);
        throw new UserInputException($"--since '{text}': expected an ISO date such as 2026-11-01 (UTC) or 2026-11-01T12:00Z");
    }

    private static void Print(HistoryOutcome outcome)
    {
        var console = ConsoleOutput.Standard;
        var table = new Table().Border(TableBorder.Simple).Title("steps per machine and backend")
            .AddColumn("machine").AddColumn(new TableColumn("runs").RightAligned()).AddColumn("backend")
            .AddColumn(new TableColumn("cells").RightAligned()).AddColumn(new TableColumn("regressions").RightAligned())
            .AddColumn(new TableColumn("present now").RightAligned()).AddColumn(new TableColumn("improvements").RightAligned());
        foreach (var machine in outcome.Machines)
            foreach (var backend in outcome.Cells.Where(c => c.Machine == machine.Name).GroupBy(c => c.Key.Backend))
            {
                var steps = outcome.Steps.Where(s => s.Cell.Machine == machine.Name && s.Cell.Key.Backend == backend.Key).ToList();
                int current = steps.Count(s => s.IsPresentInNewestRun);
                table.AddRow(Markup.Escape(machine.Name), machine.Runs.Count.ToString(CultureInfo.InvariantCulture), Markup.Escape(backend.Key),
                    backend.Count().ToString(CultureInfo.InvariantCulture),
                    steps.Count(s => s.Verdict == StepVerdict.Regression).ToString(CultureInfo.InvariantCulture),
                    current > 0 ? $"[red]{current}[/]" : "0",
                    steps.Count(s => s.Verdict == StepVerdict.Improvement).ToString(CultureInfo.InvariantCulture));
            }
        console.Write(table);
        // The regressions still present, worst first: what a nightly job's reader needs to see.
        var present = outcome.Steps.Where(s => s.IsPresentInNewestRun).OrderByDescending(s => s.Ratio).ToList();
        foreach (var s in present.Take(10))
            console.MarkupLine($"  [red]regression[/] {Markup.Escape($"{s.Cell.Machine} {s.Cell.Key}")}: ×{s.Ratio.ToString("0.000", CultureInfo.InvariantCulture)} since {Markup.Escape(s.FirstRun.Id)} ({Markup.Escape(s.Changed)})");
        if (present.Count > 10) console.MarkupLine($"  ... and {present.Count - 10} more in regressions.md");
        console.MarkupLine(Markup.Escape(HistoryWriter.Summary(outcome)));
        console.MarkupLine(outcome.HasCurrentRegression ? "[red bold]regression present in the newest run[/]" : "[green]no regression present in the newest run[/]");
    }
}
