using System.Runtime.InteropServices;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>
/// A testing hook, so that the sweep's handling of broken workers is tested for real:
/// <c>FFF_WORKER_FAULT=KIND[:BACKEND[:MODEL]][;...]</c> makes matching measurement cells (never
/// reference computations) <c>abort</c> (SIGABRT, as a native crash would), <c>hang</c>, <c>exit</c>
/// without an answer, or <c>perturb</c> their output by 1% before the parity check.
/// </summary>
public static partial class WorkerFault
{
    public const string Variable = "FFF_WORKER_FAULT";

    /// <summary>Relative change <c>perturb</c> makes to every output value.</summary>
    public const float PerturbationFactor = 1.01f;

    /// <summary>Aborts, hangs or exits now if a fault of that kind is requested for this cell.</summary>
    public static void InjectAtStart(CellRequest request)
    {
        switch (Requested(request))
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
        }
    }

    /// <summary>Perturbs <paramref name="output"/> in place if a <c>perturb</c> fault is requested for this cell.</summary>
    public static void PerturbOutput(CellRequest request, float[] output)
    {
        if (Requested(request) != "perturb") return;
        for (int i = 0; i < output.Length; i++) output[i] *= PerturbationFactor;
    }

    private static string? Requested(CellRequest request)
    {
        if (request.ReferenceOnly || Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } specs) return null;
        foreach (var spec in specs.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = spec.Split(':');
            if (parts[0] is not ("abort" or "hang" or "exit" or "perturb"))
                throw new ArgumentException($"{Variable}={specs}: a fault is abort, hang, exit or perturb, got '{parts[0]}'");
            if (parts.Length > 1 && !parts[1].Equals(request.Backend, StringComparison.OrdinalIgnoreCase)) continue;
            if (parts.Length > 2 && !parts[2].Equals(request.Model, StringComparison.OrdinalIgnoreCase)) continue;
            return parts[0];
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "abort")]
    private static partial void Abort();
}
