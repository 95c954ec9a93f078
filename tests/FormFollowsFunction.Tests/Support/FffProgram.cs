using System.Diagnostics;

namespace FormFollowsFunction.Tests.Support;

/// <summary>What a run of the real <c>fff</c> program printed and how it exited.</summary>
public sealed record FffResult(int ExitCode, string Output, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Runs the real program (the fff.dll the test project copies beside itself) in a process of its own,
/// as a user or a nightly job would, with extra environment variables when a test needs them.
/// </summary>
public static class FffProgram
{
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "fff.dll");

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return start;
    }

    public static FffResult Run(params string[] arguments) => Run(null, arguments);

    public static FffResult Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(environment, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new FffResult(process.ExitCode, output.Result, error.Result);
    }
}
