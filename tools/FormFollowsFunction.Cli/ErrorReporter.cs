using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Reports;
using FormFollowsFunction.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli;

/// <summary>Thrown by a command for input the user can fix; the message says what is wrong and how to fix it.</summary>
internal sealed class UserInputException(string message) : Exception(message);

/// <summary>
/// Turns any failure into one line on standard error and a non-zero exit code:
/// 2 for input the user can fix (unknown model, malformed option or file), 1 for anything else.
/// </summary>
internal static class ErrorReporter
{
    public const int InputError = 2;
    public const int InternalError = 1;
    public const int Interrupted = 130;

    public static int Report(Exception exception)
    {
        var (code, message) = Classify(exception);
        // Redirected, Spectre would wrap a long message at 80 columns: one line is written past its layout.
        if (Console.IsErrorRedirected)
            ConsoleOutput.Diagnostics.Profile.Out.Writer.WriteLine($"error: {OneLine(message)}");
        else
            ConsoleOutput.Diagnostics.MarkupLine($"[red]error:[/] {Markup.Escape(OneLine(message))}");
        if (code == InternalError && Environment.GetEnvironmentVariable("FFF_DEBUG") is "1")
            ConsoleOutput.Diagnostics.WriteException(exception);
        return code;
    }

    private static (int Code, string Message) Classify(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } e => Classify(e.InnerExceptions[0]),
        OperationCanceledException => (Interrupted, "interrupted"),
        CommandAppException e => (InputError, e.Message),
        UserInputException or UnknownModelException or NetworkDefinitionException or ResultsFormatException
            or SweepConfigurationException or UnknownBackendException or CounterSpecException or ReportInputException
            or OrtLibraryException or RunMergeException
            => (InputError, exception.Message),
        UnauthorizedAccessException e => (InputError, $"{e.Message} (choose a folder you can write to)"),
        DirectoryNotFoundException or FileNotFoundException => (InputError, exception.Message),
        _ => (InternalError, $"{exception.GetType().Name}: {exception.Message} (set FFF_DEBUG=1 for the stack trace)"),
    };

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
