using System.Globalization;
using System.Text.Json;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>What one call to a worker process gave: its typed answer (null when it wrote none) and how it ended.</summary>
public sealed record WorkerCall<TAnswer>(TAnswer? Answer, WorkerExit Exit) where TAnswer : class;

/// <summary>
/// The one way the parent asks a worker process for something: the request is written as a JSON file,
/// <c>fff worker MODE REQUEST ANSWER --parent PID</c> runs under a time limit with its output logged,
/// and the answer file is read back as <typeparamref name="TAnswer"/>. An answer is written whole
/// before the worker exits, so a worker that dies afterwards (in a native library's teardown, say)
/// has still answered. The request and answer files are removed afterwards; the log stays.
/// </summary>
public sealed class WorkerClient(WorkerLauncher launcher, string scratchFolder, string logsFolder)
{
    private static readonly string ParentId = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    /// <param name="name">File-name stem of the request, answer and log files (unique per call in flight).</param>
    public WorkerCall<TAnswer> Call<TAnswer>(string mode, CellRequest request, string name, TimeSpan timeout, CancellationToken cancellation,
        IReadOnlyDictionary<string, string>? environment = null) where TAnswer : class
    {
        Directory.CreateDirectory(scratchFolder);
        string requestPath = Path.Combine(scratchFolder, name + ".request.json");
        string answerPath = Path.Combine(scratchFolder, name + ".response.json");
        request.Write(requestPath);
        File.Delete(answerPath);
        try
        {
            var exit = launcher.Run(["worker", mode, requestPath, answerPath, "--parent", ParentId],
                Path.Combine(logsFolder, name + ".log"), timeout, cancellation, environment);
            TAnswer? answer = null;
            if (File.Exists(answerPath))
            {
                try
                {
                    answer = JsonSerializer.Deserialize<TAnswer>(File.ReadAllText(answerPath), CellRequest.Json);
                }
                catch (JsonException)
                {
                    answer = null; // a torn or foreign file is no answer; the exit says what happened
                }
            }
            return new WorkerCall<TAnswer>(answer, exit);
        }
        finally
        {
            File.Delete(requestPath);
            File.Delete(answerPath);
        }
    }
}
