using FormFollowsFunction.Benchmarks.Worker;

namespace FormFollowsFunction.Benchmarks.Backends;

/// <summary>A backend as probed for a sweep, with the oneDNN cap its TorchSharp workers must use.</summary>
/// <param name="OneDnnMaxIsa">ISA cap for TorchSharp workers, or null for none.</param>
/// <param name="Note">What a user must know about how the backend will run (a cap and why), or null.</param>
public sealed record ProbedBackend(BackendDescriptor Descriptor, BackendProbe Probe, string? OneDnnMaxIsa, string? Note)
{
    public bool Available => Probe.Available;

    /// <summary>One line for the manifest and the start of a run: "available (version, device)" or the reason.</summary>
    public string Summary => Available
        ? $"available: {Probe.Version}, {Probe.Device}{(Note is null ? "" : $"; {Note}")}"
        : $"unavailable: {Probe.Reason}";
}

/// <summary>
/// Probes backends in worker processes (each ONNX Runtime build and libtorch load in a process of
/// its own), and for TorchSharp finds a oneDNN instruction-set cap under which libtorch computes
/// convolutions right when no per-shape variant of its kernels does (see docs/benchmarks.md, "Correctness first").
/// </summary>
public sealed class BackendProber(WorkerLauncher launcher, string scratchFolder)
{
    /// <summary>Caps tried in order when "auto" finds libtorch's default kernels wrong.</summary>
    public static readonly IReadOnlyList<string> FallbackIsas = ["AVX2", "SSE41"];

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Probes <paramref name="backends"/> with <paramref name="launcher"/>'s workers in a scratch folder of this
    /// process, removed afterwards: the one way every command (backends, verify, doctor) probes outside a sweep.
    /// </summary>
    public static IReadOnlyList<ProbedBackend> ProbeInScratchFolder(WorkerLauncher launcher, IEnumerable<BackendDescriptor> backends,
        Func<string, BackendOptions> options, CancellationToken cancellation)
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"fff-backends-{Environment.ProcessId}");
        try
        {
            return new BackendProber(launcher, scratch).ProbeAll(backends, options, cancellation);
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    public IReadOnlyList<ProbedBackend> ProbeAll(IEnumerable<BackendDescriptor> backends, Func<string, BackendOptions> options, CancellationToken cancellation) =>
        backends.AsParallel().AsOrdered().WithDegreeOfParallelism(2)
            .Select(b => Probe(b, options(b.Name), cancellation))
            .ToList();

    public ProbedBackend Probe(BackendDescriptor backend, BackendOptions options, CancellationToken cancellation)
    {
        if (backend.Engine != InferenceEngine.TorchSharp)
            return new ProbedBackend(backend, RunProbe(backend, options, null, cancellation), null, null);

        string setting = string.IsNullOrWhiteSpace(options.OneDnnMaxIsa) ? "auto" : options.OneDnnMaxIsa.Trim();
        if (setting.Equals("none", StringComparison.OrdinalIgnoreCase))
            return new ProbedBackend(backend, RunProbe(backend, options, null, cancellation), null, null);
        if (!setting.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            var capped = RunProbe(backend, options, setting, cancellation);
            return new ProbedBackend(backend, capped, setting, $"oneDNN capped at {setting} (configured)");
        }

        var uncapped = RunProbe(backend, options, null, cancellation);
        if (uncapped.Available || !uncapped.ComputesWrongly) return new ProbedBackend(backend, uncapped, null, null);
        foreach (var isa in FallbackIsas)
        {
            var capped = RunProbe(backend, options, isa, cancellation);
            if (capped.Available)
                return new ProbedBackend(backend, capped, isa,
                    $"oneDNN capped at {isa} because its default kernels compute wrongly here ({uncapped.Reason}); the baseline runs slower kernels than libtorch would choose");
        }
        return new ProbedBackend(backend, uncapped, null, null);
    }

    private BackendProbe RunProbe(BackendDescriptor backend, BackendOptions options, string? isa, CancellationToken cancellation)
    {
        var request = new CellRequest { Backend = backend.Name, Options = options, OneDnnMaxIsa = isa };
        var call = new WorkerClient(launcher, scratchFolder, scratchFolder)
            .Call<BackendProbe>(WorkerEntry.ProbeMode, request, $"probe-{backend.Name}-{isa ?? "default"}", ProbeTimeout, cancellation);
        if (call.Exit.Succeeded && call.Answer is { } probe) return probe;
        return call.Answer ?? BackendProbe.Unavailable(backend, $"probing failed: {call.Exit.Describe(ProbeTimeout.TotalSeconds)}");
    }
}
