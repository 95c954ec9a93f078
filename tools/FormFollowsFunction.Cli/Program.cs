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
    config.AddCommand<DoctorCommand>("doctor")
        .WithDescription("Check what this machine can measure: hardware counters, cache sizes, machine facts; says how to fix what is missing.")
        .WithExample("doctor").WithExample("doctor", "--json").WithExample("doctor", "--event", "pmu:msr/tsc/");
});
return app.Run(args);
