using System.Diagnostics;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Parity;
using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>
/// Measures one cell inside a worker process, in the stages DESIGN.md prescribes: counters opened
/// first (so the engine's thread pools, created later, inherit them), backend bound to its native
/// library, weights and input drawn, load timed as compile time, first inference timed on its own and
/// checked against the reference, warm-up, then measured iterations with counters enabled around them.
/// </summary>
public sealed class CellRunner(ModelCatalog catalog)
{
    public CellMeasurement Run(CellRequest request)
    {
        var result = new CellMeasurement { StartupMs = SinceProcessStart() };
        WorkerFault.InjectAtStart(request);
        try
        {
            Measure(request, result);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            result.Status = CellStatus.Failed;
            result.Error = $"{e.GetType().Name}: {OneLine(e.Message)}";
        }
        return result;
    }

    private void Measure(CellRequest request, CellMeasurement result)
    {
        var descriptor = BackendCatalog.Get(request.Backend);
        if (request.Pin)
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()) PinToFirstCpus(request.Threads);
            else throw new PlatformNotSupportedException("pinning needs Linux or Windows");
        }

        // The machine's state, before any engine thread exists to compete with the probe's two pinned threads.
        if (!request.ReferenceOnly) result.CoreLatencyNs = CoreLatencyProbe.Measure(out _)?.RoundTripNs;

        var events = request.ReferenceOnly ? [] : request.Counters.Select(CounterEvent.Parse).ToList();
        using var counters = events.Count > 0 ? CounterGroup.Open(events, CounterScope.CallingThreadAndNewThreads) : null;

        var probing = Stopwatch.StartNew();
        var backend = BackendFactory.Create(descriptor, request.Options, request.OneDnnMaxIsa, request.SelfCheck);
        var probe = backend.Probe();
        result.ProbeMs = probing.Elapsed.TotalMilliseconds;
        result.BackendVersion = probe.Version;
        result.Device = probe.Device;
        if (!probe.Available)
        {
            result.Status = CellStatus.Failed;
            result.Error = probe.Reason ?? "backend unavailable";
            return;
        }
        if (backend is Backends.OnnxRuntime.OrtBackend ort) result.GraphOptimization = ort.GraphOptimizationLevel;

        var definition = catalog.Resolve(request.Model);
        if (!descriptor.CanRun(definition)) throw new InvalidOperationException($"{descriptor.Name} cannot run it: {definition.DescriptionProblem}");
        ModelArtifacts artifacts;
        Architectures.Description.Network? network = null;
        if (definition.HasDescription)
        {
            network = definition.Build(new InputSpec(request.Resolution, request.Batch));
            var weights = descriptor.Engine == InferenceEngine.TorchSharp ? definition.Weights(network, request.Seed) : null;
            artifacts = new ModelArtifacts(network, weights, request.OnnxPath, ModelInput.Create(network.InputShape, request.Seed));
        }
        else
        {
            // A user's ONNX file without a description: ONNX Runtime runs the file itself on an input of its shape.
            var shape = OnnxUserModel.InputShapeOf(definition)!;
            artifacts = ModelArtifacts.FileOnly(request.OnnxPath, shape, ModelInput.Create(shape, request.Seed));
        }
        if (backend is Backends.Torch.TorchBackend torch && network is not null)
        {
            // The per-shape convolution self-check, outside the timed load.
            torch.InjectedSelfCheckFailure = WorkerFault.SelfCheckFailure(request, network);
            result.ConvolutionChoices = torch.PlanConvolutions(network, request.Threads, request.ConvolutionChoices).Choices;
        }

        var clock = Stopwatch.StartNew();
        using var model = backend.Load(artifacts, request.Threads);
        result.CompileMs = clock.Elapsed.TotalMilliseconds;
        if (model is IDescribesDevice described) result.Device = described.Device;

        clock.Restart();
        var output = model.RunAndFetchOutput();
        result.FirstMs = clock.Elapsed.TotalMilliseconds;
        WorkerFault.PerturbOutput(request, output);

        if (!CheckOutput(request, result, output)) return;
        if (request.ReferenceOnly) return;

        var engine = new TimingEngine(request.Timing);
        var call = WorkerFault.SlowIfRequested(request, model.Run);
        result.SetupMs = SinceProcessStart();
        engine.Warmup(call);
        counters?.Reset();
        var measurement = engine.Measure(call, counters is null ? null : new CounterRegion(counters));

        result.Statistics = measurement.Statistics;
        result.StopReason = measurement.StopReason;
        if (counters is not null)
            result.Counters = CounterSummary.From(counters.Read(), measurement.SamplesMs.Count, TimeSpan.FromMilliseconds(measurement.MeasuredMs)).Figures;
        else
            result.CountersStatus = "none: counters not requested";
        if (request.SamplesPath is { } samplesPath)
        {
            LatencySamples.Write(samplesPath, measurement.SamplesMs);
            result.SamplesWritten = true;
        }
    }

    /// <summary>Milliseconds since this process started (runtime start-up included), as the kernel recorded the start.</summary>
    private static double SinceProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        return (DateTime.Now - self.StartTime).TotalMilliseconds;
    }

    /// <summary>Writes or checks the reference; returns false when the cell cannot go on to timing.</summary>
    private static bool CheckOutput(CellRequest request, CellMeasurement result, float[] output)
    {
        if (!OutputComparison.AllFinite(output))
        {
            result.Status = CellStatus.Mismatch;
            result.Error = "the output holds NaN or infinite values";
            return false;
        }
        if (request.WritesReference || request.ReferenceOnly)
        {
            if (OutputComparison.ReferenceProblem(output) is { } problem)
            {
                result.Status = CellStatus.Mismatch;
                result.Error = problem;
                return false;
            }
            new ReferenceOutput(request.Backend, request.Seed, output).Write(request.ReferencePath);
            result.ParityReference = request.Backend;
            result.Status = CellStatus.Ok;
            return true;
        }

        var reference = ReferenceOutput.TryRead(request.ReferencePath)
            ?? throw new InvalidOperationException($"no reference output at {request.ReferencePath}");
        if (reference.Seed != request.Seed)
            throw new InvalidOperationException($"the reference output at {request.ReferencePath} was computed with seed {reference.Seed}, this cell uses {request.Seed}");
        var difference = OutputComparison.Compare(output, reference.Values);
        result.ParityReference = reference.Backend;
        result.ParityRelErr = difference.RelativeL2Error;
        if (difference.IsWithin(request.ParityTolerance))
        {
            result.Status = CellStatus.Ok;
        }
        else
        {
            result.Status = CellStatus.Mismatch;
            result.Error = difference.Problem ?? $"relative L2 error {difference.RelativeL2Error:0.00e0} against {reference.Backend} exceeds the tolerance {request.ParityTolerance:0.0e0}";
        }
        // A mismatching backend is still timed, so the result shows what it would have gained; reports never use it.
        return true;
    }

    /// <summary>
    /// Narrows the process to the first <paramref name="cpus"/> logical CPUs it is allowed to run on
    /// (in a container, not necessarily CPU 0). On Linux this sets the calling thread's affinity; the
    /// engines' threads, created later from it, inherit it. Masks cover the first 64 logical CPUs.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static void PinToFirstCpus(int cpus)
    {
        using var process = Process.GetCurrentProcess();
        ulong allowed = (ulong)process.ProcessorAffinity, chosen = 0;
        for (int cpu = 0, taken = 0; cpu < 64 && taken < cpus; cpu++)
        {
            if ((allowed & (1UL << cpu)) == 0) continue;
            chosen |= 1UL << cpu;
            taken++;
        }
        process.ProcessorAffinity = (nint)chosen;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private sealed class CounterRegion(CounterGroup counters) : IMeasuredRegion
    {
        public void Enter() => counters.Enable();

        public void Leave() => counters.Disable();
    }
}
