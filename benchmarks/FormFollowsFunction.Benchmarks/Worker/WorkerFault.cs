using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>
/// A testing hook, so that the sweep's handling of broken workers is tested for real:
/// <c>FFF_WORKER_FAULT=KIND[:BACKEND[:MODEL]][;...]</c> makes matching measurement cells (never
/// reference computations) <c>abort</c> (SIGABRT, as a native crash would), <c>hang</c>, <c>exit</c>
/// without an answer, <c>perturb</c> their output by 1% before the parity check, or run <c>slow</c>:
/// each timed call (warm-up and measured) 25% slower, by busy-waiting inside the call for a quarter of
/// the call's own duration, a planted regression for testing <c>fff compare</c> and <c>fff history</c>.
/// <c>slow=P%</c> plants a regression of P percent instead (<c>slow=100%</c> doubles every call).
/// </summary>
public static partial class WorkerFault
{
    public const string Variable = "FFF_WORKER_FAULT";

    /// <summary>Relative change <c>perturb</c> makes to every output value.</summary>
    public const float PerturbationFactor = 1.01f;

    /// <summary>Aborts, hangs or exits now if a fault of that kind is requested for this cell.</summary>
    public static void InjectAtStart(CellRequest request)
    {
        switch (Requested(request)?.Kind)
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
        if (Requested(request)?.Kind != "perturb") return;
        for (int i = 0; i < output.Length; i++) output[i] *= PerturbationFactor;
    }

    /// <summary>Share of a call's own duration that a plain <c>slow</c> adds to it by busy-waiting.</summary>
    public const double SlowdownFraction = 0.25;

    /// <summary>
    /// The timed call: <paramref name="call"/> itself, or, under a <c>slow</c> fault, the call followed by a
    /// busy-wait of <see cref="SlowdownFraction"/> (or the fault's own <c>=P%</c>) of its duration.
    /// </summary>
    public static Action SlowIfRequested(CellRequest request, Action call)
    {
        if (Requested(request) is not { Kind: "slow" } fault) return call;
        double fraction = fault.Size ?? SlowdownFraction;
        return () =>
        {
            long start = Stopwatch.GetTimestamp();
            call();
            long own = Stopwatch.GetTimestamp() - start;
            long until = start + own + (long)(own * fraction);
            while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
        };
    }

    private sealed record Fault(string Kind, double? Size);

    private static Fault? Requested(CellRequest request)
    {
        if (request.ReferenceOnly || Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } specs) return null;
        foreach (var spec in specs.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = spec.Split(':');
            var fault = Parse(parts[0], specs);
            if (parts.Length > 1 && !parts[1].Equals(request.Backend, StringComparison.OrdinalIgnoreCase)) continue;
            if (parts.Length > 2 && !parts[2].Equals(request.Model, StringComparison.OrdinalIgnoreCase)) continue;
            return fault;
        }
        return null;
    }

    /// <summary>A fault's kind, and for <c>slow=P%</c> its size as a fraction of the call's own duration.</summary>
    private static Fault Parse(string kind, string specs)
    {
        if (kind.StartsWith("slow=", StringComparison.Ordinal))
        {
            string size = kind["slow=".Length..].TrimEnd('%');
            if (!double.TryParse(size, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double percent)
                || !(percent > 0) || double.IsInfinity(percent))
                throw new ArgumentException($"{Variable}={specs}: slow=P% needs a positive percentage such as slow=100%, got '{kind}'");
            return new Fault("slow", percent / 100);
        }
        if (kind is not ("abort" or "hang" or "exit" or "perturb" or "slow"))
            throw new ArgumentException($"{Variable}={specs}: a fault is abort, hang, exit, perturb, slow or slow=P%, got '{kind}'");
        return new Fault(kind, null);
    }

    [LibraryImport("libc", EntryPoint = "abort")]
    private static partial void Abort();
}
