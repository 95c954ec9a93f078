using System.ComponentModel;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Worker;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>
/// Hidden: the worker process a sweep starts for each measurement cell and backend probe. Each runs
/// in a process of its own so that one native library per engine can be loaded, a native crash takes
/// down one cell only, and memory is returned between cells.
/// </summary>
internal sealed class WorkerCommand : Command<WorkerCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODE>")]
        [Description("probe, cell or profile.")]
        public string Mode { get; init; } = "";

        [CommandArgument(1, "<REQUEST>")]
        [Description("The request file (JSON) the parent wrote.")]
        public string Request { get; init; } = "";

        [CommandArgument(2, "<RESPONSE>")]
        [Description("Where to write the answer (JSON).")]
        public string Response { get; init; } = "";

        [CommandOption("--parent <PID>")]
        [Description("The parent's process id; the worker dies with it.")]
        public int? Parent { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation) =>
        WorkerEntry.Run(settings.Mode, settings.Request, settings.Response, settings.Parent, ModelCatalog.Default);
}
