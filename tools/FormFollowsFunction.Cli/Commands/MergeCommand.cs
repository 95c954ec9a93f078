using System.ComponentModel;
using FormFollowsFunction.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>
/// <c>fff merge RUN_DIR... --out DIR</c>: one run folder from the shards of one sweep
/// (<c>fff run --shard I/N</c>), which <c>fff report</c> and <c>fff compare</c> read like any run.
/// </summary>
internal sealed class MergeCommand : Command<MergeCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<RUN_DIR>")]
        [Description("The shards' run folders (written by 'fff run --shard I/N' with one configuration on machines of one kind).")]
        public string[] Runs { get; init; } = [];

        [CommandOption("--out <DIR>")]
        [Description("The merged run folder to create (new or empty).")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            Out is null ? ValidationResult.Error("give the merged run folder to create with --out DIR") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var outcome = RunMerger.Merge(settings.Runs, settings.Out!, string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
        var merge = outcome.Manifest.Merge!;
        ConsoleOutput.Standard.MarkupLine(
            $"Merged: [bold]{Markup.Escape(outcome.Folder.Path)}[/] ({merge.Shards.Count} of {merge.ShardCount} shards, {outcome.Rows} rows, {outcome.Launches} launches)");
        if (merge.MissingShards.Count > 0)
            ConsoleOutput.Diagnostics.MarkupLine(
                $"[yellow]warning:[/] {merge.MissingCells} cell(s) of {merge.MissingGroups.Count} model group(s) are missing: shard(s) {string.Join(", ", merge.MissingShards)} of {merge.ShardCount} not given (recorded in the manifest's merge.missing_shards)");
        return 0;
    }
}
