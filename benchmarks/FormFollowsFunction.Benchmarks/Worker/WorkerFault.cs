using System.Runtime.InteropServices;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>
/// A testing hook: <c>FFF_WORKER_FAULT=abort|hang|exit[:BACKEND[:MODEL]]</c> makes matching worker
/// processes abort (SIGABRT, as a native crash would), hang, or exit without an answer, so that the
/// sweep's handling of crashed and timed-out cells can be tested for real.
/// </summary>
public static partial class WorkerFault
{
    public const string Variable = "FFF_WORKER_FAULT";

    public static void InjectIfRequested(CellRequest request)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } spec) return;
        var parts = spec.Split(':');
        if (parts.Length > 1 && !parts[1].Equals(request.Backend, StringComparison.OrdinalIgnoreCase)) return;
        if (parts.Length > 2 && !parts[2].Equals(request.Model, StringComparison.OrdinalIgnoreCase)) return;
        switch (parts[0])
        {
            case "abort":
                Abort();
                break;
            case "hang":
                Thread.Sleep(Timeout.Infinite);
                break;
            case "exit":
                Environment.Exit(3);
                break;
            default:
                throw new ArgumentException($"{Variable}={spec}: the fault must be abort, hang or exit");
        }
    }

    [LibraryImport("libc", EntryPoint = "abort")]
    private static partial void Abort();
}
