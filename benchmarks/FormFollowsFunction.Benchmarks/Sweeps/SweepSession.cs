using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Profiling;
using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Hardware.Roofline;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// One run of a sweep from start to end: the configuration checked, the backends probed, the run
/// folder and its manifest created (or an interrupted run's reopened), the plan, then the cells.
/// Everything that can be wrong with the input is found before the run folder is created.
/// </summary>
public sealed class SweepSession
{
    private readonly WorkerLauncher _launcher;

    private SweepSession(SweepConfiguration configuration, RunFolder folder, RunManifest manifest, IReadOnlyList<ProbedBackend> backends,
        SweepPlan plan, SweepLedger ledger, bool isResume, WorkerLauncher launcher)
    {
        Configuration = configuration;
        Folder = folder;
        Manifest = manifest;
        Backends = backends;
        Plan = plan;
        Ledger = ledger;
        IsResume = isResume;
        _launcher = launcher;
    }

    public SweepConfiguration Configuration { get; }
    public RunFolder Folder { get; }
    public RunManifest Manifest { get; private set; }
    public IReadOnlyList<ProbedBackend> Backends { get; }
    public SweepPlan Plan { get; }

    /// <summary>What an interrupted run already measured (launches, and cells with their row); none of it is measured again.</summary>
    public SweepLedger Ledger { get; }

    public bool IsResume { get; }

    /// <summary>
    /// Checks <paramref name="configuration"/>, probes its backends and creates the run folder:
    /// <paramref name="runFolder"/> when given (it must be new or empty), else a new folder named
    /// after the time and machine under <paramref name="resultsRoot"/>. With <paramref name="shard"/>, only
    /// that shard's part of the whole plan is measured, and the manifest records the shard and the plan.
    /// </summary>
    public static SweepSession Start(SweepConfiguration configuration, string? runFolder, string resultsRoot, string commandLine, ModelCatalog catalog,
        WorkerLauncher launcher, Action<string> status, CancellationToken cancellation, SweepShard? shard = null)
    {
        if (runFolder is not null && Directory.Exists(runFolder) && Directory.EnumerateFileSystemEntries(runFolder).Any())
            throw new SweepConfigurationException(
                $"--out '{Path.GetFullPath(runFolder)}' already exists and is not empty; continue that run with --resume, or choose a new folder");
        var machine = MachineInspector.Inspect();
        catalog = catalog.WithModelsFolder(configuration.ModelsDir);
        var resolved = SweepConfigurationValidator.Resolve(configuration, catalog, machine.PhysicalCores);
        CounterSelection.Resolve(resolved.Counters);
        var part = shard?.Assign(SweepPlan.Whole(resolved, catalog));

        string runId = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{SafeName(machine.Hostname)}";
        var folder = new RunFolder(runFolder ?? UniqueFolder(resultsRoot, runId));
        bool created = !Directory.Exists(folder.Path);
        EnsureWritable(folder.Path);
        IReadOnlyList<ProbedBackend> backends;
        MachinePeaks? peaks;
        string? peaksNote;
        try
        {
            status("probing backends...");
            backends = Probe(resolved, catalog, launcher, cancellation);
            RequireSomeBackend(resolved, backends);
            (peaks, peaksNote) = ProbePeaks(machine, resolved.Threads, status);
            cancellation.ThrowIfCancellationRequested();
        }
        catch
        {
            // Nothing was measured: leave no empty run folder behind.
            if (created && !Directory.EnumerateFileSystemEntries(folder.Path).Any()) Directory.Delete(folder.Path);
            throw;
        }

        var manifest = new RunManifest
        {
            RunId = Path.GetFileName(folder.Path),
            CreatedUtc = DateTime.UtcNow,
            ToolVersion = typeof(SweepSession).Assembly.GetName().Version?.ToString(3) ?? "",
            GitCommit = SourceTree.Commit(),
            CommandLine = commandLine,
            Machine = machine,
            MachinePeaks = peaks,
            Versions = new Dictionary<string, string>(Versions(backends)) { ["worker_allocator"] = SweepRunner.DescribeAllocator(resolved) },
            Backends = backends.ToDictionary(b => b.Descriptor.Name, b => b.Summary),
            Notes = [.. backends.Where(b => b.Available && b.Note is not null).Select(b => $"{b.Descriptor.Name}: {b.Note}"), .. peaksNote is null ? [] : new[] { peaksNote }],
            Methods = new Dictionary<string, string>
            {
                ["percentiles"] = LatencyStatistics.PercentileDefinition,
                ["median_ci"] = LatencyStatistics.MedianIntervalMethod,
                ["stddev"] = "sample standard deviation (n - 1)",
                ["latency"] = "wall-clock milliseconds per inference (one call on one batch), each measured iteration timed alone",
                ["parity"] = $"relative L2 error against the reference output, tolerance {resolved.Parity.Tolerance:0.0##e0}",
                ["speedup"] = "baseline median latency / backend median latency, same model, batch, resolution and threads; 95% interval from the round-by-round pairs of their launches (Student t on the log ratios) when there are two or more",
                ["launches"] = $"each cell measured in {resolved.Launches} worker process(es), one per round; cell estimate: {LaunchEstimate.Method}",
                ["roofline"] = RooflineMethod,
            },
            Configuration = ToJson(resolved),
            Shard = part,
        };
        folder.WriteManifest(manifest);
        var plan = Restrict(SweepPlan.Create(resolved, catalog, Configured(resolved, backends)), part);
        return new SweepSession(resolved, folder, manifest, backends, plan, new SweepLedger(resolved.Launches), isResume: false, launcher);
    }

    /// <summary>
    /// Reopens an interrupted run: its stored configuration is used (a <paramref name="layer"/> of flags
    /// and <c>--set</c> values that would change it is refused; one that repeats it, or none, is
    /// accepted), finished cells are skipped, and a row torn by a kill is dropped. A shard stays the
    /// shard it was (a <paramref name="shard"/> given must be that one).
    /// </summary>
    public static SweepSession Resume(string path, JsonObject? layer, string commandLine, ModelCatalog catalog, WorkerLauncher launcher,
        Action<string> status, CancellationToken cancellation, SweepShard? shard = null)
    {
        var folder = new RunFolder(path);
        if (!Directory.Exists(folder.Path)) throw new SweepConfigurationException($"--resume: '{folder.Path}' does not exist");
        var manifest = folder.ReadManifest();
        if (shard is not null && (manifest.Shard is null || manifest.Shard.Index != shard.Index || manifest.Shard.Count != shard.Count))
            throw new SweepConfigurationException(
                $"--resume: the run in '{folder.Path}' is {(manifest.Shard is { } was ? $"shard {was.Index}/{was.Count}" : "not a shard")}, not shard {shard}; resume it without --shard");
        var stored = FromJson(manifest.Configuration, folder.ManifestFile);
        var machine = MachineInspector.Inspect();
        if (layer is { Count: > 0 })
        {
            var resolved = SweepConfigurationValidator.Resolve(SweepConfigurationLayers.Build(ToJson(stored), [layer]), catalog, machine.PhysicalCores);
            var differences = Differences(ToJson(stored), ToJson(resolved));
            if (differences.Count > 0)
                throw new SweepConfigurationException(
                    $"--resume: the run in '{folder.Path}' was configured differently ({string.Join(", ", differences)}); resume it without sweep options, or start a new run");
        }
        var machineDifferences = manifest.Machine.DifferencesFrom(machine);
        if (machineDifferences.Count > 0)
            throw new SweepConfigurationException(
                $"--resume: '{folder.Path}' was measured on another machine ({string.Join("; ", machineDifferences)}); timings from two machines must not share a run");
        EnsureWritable(folder.Path);

        if (File.Exists(folder.ResultsFile)) ResultsCsvWriter.RepairTornLine(folder.ResultsFile);
        if (File.Exists(folder.LaunchesFile)) ResultsCsvWriter.RepairTornLine(folder.LaunchesFile);
        var ledger = SweepLedger.Read(folder, stored.Launches);
        status("probing backends...");
        var backends = Probe(stored, catalog, launcher, cancellation);
        var plan = Restrict(SweepPlan.Create(stored, catalog, Configured(stored, backends)), manifest.Shard);
        var resumed = manifest with
        {
            Resumptions = [.. manifest.Resumptions, new RunResumption(DateTime.UtcNow, SourceTree.Commit(), commandLine,
                backends.ToDictionary(b => b.Descriptor.Name, b => b.Summary))],
        };
        folder.WriteManifest(resumed);
        manifest = resumed;
        return new SweepSession(stored, folder, manifest, backends, plan, ledger, isResume: true, launcher);
    }

    public SweepOutcome Run(ISweepObserver observer, CancellationToken cancellation)
    {
        var context = new SweepContext(Manifest.RunId, Manifest.Machine.Hostname, Manifest.Machine.LastLevelCacheBytes,
            Backends.ToDictionary(b => b.Descriptor.Name), Manifest.MachinePeaks);
        var runner = new SweepRunner(Configuration, Folder, _launcher, context, observer);
        SweepOutcome outcome;
        using (var launches = new AppendOnlyCsv<LaunchRow>(Folder.LaunchesFile))
        using (var results = new ResultsCsvWriter(Folder.ResultsFile))
            outcome = runner.Run(Plan, Ledger, new SweepOutputs(launches, results), cancellation);
        if (!outcome.Interrupted && Configuration.Profile) outcome = ProfileLayers(observer, cancellation);
        if (!outcome.Interrupted)
        {
            Manifest = Manifest with { FinishedUtc = DateTime.UtcNow, ConvolutionVariants = ConvolutionVariantsOf(Folder.ResultsFile) };
            Folder.WriteManifest(Manifest);
        }
        string cells = Path.Combine(Folder.Path, "cells");
        if (Directory.Exists(cells) && !Directory.EnumerateFileSystemEntries(cells).Any()) Directory.Delete(cells);
        return outcome;
    }

    /// <summary>How the roofline columns are computed, for the manifest's methods.</summary>
    public const string RooflineMethod =
        "achieved_gflops = flops / median; arithmetic_intensity = flops / (weight_bytes + activation_bytes); peak_gflops and peak_bandwidth_gbs: "
        + "the machine's float32 FMA peak and STREAM-triad bandwidth (3 x 4 bytes x n per pass) at the cell's thread count, best of the probe's tries (machine_peaks); "
        + "roofline_fraction = achieved_gflops / min(peak_gflops, arithmetic_intensity x peak_bandwidth_gbs)";

    /// <summary>
    /// The machine's peaks at the run's thread counts, from the per-user cache or probed now. The probe
    /// runs here, in the parent, before the first worker starts: no timed launch can overlap it, and its
    /// managed loops need none of the native libraries a worker loads. A failed probe does not stop the
    /// run: its rows get empty peak columns, and the note says why.
    /// </summary>
    private static (MachinePeaks? Peaks, string? Note) ProbePeaks(MachineFingerprint machine, IReadOnlyList<int> threads, Action<string> status)
    {
        status("measuring the machine's FMA peak and memory bandwidth (cached per machine)...");
        try
        {
            var cached = MachinePeaksCache.ForThisMachine(machine, threads);
            return (cached.Peaks, cached.CacheProblem is { } problem ? $"machine peaks: {problem}" : null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, $"machine peaks: the roofline probe failed ({e.GetType().Name}: {e.Message}); peak_gflops, peak_bandwidth_gbs and roofline_fraction are empty");
        }
    }

    /// <summary>The per-layer pass of <c>profile: true</c>: every measured torch-cpu and ort-cpu cell, after all timed launches.</summary>
    private SweepOutcome ProfileLayers(ISweepObserver observer, CancellationToken cancellation)
    {
        var available = Measured.Where(b => b.Available).ToDictionary(b => b.Descriptor.Name);
        // Per-layer times are attributed to the layers of the network description: a model without one has none.
        foreach (var model in Plan.Groups.Select(g => g.Model).Where(m => !m.HasDescription).DistinctBy(m => m.Id))
            observer.Note($"{model.Id}: no per-layer profile, as it has no network description");
        var cells = Plan.Groups.SelectMany(g => g.Cells)
            .Where(c => c.Model.HasDescription && LayerProfiler.Supports(c.Backend) && available.ContainsKey(c.Backend.Name))
            .Select(c => new ProfileCell(c.Model.Id, c.Backend, c.Threads, c.Batch, c.Resolution, c.Model.ResolvableId))
            .ToList();
        var settings = new ProfileSettings(Configuration.Seed, ProfileSettings.DefaultIterations, TimeSpan.FromSeconds(Configuration.CellTimeoutSeconds),
            Configuration.OptionsFor, available.ToDictionary(b => b.Key, b => b.Value.OneDnnMaxIsa), SweepRunner.WorkerEnvironment(Configuration));
        new LayerProfileRunner(_launcher, Folder.LayersFile, Folder.LogsFolder, settings, observer.Note).Run(cells, cancellation);
        return new SweepOutcome(Interrupted: cancellation.IsCancellationRequested);
    }

    /// <summary>The cells whose <c>device</c> column names per-shape convolution variants (see <see cref="Backends.Torch.TorchBackend.PlanConvolutions"/>).</summary>
    private static IReadOnlyDictionary<string, string> ConvolutionVariantsOf(string resultsFile)
    {
        const string Marker = "per-shape convolutions: ";
        var variants = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(resultsFile)) return variants;
        foreach (var row in ResultsCsv.Read(resultsFile))
            if (row.Device.IndexOf(Marker, StringComparison.Ordinal) is int at and >= 0)
                variants[$"{row.Model} {row.Backend} t{row.Threads} b{row.Batch} r{row.Resolution}"] = row.Device[(at + Marker.Length)..];
        return variants;
    }

    /// <summary>
    /// Probes the configured backends and those that may have to compute a reference output of one of the
    /// sweep's models (the parity reference, then torch-cpu and ort-cpu, each where it can run the model)
    /// although they are not measured: a sweep whose models TorchSharp cannot run never loads it.
    /// </summary>
    private static IReadOnlyList<ProbedBackend> Probe(SweepConfiguration configuration, ModelCatalog catalog, WorkerLauncher launcher, CancellationToken cancellation)
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"fff-probe-{Environment.ProcessId}");
        try
        {
            var names = configuration.Backends
                .Concat(configuration.ModelIdentifiers().Distinct().Select(catalog.Resolve).SelectMany(configuration.ReferenceCandidates).Select(b => b.Name))
                .Distinct();
            var probed = new BackendProber(launcher, scratch).ProbeAll(names.Select(BackendCatalog.Get), configuration.OptionsFor, cancellation);
            cancellation.ThrowIfCancellationRequested();
            return probed;
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The probed backends the sweep measures (the others may only compute reference outputs).</summary>
    public IReadOnlyList<ProbedBackend> Measured => [.. Backends.Where(b => Configuration.Backends.Contains(b.Descriptor.Name))];

    /// <summary>Cells of the plan whose row is still to write.</summary>
    public int CellsToRun => Plan.Cells.Count(c => !Ledger.IsWritten(c.Key));

    /// <summary>Launches (worker processes) still to run.</summary>
    public int LaunchesToRun => Ledger.PendingLaunches(Plan.Cells.Select(c => c.Key));

    /// <summary>A shard's part of the plan: the groups the manifest's record of the whole plan gives it.</summary>
    private static SweepPlan Restrict(SweepPlan plan, RunShard? shard) => shard is null ? plan : plan.Only(SweepShard.Owned(shard));

    private static IReadOnlyList<ProbedBackend> Configured(SweepConfiguration configuration, IReadOnlyList<ProbedBackend> backends) =>
        [.. backends.Where(b => configuration.Backends.Contains(b.Descriptor.Name))];

    private static void RequireSomeBackend(SweepConfiguration configuration, IReadOnlyList<ProbedBackend> backends)
    {
        backends = Configured(configuration, backends);
        if (backends.Any(b => b.Available)) return;
        throw new SweepConfigurationException(
            $"none of the backends {string.Join(", ", configuration.Backends)} is available here ({string.Join("; ", backends.Select(b => $"{b.Descriptor.Name}: {b.Probe.Reason}"))}); run 'fff backends'");
    }

    private static IReadOnlyDictionary<string, string> Versions(IReadOnlyList<ProbedBackend> backends)
    {
        var versions = new Dictionary<string, string>
        {
            ["dotnet"] = Environment.Version.ToString(),
            ["os"] = RuntimeInformation.OSDescription,
            ["onnxruntime_managed"] = FormFollowsFunction.Benchmarks.Backends.OnnxRuntime.OrtNativeLibrary.ManagedVersion,
            ["torchsharp"] = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
        };
        foreach (var backend in backends.Where(b => b.Available)) versions[backend.Descriptor.Name] = backend.Probe.Version;
        return versions;
    }

    private static string UniqueFolder(string root, string runId)
    {
        string path = Path.GetFullPath(Path.Combine(root, runId));
        for (int n = 2; Directory.Exists(path); n++) path = Path.GetFullPath(Path.Combine(root, $"{runId}-{n}"));
        return path;
    }

    private static void EnsureWritable(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new SweepConfigurationException($"cannot write the results folder '{folder}' ({e.Message}); choose another with --out");
        }
    }

    private static string SafeName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')) is { Length: > 0 } safe ? safe : "machine";

    internal static JsonObject ToJson(SweepConfiguration configuration) => SweepConfigurationLayers.ToJson(configuration);

    private static SweepConfiguration FromJson(JsonObject json, string origin)
    {
        try
        {
            return json.Deserialize<SweepConfiguration>(RunManifest.JsonOptions)
                   ?? throw new SweepConfigurationException($"{origin} holds no sweep configuration");
        }
        catch (JsonException e)
        {
            throw new SweepConfigurationException($"{origin}: cannot read the stored sweep configuration ({e.Message})");
        }
    }

    private static List<string> Differences(JsonObject stored, JsonObject requested) =>
        stored.Select(p => p.Key).Union(requested.Select(p => p.Key))
            .Where(key => !JsonNode.DeepEquals(stored[key], requested[key]))
            .Select(key => $"{key}: {stored[key]?.ToJsonString() ?? "unset"} then, {requested[key]?.ToJsonString() ?? "unset"} now")
            .ToList();
}
