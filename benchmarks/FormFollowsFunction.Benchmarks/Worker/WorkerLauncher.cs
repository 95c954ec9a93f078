using System.Diagnostics;
using System.Reflection;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>How a worker process ended, as the parent saw it.</summary>
/// <param name="ExitCode">The exit status; 128 + N when signal N killed it.</param>
/// <param name="TimedOut">The parent killed it for running past its time limit.</param>
/// <param name="LastOutput">The last lines it wrote (stdout and stderr), for the error column.</param>
/// <param name="ProcessId">The worker's process id.</param>
/// <param name="WallMs">Milliseconds from starting the worker to seeing it exit.</param>
public sealed record WorkerExit(int ExitCode, bool TimedOut, bool Cancelled, string LastOutput, int ProcessId = 0, double WallMs = 0)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut && !Cancelled;

    /// <summary>A one-line account of an abnormal end: "SIGABRT (exit 134): ...".</summary>
    public string Describe(double timeoutSeconds)
    {
        if (TimedOut) return $"no answer within the cell time limit of {timeoutSeconds:0.#} s; the worker was killed";
        if (Cancelled) return "interrupted";
        string how = ExitCode > 128 && ExitCode < 128 + 32
            ? $"killed by {SignalName(ExitCode - 128)} (exit {ExitCode})"
            : $"exited with code {ExitCode} without an answer";
        return string.IsNullOrWhiteSpace(LastOutput) ? $"worker {how}" : $"worker {how}: {LastOutput}";
    }

    private static string SignalName(int signal) => signal switch
    {
        2 => "SIGINT", 4 => "SIGILL", 6 => "SIGABRT", 7 => "SIGBUS", 8 => "SIGFPE", 9 => "SIGKILL", 11 => "SIGSEGV", 15 => "SIGTERM",
        _ => $"signal {signal}",
    };
}

/// <summary>
/// Starts worker processes of this same program (<c>fff worker ...</c>), one per measurement cell or
/// backend probe, and waits for them under a time limit. Their output goes to a log file; a worker
/// that outlives its limit is killed with its whole process tree.
/// </summary>
public sealed class WorkerLauncher(string fileName, IReadOnlyList<string> leadingArguments)
{
    private const int OutputLinesKept = 3;
    private const int SigInt = 2;

    public string FileName { get; } = fileName;

    public IReadOnlyList<string> LeadingArguments { get; } = leadingArguments;

    /// <summary>The program that is running now: <c>dotnet fff.dll</c> or the <c>fff</c> app host.</summary>
    public static WorkerLauncher ForCurrentProgram()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        string? entry = Assembly.GetEntryAssembly()?.Location;
        bool viaHost = Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return viaHost && entry is { Length: > 0 } ? new WorkerLauncher(process, [entry]) : new WorkerLauncher(process, []);
    }

    public WorkerExit Run(IReadOnlyList<string> arguments, string logPath, TimeSpan timeout, CancellationToken cancellation,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in LeadingArguments.Concat(arguments)) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        using var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var tail = new Queue<string>();
        var gate = new Lock();
        void Record(string? line)
        {
            if (line is null) return;
            lock (gate)
            {
                log.WriteLine(line);
                if (string.IsNullOrWhiteSpace(line) || IsKnownNoise(line)) return;
                tail.Enqueue(line.Trim());
                while (tail.Count > OutputLinesKept) tail.Dequeue();
            }
        }

        using var process = new Process { StartInfo = start };
        var wall = Stopwatch.StartNew();
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        bool timedOut = false, cancelled = false;
        var deadline = Stopwatch.StartNew();
        while (!process.WaitForExit(100))
        {
            if (cancellation.IsCancellationRequested) cancelled = true;
            else if (deadline.Elapsed > timeout) timedOut = true;
            else continue;
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            break;
        }
        process.WaitForExit(); // drains the redirected output
        // Ctrl+C reaches the worker too (same process group) and may end it before the loop sees the
        // cancellation: a worker ended by SIGINT was interrupted, not crashed.
        cancelled |= cancellation.IsCancellationRequested || (!timedOut && process.ExitCode == 128 + SigInt);
        lock (gate)
            return new WorkerExit(process.ExitCode, timedOut, cancelled, string.Join(" | ", tail), process.Id, wall.Elapsed.TotalMilliseconds);
    }

    // libtorch prints this on CPUs NNPACK does not support; it says nothing about the cell.
    private static bool IsKnownNoise(string line) => line.Contains("Could not initialize NNPACK", StringComparison.Ordinal);
}
