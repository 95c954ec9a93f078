using FormFollowsFunction.Cli;
using FormFollowsFunction.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("fff");
    config.SetApplicationVersion(ToolInfo.Version);
    config.Settings.StrictParsing = true;
    config.Settings.ShowOptionDefaultValues = true;
    config.Settings.Console = ConsoleOutput.Standard;
    config.SetExceptionHandler((exception, _) => ErrorReporter.Report(exception));

    config.AddCommand<ListCommand>("list")
        .WithDescription("List the architecture patterns and reference networks.")
        .WithExample("list").WithExample("list", "--json");
    config.AddCommand<ReportCommand>("report")
        .WithDescription("Figures, tables and report.md/report.html from one or more run folders.")
        .WithExample("report", "results/2026-11-28-lab01")
        .WithExample("report", "results/run-a", "results/run-b", "--baseline", "ort-cpu", "--formats", "svg");
    config.AddCommand<CompareCommand>("compare")
        .WithDescription("Compare two runs cell by cell; exit code 1 when a cell regressed.")
        .WithExample("compare", "results/last-night", "results/tonight", "--threshold", "5");
});
return app.Run(args);
