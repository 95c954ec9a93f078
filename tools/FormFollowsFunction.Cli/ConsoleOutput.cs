using Spectre.Console;

namespace FormFollowsFunction.Cli;

/// <summary>
/// Where the program writes. Results and machine-readable output (tables, JSON) go to standard
/// output; progress, warnings and errors go to standard error, so that <c>fff describe --json | jq</c> works.
/// </summary>
internal static class ConsoleOutput
{
    // A log file has no window to wrap to: redirected output keeps each line whole.
    private const int RedirectedWidth = 240;

    public static IAnsiConsole Standard { get; } = Create(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Diagnostics { get; } = Create(Console.Error, Console.IsErrorRedirected);

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected) console.Profile.Width = Math.Max(console.Profile.Width, RedirectedWidth);
        return console;
    }
}
