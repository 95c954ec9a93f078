using System.Diagnostics;
using System.Text;

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
    /// <summary>
    /// How long a run may take before it is killed and the test fails: far above the longest sweep the
    /// tests run (about a minute on the 2-core build machine), so only a hung program reaches it.
    /// </summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromMinutes(5);

    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "fff.dll");

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return start;
    }

    public static FffResult Run(params string[] arguments) => Run(null, DefaultTimeLimit, arguments);

    public static FffResult Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments) => Run(environment, DefaultTimeLimit, arguments);

    /// <summary>
    /// Runs <c>fff</c> and waits at most <paramref name="timeLimit"/>; past it the process and its
    /// workers are killed and the test fails with the command line and what it had printed so far.
    /// </summary>
    public static FffResult Run(IReadOnlyDictionary<string, string>? environment, TimeSpan timeLimit, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(environment, arguments))!;
        var output = new StringBuilder();
        var error = new StringBuilder();
        var readers = new[] { Collect(process.StandardOutput, output), Collect(process.StandardError, error) };
        if (!process.WaitForExit(timeLimit))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended between the time limit and the kill.
            }
            process.WaitForExit();
            Task.WaitAll(readers, TimeSpan.FromSeconds(10));
            Assert.Fail($"fff {string.Join(' ', arguments)} did not end within {timeLimit.TotalSeconds:0} s and was killed." +
                        $"\n--- standard output so far ---\n{Snapshot(output)}\n--- standard error so far ---\n{Snapshot(error)}");
        }
        // The exit is known; the readers finish once the pipes are drained (unless something it started still holds them).
        if (!Task.WaitAll(readers, TimeSpan.FromSeconds(30)))
            Assert.Fail($"fff {string.Join(' ', arguments)} exited ({process.ExitCode}) but its output pipes stayed open: a process it started outlived it." +
                        $"\n--- standard error so far ---\n{Snapshot(error)}");
        return new FffResult(process.ExitCode, Snapshot(output), Snapshot(error));
    }

    /// <summary>Copies a stream into <paramref name="text"/> as it comes, so that a killed run's output so far can be shown.</summary>
    private static Task Collect(StreamReader reader, StringBuilder text) => Task.Run(async () =>
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
            lock (text) text.Append(buffer, 0, read);
    });

    private static string Snapshot(StringBuilder text)
    {
        lock (text) return text.ToString();
    }
}
