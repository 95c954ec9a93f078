using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Parity;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>What a sweep tells its user as it goes (progress display, logs).</summary>
public interface ISweepObserver
{
    void PreparingModel(ModelGroup group);

    void LaunchStarting(SweepLaunch launch);

    void LaunchFinished(SweepLaunch launch, ResultRow row);

    /// <summary>The cell's row, estimated from all its launches, was written to results.csv.</summary>
    void CellFinished(SweepCell cell, ResultRow row);

    void Note(string message);
}

/// <summary>One launch of a cell: the worker process that measures it in round <paramref name="Round"/> of <paramref name="Rounds"/>.</summary>
public sealed record SweepLaunch(SweepCell Cell, int Round, int Rounds);

/// <summary>What every row of a run shares: its identity, the machine, the backends as probed, and the machine's measured peaks (null when not probed).</summary>
public sealed record SweepContext(string RunId, string Machine, long? L3Bytes, IReadOnlyDictionary<string, ProbedBackend> Backends, MachinePeaks? Peaks = null);

/// <summary>How a sweep ended: whether it was interrupted (then resume measures the rest).</summary>
public sealed record SweepOutcome(bool Interrupted);

/// <summary>Where a sweep's rows go: one line per launch, one per cell, each flushed as written.</summary>
public sealed record SweepOutputs(AppendOnlyCsv<LaunchRow> Launches, ResultsCsvWriter Results);

/// <summary>
/// Runs a plan's cells, each in <see cref="SweepConfiguration.Launches"/> worker processes, and is
/// the only writer of the run's results. The launches are spread over the run in rounds: round r
/// measures every cell once before round r + 1 starts, and within a round the backends of one model
/// (at one thread count) run next to each other, in an order that alternates from round to round,
/// so that a slow drift of the machine touches both sides of a speed-up alike. Each launch's row is
/// appended to launches.csv as soon as its worker ends, whatever the end; a cell's row goes to
/// results.csv once it has all its launches. A worker that crashes or hangs costs its launch only,
/// and a cell whose launch was not measured gets no further launches.
/// </summary>
public sealed class SweepRunner(SweepConfiguration configuration, RunFolder folder, WorkerLauncher launcher, SweepContext context, ISweepObserver observer)
{
    private readonly ResultRowAssembler _rows = new(context, configuration);
    private readonly WorkerClient _workers = new(launcher, Path.Combine(folder.Path, "cells"), folder.LogsFolder);
    private readonly Dictionary<ModelGroup, ModelFileSidecar> _models = [];
    private readonly Dictionary<ModelGroup, ReferenceTracker> _references = [];

    // The core-to-core round trip of the last launch that measured it: a jump to another state is told as it happens.
    private double? _lastCoreLatencyNs;

    // What each TorchSharp cell's first launch chose per convolution shape: later launches reuse it instead of checking again.
    private readonly Dictionary<CellKey, IReadOnlyList<ConvolutionChoice>> _convolutionChoices = [];

    public SweepOutcome Run(SweepPlan plan, SweepLedger ledger, SweepOutputs outputs, CancellationToken cancellation)
    {
        // A run killed between a cell's last launch and its row: the row is estimated now.
        foreach (var group in plan.Groups)
            foreach (var cell in group.Cells.Where(c => !ledger.IsWritten(c.Key) && ledger.IsComplete(c.Key)))
                WriteCell(cell, ledger, outputs);

        // Every model is exported before the first launch, and the parent's heap collected: neither the
        // export's CPU work nor a background collection after it may overlap a timed launch.
        foreach (var group in plan.Groups.Where(g => g.Cells.Any(c => !ledger.IsWritten(c.Key) && !ledger.IsComplete(c.Key))))
        {
            if (cancellation.IsCancellationRequested) return new SweepOutcome(Interrupted: true);
            Model(group);
        }
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();

        for (int round = 1; round <= ledger.LaunchesPerCell; round++)
        {
            foreach (var group in plan.Groups)
            {
                var pending = InRoundOrder(group, round)
                    .Where(c => !ledger.IsWritten(c.Key) && !ledger.IsComplete(c.Key) && !ledger.HasLaunch(c.Key, round))
                    .ToList();
                if (pending.Count == 0) continue;
                if (cancellation.IsCancellationRequested) return new SweepOutcome(Interrupted: true);

                var model = Model(group);
                var reference = Reference(group);
                foreach (var cell in pending)
                {
                    if (cancellation.IsCancellationRequested) return new SweepOutcome(Interrupted: true);
                    var launch = new SweepLaunch(cell, round, ledger.LaunchesPerCell);
                    observer.LaunchStarting(launch);
                    var row = MeasureLaunch(launch, model, reference, cancellation);
                    if (row is null) return new SweepOutcome(Interrupted: true);
                    outputs.Launches.Append(row);
                    ledger.Record(row);
                    observer.LaunchFinished(launch, row.Measurement);
                    NoteMachineState(launch, row.Measurement);
                    if (ledger.IsComplete(cell.Key)) WriteCell(cell, ledger, outputs);
                }
            }
        }
        return new SweepOutcome(Interrupted: false);
    }

    /// <summary>
    /// Tells the observer when a launch's core-to-core round trip belongs to another machine state than the
    /// launch before, and when it changed while the launch ran (that launch is then set aside, <see cref="LaunchSelection"/>).
    /// </summary>
    private void NoteMachineState(SweepLaunch launch, ResultRow measured)
    {
        if (measured.CoreLatencyNs is not > 0) return;
        double before = measured.CoreLatencyNs.Value;
        string where = $"{launch.Cell.Model.Id} on {launch.Cell.Backend.Name} in round {launch.Round}";
        const string Why = "(a virtual machine's host moved its CPUs); multi-threaded cells are estimated, paired and compared within one state (docs/benchmarks.md, \"Machine states\")";
        if (_lastCoreLatencyNs is { } last && CoreLatencyStates.ChangedDuring(last, before))
            observer.Note($"the machine state changed before {where}: core-to-core round trip {CoreLatencyStates.Name(last)} → {CoreLatencyStates.Name(before)} {Why}");
        if (CoreLatencyStates.ChangedDuring(before, measured.CoreLatencyAfterNs))
            observer.Note($"the machine state changed during {where}: core-to-core round trip {CoreLatencyStates.Name(before)} → "
                + $"{CoreLatencyStates.Name(measured.CoreLatencyAfterNs!.Value)}{(CoreLatencyStates.Matters(launch.Cell.Threads) ? "; the cell's steady launches are used without it" : "")} {Why}");
        _lastCoreLatencyNs = measured.CoreLatencyAfterNs is > 0 ? measured.CoreLatencyAfterNs : before;
    }

    /// <summary>
    /// The group's cells in the order round <paramref name="round"/> measures them: by thread count,
    /// and at each thread count the backends next to each other, in the plan's order (the parity
    /// reference first) in odd rounds and reversed in even ones.
    /// </summary>
    public static IEnumerable<SweepCell> InRoundOrder(ModelGroup group, int round) =>
        group.Cells.GroupBy(c => c.Threads).OrderBy(g => g.Key)
            .SelectMany(g => round % 2 == 1 ? g : g.Reverse());

    private void WriteCell(SweepCell cell, SweepLedger ledger, SweepOutputs outputs)
    {
        var row = ResultRowAssembler.Cell([.. ledger.LaunchesOf(cell.Key).Select(l => l.Measurement)]);
        outputs.Results.Append(row);
        ledger.Written(cell.Key);
        observer.CellFinished(cell, row);
    }

    private ModelFileSidecar Model(ModelGroup group)
    {
        if (!_models.TryGetValue(group, out var model))
        {
            observer.PreparingModel(group);
            _models[group] = model = PrepareModel(group);
        }
        return model;
    }

    private ReferenceTracker Reference(ModelGroup group)
    {
        if (!_references.TryGetValue(group, out var reference))
        {
            _references[group] = reference = new ReferenceTracker(ReferenceOutput.ValuesPath(folder.ReferencesFolder, group.Name), group.Reference);
            if (group.Reference != configuration.Parity.Reference && !reference.Exists)
                observer.Note($"{group.Model.Id}: its reference output comes from {group.Reference}; {configuration.Parity.Reference} cannot run a model without a network description");
        }
        return reference;
    }

    /// <summary>Exports the group's ONNX file, or reuses the one an interrupted run already wrote.</summary>
    private ModelFileSidecar PrepareModel(ModelGroup group)
    {
        // A user's ONNX file is measured itself, never a re-export.
        if (group.Model.SourceFile is { } source && OnnxUserModel.Names(source)) return ModelFile.Describe(group.Model, configuration.Seed);
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

    /// <returns>The launch's row, or null when the sweep was interrupted during it (no row: resume runs it again).</returns>
    private LaunchRow? MeasureLaunch(SweepLaunch launch, ModelFileSidecar model, ReferenceTracker reference, CancellationToken cancellation)
    {
        var cell = launch.Cell;
        bool writesReference = false;
        if (!reference.Exists)
        {
            if (cell.Backend.Name == reference.Preferred && !reference.HasFailed(cell.Backend.Name))
                writesReference = true;
            else if (!ComputeReference(cell, model, reference, cancellation))
                return cancellation.IsCancellationRequested ? null : new LaunchRow
                {
                    Round = launch.Round,
                    Launch = launch.Round,
                    Measurement = _rows.Launch(cell, model, CellMeasurement.NotMeasured(CellStatus.Failed,
                        $"no reference output could be computed to check this backend against ({reference.Failures})"), null),
                };
        }

        string stem = CellFileStem(cell) + (configuration.Launches > 1 ? $"_l{launch.Round}" : "");
        string? samplesPath = configuration.KeepSamples ? Path.Combine(folder.SamplesFolder, stem + ".csv") : null;
        var (measured, exit) = RunWorker(cell, model, reference.Path, writesReference, referenceOnly: false, stem, samplesPath, cancellation,
            selfCheck: launch.Round == 1, _convolutionChoices.GetValueOrDefault(cell.Key));
        if (exit.Cancelled) return null;
        if (measured.ConvolutionChoices is { } choices) _convolutionChoices.TryAdd(cell.Key, choices);
        if (writesReference && !reference.Exists) reference.Failed(cell.Backend.Name, measured.Error.Length > 0 ? measured.Error : measured.Status.ToColumn());
        var row = _rows.Launch(cell, model, measured, samplesPath is null ? null : Path.GetRelativePath(folder.Path, samplesPath));
        // The machine's state again, now that the worker and its engine threads are gone: a change since the
        // worker's own probe happened while the launch ran.
        if (measured.CoreLatencyNs is > 0) row.CoreLatencyAfterNs = CoreLatencyProbe.Measure(out _)?.RoundTripNs;
        return new LaunchRow
        {
            Round = launch.Round,
            Launch = launch.Round,
            WorkerPid = exit.ProcessId > 0 ? exit.ProcessId : null,
            SetupMs = measured.SetupMs,
            StartupMs = measured.StartupMs,
            ProbeMs = measured.ProbeMs,
            WorkerWallMs = exit.WallMs,
            Measurement = row,
        };
    }

    /// <summary>Runs reference-only workers, the group's reference backend first, until one writes the reference.</summary>
    private bool ComputeReference(SweepCell cell, ModelFileSidecar model, ReferenceTracker reference, CancellationToken cancellation)
    {
        var candidates = configuration.ReferenceCandidates(cell.Model).Select(b => b.Name)
            .Where(name => context.Backends.TryGetValue(name, out var probed) && probed.Available && !reference.HasFailed(name));
        foreach (var name in candidates)
        {
            var referenceCell = cell with { Backend = BackendCatalog.Get(name), Threads = configuration.Threads.Min() };
            var (measured, exit) = RunWorker(referenceCell, model, reference.Path, writesReference: true, referenceOnly: true,
                CellFileStem(referenceCell) + ".reference", samplesPath: null, cancellation);
            if (exit.Cancelled) return false;
            if (reference.Exists)
            {
                if (name != reference.Preferred)
                    observer.Note($"{cell.Model.Id}: reference output computed by {name} ({reference.Preferred} could not: {reference.Failures})");
                return true;
            }
            reference.Failed(name, measured.Error.Length > 0 ? measured.Error : measured.Status.ToColumn());
        }
        return false;
    }

    private (CellMeasurement Measured, WorkerExit Exit) RunWorker(SweepCell cell, ModelFileSidecar model, string referencePath, bool writesReference,
        bool referenceOnly, string stem, string? samplesPath, CancellationToken cancellation, bool selfCheck = true,
        IReadOnlyList<ConvolutionChoice>? convolutionChoices = null)
    {
        var request = new CellRequest
        {
            Model = cell.Model.ResolvableId,
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
            SelfCheck = selfCheck,
            ConvolutionChoices = convolutionChoices,
            OneDnnMaxIsa = context.Backends.TryGetValue(cell.Backend.Name, out var probed) ? probed.OneDnnMaxIsa : null,
        };
        var call = _workers.Call<CellMeasurement>(WorkerEntry.CellMode, request, stem, TimeSpan.FromSeconds(configuration.CellTimeoutSeconds),
            cancellation, WorkerEnvironment(configuration));
        var exit = call.Exit;
        if (call.Answer is { } measured)
        {
            if (!exit.Succeeded && !exit.Cancelled)
                measured.Error = string.Join("; ", new[] { measured.Error, $"after answering, the {exit.Describe(configuration.CellTimeoutSeconds)}" }.Where(e => e.Length > 0));
            return (measured, exit);
        }
        return (CellMeasurement.NotMeasured(exit.TimedOut ? CellStatus.Timeout : CellStatus.Crashed, exit.Describe(configuration.CellTimeoutSeconds)), exit);
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

    private static string CellFileStem(SweepCell cell) => Path.GetFileNameWithoutExtension(LatencySamples.FileNameFor(cell.Key));

    /// <summary>Where a group's reference output is, which backend should make it, and which backends failed to produce it (and why).</summary>
    private sealed class ReferenceTracker(string path, string preferred)
    {
        private readonly Dictionary<string, string> _failures = [];

        public string Path { get; } = path;

        public string Preferred { get; } = preferred;

        public bool Exists => File.Exists(Path) && File.Exists(System.IO.Path.ChangeExtension(Path, ".json"));

        public bool HasFailed(string backend) => _failures.ContainsKey(backend);

        public void Failed(string backend, string reason) => _failures[backend] = reason;

        public string Failures => _failures.Count == 0
            ? "no available backend can compute it"
            : string.Join("; ", _failures.Select(f => $"{f.Key}: {f.Value}"));
    }
}
