using System.Diagnostics;
using System.Runtime.InteropServices;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Torch;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>
/// A testing hook, so that the sweep's handling of broken workers is tested for real:
/// <c>FFF_WORKER_FAULT=KIND[:BACKEND[:MODEL]][;...]</c> makes matching measurement cells (never
/// reference computations) <c>abort</c> (SIGABRT, as a native crash would), <c>hang</c>, <c>exit</c>
/// without an answer, <c>perturb</c> their output by 1% before the parity check, or run <c>slow</c>:
/// each timed call (warm-up and measured) 25% slower, by busy-waiting inside the call for a quarter of
/// the call's own duration, a planted regression for testing <c>fff compare</c> and <c>fff history</c>.
/// <c>selfcheck:BACKEND:MODEL:LAYER[,LAYER...]</c> makes the TorchSharp convolution self-check treat the
/// default (oneDNN) kernel of those layers' shapes as wrong, so that the per-shape variant selection is
/// tested on machines whose libtorch computes right.
/// <c>slow=P%</c> plants a regression of P percent instead of 25% (<c>slow=100%</c> doubles every call).
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

    /// <summary>Share of a call's own duration that a plain <c>slow</c> adds to it by busy-waiting.</summary>
    public const double SlowdownFraction = 0.25;

    /// <summary>
    /// The timed call: <paramref name="call"/> itself, or, under a <c>slow</c> fault, the call followed by a
    /// busy-wait of <see cref="SlowdownFraction"/> (or the fault's own <c>=P%</c>) of its duration.
    /// </summary>
    public static Action SlowIfRequested(CellRequest request, Action call)
    {
        var specs = Environment.GetEnvironmentVariable(Variable);
        if (Matching(request, specs) is not [var kind, ..] || KindOf(kind) != "slow") return call;
        double fraction = SlowSize(kind, specs!) ?? SlowdownFraction;
        return () =>
        {
            long start = Stopwatch.GetTimestamp();
            call();
            long own = Stopwatch.GetTimestamp() - start;
            long until = start + own + (long)(own * fraction);
            while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
        };
    }

    /// <summary>A fault's kind: <c>slow=P%</c> is a <c>slow</c> fault.</summary>
    private static string KindOf(string fault) => fault.StartsWith("slow=", StringComparison.Ordinal) ? "slow" : fault;

    /// <summary>For <c>slow=P%</c>, P as a fraction of the call's own duration; null for a plain <c>slow</c>.</summary>
    private static double? SlowSize(string fault, string specs)
    {
        if (!fault.StartsWith("slow=", StringComparison.Ordinal)) return null;
        string size = fault["slow=".Length..].TrimEnd('%');
        if (!double.TryParse(size, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double percent)
            || !(percent > 0) || double.IsInfinity(percent))
            throw new ArgumentException($"{Variable}={specs}: slow=P% needs a positive percentage such as slow=100%, got '{fault}'");
        return percent / 100;
    }

    /// <summary>Under a <c>selfcheck</c> fault for this cell, the convolution shapes of the named layers; else null.</summary>
    public static Func<ConvolutionShape, bool>? SelfCheckFailure(CellRequest request, Network network) =>
        SelfCheckFailure(request, network, Environment.GetEnvironmentVariable(Variable));

    /// <summary><see cref="SelfCheckFailure(CellRequest, Network)"/> for the fault specification <paramref name="specs"/> (tests).</summary>
    internal static Func<ConvolutionShape, bool>? SelfCheckFailure(CellRequest request, Network network, string? specs)
    {
        if (Matching(request, specs) is not ["selfcheck", _, _, var layers, ..]) return null;
        var shapes = new HashSet<ConvolutionShape>();
        foreach (var layer in layers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var node = network.Nodes.FirstOrDefault(n => n.Name == layer)
                ?? throw new ArgumentException($"{Variable}: {network.Id} has no layer '{layer}'; name a convolution layer of the model (fff describe {network.Id})");
            shapes.Add(ConvolutionShape.Of(network, node));
        }
        return shapes.Contains;
    }

    private static string? Requested(CellRequest request) =>
        Matching(request, Environment.GetEnvironmentVariable(Variable)) is [var kind, ..] ? KindOf(kind) : null;

    private static string[]? Matching(CellRequest request, string? specs)
    {
        if (request.ReferenceOnly || specs is not { Length: > 0 }) return null;
        foreach (var spec in specs.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = spec.Split(':');
            if (KindOf(parts[0]) is not ("abort" or "hang" or "exit" or "perturb" or "slow" or "selfcheck"))
                throw new ArgumentException($"{Variable}={specs}: a fault is abort, hang, exit, perturb, slow, slow=P% or selfcheck, got '{parts[0]}'");
            SlowSize(parts[0], specs);
            if (parts[0] == "selfcheck" && parts.Length < 4)
                throw new ArgumentException($"{Variable}={specs}: write selfcheck:BACKEND:MODEL:LAYER[,LAYER...], for example selfcheck:torch-cpu:resnet18:layer1.0.conv1");
            if (parts.Length > 1 && !parts[1].Equals(request.Backend, StringComparison.OrdinalIgnoreCase)) continue;
            if (parts.Length > 2 && !parts[2].Equals(request.Model, StringComparison.OrdinalIgnoreCase)) continue;
            return parts;
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "abort")]
    private static partial void Abort();
}
