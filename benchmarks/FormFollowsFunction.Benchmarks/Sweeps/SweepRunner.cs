using System.Globalization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Parity;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>What a sweep tells its user as it goes (progress display, logs).</summary>
public interface ISweepObserver
{
    void PreparingModel(ModelGroup group);

    void CellStarting(SweepCell cell);

    void CellFinished(SweepCell cell, ResultRow row);

    void Note(string message);
}

/// <summary>What every row of a run shares: its identity, the machine, and the backends as probed.</summary>
public sealed record SweepContext(string RunId, string Machine, long? L3Bytes, IReadOnlyDictionary<string, ProbedBackend> Backends);

/// <summary>How a sweep ended: whether it was interrupted (then resume measures the rest).</summary>
public sealed record SweepOutcome(bool Interrupted);

/// <summary>
/// Runs a plan's cells one at a time, each in a worker process of its own, and is the only writer
/// of the run's results: a row is appended (and flushed) as soon as its cell ends, whatever the end —
/// measured, mismatched, failed, crashed or timed out. A worker that crashes or hangs costs its cell only.
/// </summary>
public sealed class SweepRunner(SweepConfiguration configuration, RunFolder folder, WorkerLauncher launcher, SweepContext context, ISweepObserver observer)
{
    private string ParentId { get; } = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public SweepOutcome Run(SweepPlan plan, IReadOnlySet<CellKey> finished, ResultsCsvWriter results, CancellationToken cancellation)
    {
        foreach (var group in plan.Groups)
        {
            var pending = group.Cells.Where(c => !finished.Contains(c.Key)).ToList();
            if (pending.Count == 0) continue;
            if (cancellation.IsCancellationRequested) return new SweepOutcome(Interrupted: true);

            observer.PreparingModel(group);
            var model = PrepareModel(group);
            var reference = new ReferenceTracker(ReferenceOutput.ValuesPath(folder.ReferencesFolder, group.Name));
            foreach (var cell in pending)
            {
                if (cancellation.IsCancellationRequested) return new SweepOutcome(Interrupted: true);
                observer.CellStarting(cell);
                var row = MeasureCell(cell, model, reference, cancellation);
                if (row is null) return new SweepOutcome(Interrupted: true);
                Complete(row, cell, model);
                results.Append(row);
                observer.CellFinished(cell, row);
            }
        }
        return new SweepOutcome(Interrupted: false);
    }

    /// <summary>Exports the group's ONNX file, or reuses the one an interrupted run already wrote.</summary>
    private ModelFileSidecar PrepareModel(ModelGroup group)
    {
        string sidecarPath = Path.Combine(folder.ModelsFolder, group.Name + ".json");
        string onnxPath = Path.Combine(folder.ModelsFolder, group.Name + ".onnx");
        if (File.Exists(sidecarPath) && File.Exists(onnxPath))
        {
            var existing = ModelFileSidecar.Read(sidecarPath);
            if (existing.Seed == configuration.Seed && existing.Model == group.Model.Id && new FileInfo(onnxPath).Length == existing.FileBytes)
                return existing;
        }
        return ModelFile.Export(group.Model, new InputSpec(group.Resolution, group.Batch), configuration.Seed, folder.ModelsFolder, group.Name).Sidecar;
    }

    /// <returns>The cell's row, or null when the sweep was interrupted during the cell (no row: resume runs it again).</returns>
    private ResultRow? MeasureCell(SweepCell cell, ModelFileSidecar model, ReferenceTracker reference, CancellationToken cancellation)
    {
        bool writesReference = false;
        if (!reference.Exists)
        {
            if (cell.Backend.Name == configuration.Parity.Reference && !reference.HasFailed(cell.Backend.Name))
                writesReference = true;
            else if (!ComputeReference(cell, model, reference, cancellation))
                return cancellation.IsCancellationRequested ? null : FailedRow(cell,
                    $"no reference output could be computed to check this backend against ({reference.Failures})");
        }

        var (row, exit) = RunWorker(cell, model, reference.Path, writesReference, referenceOnly: false, cancellation);
        if (exit.Cancelled) return null;
        if (writesReference && !reference.Exists) reference.Failed(cell.Backend.Name, row.Error.Length > 0 ? row.Error : row.Status);
        return row;
    }

    /// <summary>Runs reference-only workers, the configured reference backend first, until one writes the reference.</summary>
    private bool ComputeReference(SweepCell cell, ModelFileSidecar model, ReferenceTracker reference, CancellationToken cancellation)
    {
        var candidates = new[] { configuration.Parity.Reference, BackendCatalog.TorchCpu.Name, BackendCatalog.OrtCpu.Name }
            .Distinct()
            .Where(name => context.Backends.TryGetValue(name, out var probed) && probed.Available && !reference.HasFailed(name));
        foreach (var name in candidates)
        {
            var referenceCell = cell with { Backend = BackendCatalog.Get(name), Threads = configuration.Threads.Min() };
            var (row, exit) = RunWorker(referenceCell, model, reference.Path, writesReference: true, referenceOnly: true, cancellation);
            if (exit.Cancelled) return false;
            if (reference.Exists)
            {
                if (name != configuration.Parity.Reference)
                    observer.Note($"{cell.Model.Id}: reference output computed by {name} ({configuration.Parity.Reference} could not: {reference.Failures})");
                return true;
            }
            reference.Failed(name, row.Error.Length > 0 ? row.Error : row.Status);
        }
        return false;
    }

    private (ResultRow Row, WorkerExit Exit) RunWorker(SweepCell cell, ModelFileSidecar model, string referencePath, bool writesReference, bool referenceOnly, CancellationToken cancellation)
    {
        string stem = CellFileStem(cell) + (referenceOnly ? ".reference" : "");
        string cellsFolder = Path.Combine(folder.Path, "cells");
        Directory.CreateDirectory(cellsFolder);
        string requestPath = Path.Combine(cellsFolder, stem + ".request.json");
        string responsePath = Path.Combine(cellsFolder, stem + ".response.json");
        string? samplesPath = configuration.KeepSamples && !referenceOnly
            ? Path.Combine(folder.SamplesFolder, LatencySamples.FileNameFor(cell.Key))
            : null;
        var request = new CellRequest
        {
            Model = cell.Model.Id,
            Batch = cell.Batch,
            Resolution = cell.Resolution,
            Backend = cell.Backend.Name,
            Threads = cell.Threads,
            Seed = configuration.Seed,
            OnnxPath = Path.Combine(folder.ModelsFolder, model.OnnxFile),
            ReferencePath = referencePath,
            WritesReference = writesReference,
            ReferenceOnly = referenceOnly,
            ParityTolerance = configuration.Parity.Tolerance,
            Timing = configuration.Timing,
            Counters = [.. CounterSelection.Resolve(configuration.Counters).Select(e => e.Spec)],
            SamplesPath = samplesPath,
            Pin = configuration.Pin,
            Options = configuration.OptionsFor(cell.Backend.Name),
            OneDnnMaxIsa = context.Backends.TryGetValue(cell.Backend.Name, out var probed) ? probed.OneDnnMaxIsa : null,
        };
        request.Write(requestPath);
        File.Delete(responsePath);

        var exit = launcher.Run(["worker", WorkerEntry.CellMode, requestPath, responsePath, "--parent", ParentId],
            Path.Combine(folder.LogsFolder, stem + ".log"), TimeSpan.FromSeconds(configuration.CellTimeoutSeconds), cancellation,
            WorkerEnvironment(configuration));
        ResultRow row;
        if (File.Exists(responsePath))
        {
            // The answer is written whole before the worker exits; a worker that dies afterwards (in a
            // native library's teardown, say) has still measured its cell.
            row = CellResponse.Read(responsePath).Row;
            if (!exit.Succeeded && !exit.Cancelled)
                row.Error = string.Join("; ", new[] { row.Error, $"after answering, the {exit.Describe(configuration.CellTimeoutSeconds)}" }.Where(e => e.Length > 0));
        }
        else
        {
            row = FailedRow(cell, exit.Describe(configuration.CellTimeoutSeconds));
            row.Status = (exit.TimedOut ? CellStatus.Timeout : CellStatus.Crashed).ToColumn();
        }
        File.Delete(requestPath);
        File.Delete(responsePath);
        if (samplesPath is not null && File.Exists(samplesPath))
            row.SamplesFile = Path.GetRelativePath(folder.Path, samplesPath);
        return (row, exit);
    }

    /// <summary>The malloc tunables workers run with: the environment's own GLIBC_TUNABLES if set, else the configuration's.</summary>
    public static IReadOnlyDictionary<string, string> WorkerEnvironment(SweepConfiguration configuration) =>
        Environment.GetEnvironmentVariable(GlibcTunables) is { Length: > 0 } || configuration.MallocTunables.Length == 0
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { [GlibcTunables] = configuration.MallocTunables };

    /// <summary>What the workers' allocator settings are, in words, for the manifest.</summary>
    public static string DescribeAllocator(SweepConfiguration configuration) =>
        Environment.GetEnvironmentVariable(GlibcTunables) is { Length: > 0 } own
            ? $"workers run with the environment's GLIBC_TUNABLES={own}"
            : configuration.MallocTunables.Length == 0
                ? "workers run with glibc's default malloc settings"
                : $"workers run with GLIBC_TUNABLES={configuration.MallocTunables} (freed buffers up to 32 MiB stay in the heap, so no engine re-faults its memory every inference)";

    private const string GlibcTunables = "GLIBC_TUNABLES";

    private static ResultRow FailedRow(SweepCell cell, string error) => new()
    {
        Model = cell.Model.Id,
        Backend = cell.Backend.Name,
        Threads = cell.Threads,
        Batch = cell.Batch,
        Resolution = cell.Resolution,
        Status = CellStatus.Failed.ToColumn(),
        Error = error,
        CountersStatus = "none: the cell was not measured",
    };

    /// <summary>Adds what the parent knows: run, machine, model counts and working-set ratios.</summary>
    private void Complete(ResultRow row, SweepCell cell, ModelFileSidecar model)
    {
        row.RunId = context.RunId;
        row.TimestampUtc = DateTime.UtcNow;
        row.Machine = context.Machine;
        row.Pattern = cell.Model.Family;
        row.Depth = cell.Model.Depth;
        row.Width = cell.Model.Width;
        row.Params = model.Params;
        row.Macs = model.Macs;
        row.Flops = model.Flops;
        row.WeightBytes = model.WeightBytes;
        row.ActivationBytes = model.ActivationBytes;
        row.PeakActivationBytes = model.PeakActivationBytes;
        row.OnnxSha256 = model.Sha256;
        if (context.Backends.TryGetValue(cell.Backend.Name, out var probed))
        {
            if (row.BackendVersion.Length == 0) row.BackendVersion = probed.Probe.Version;
            if (row.Device.Length == 0) row.Device = probed.Probe.Device;
        }
        if (row.IoBoundary.Length == 0) row.IoBoundary = DeviceSettings.Resolve(cell.Backend, configuration.OptionsFor(cell.Backend.Name)).BoundaryColumn;
        if (row.GraphOptimization.Length == 0 && cell.Backend.UsesOnnxRuntime)
            row.GraphOptimization = GraphOptimizationNames.Parse(configuration.OptionsFor(cell.Backend.Name).GraphOptimization).ToColumn();
        if (context.L3Bytes is long l3 && l3 > 0)
        {
            row.L3Bytes = l3;
            row.WeightL3Ratio = (double)model.WeightBytes / l3;
            row.ActivationL3Ratio = (double)model.PeakActivationBytes / l3;
        }
    }

    private static string CellFileStem(SweepCell cell) => Path.GetFileNameWithoutExtension(LatencySamples.FileNameFor(cell.Key));

    /// <summary>Where a group's reference output is, and which backends failed to produce it (and why).</summary>
    private sealed class ReferenceTracker(string path)
    {
        private readonly Dictionary<string, string> _failures = [];

        public string Path { get; } = path;

        public bool Exists => File.Exists(Path) && File.Exists(System.IO.Path.ChangeExtension(Path, ".json"));

        public bool HasFailed(string backend) => _failures.ContainsKey(backend);

        public void Failed(string backend, string reason) => _failures[backend] = reason;

        public string Failures => _failures.Count == 0
            ? "no available backend can compute it"
            : string.Join("; ", _failures.Select(f => $"{f.Key}: {f.Value}"));
    }
}
