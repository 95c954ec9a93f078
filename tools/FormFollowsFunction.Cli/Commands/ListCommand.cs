using System.ComponentModel;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

internal sealed class ListCommand : Command<ListCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Write the list as JSON to standard output.")]
        public bool Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        // Filled in by the architectures work (patterns and reference networks).
        throw new UserInputException("no architectures are registered yet");
    }
}
