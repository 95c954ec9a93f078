using Spectre.Console;

namespace FormFollowsFunction.Cli;

/// <summary>
/// Where the program writes. Results and machine-readable output (tables, JSON) go to standard
/// output; progress, warnings and errors go to standard error, so that <c>fff describe --json | jq</c> works.
/// </summary>
internal static class ConsoleOutput
{
    public static IAnsiConsole Standard { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Out),
    });

    public static IAnsiConsole Diagnostics { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });
}
