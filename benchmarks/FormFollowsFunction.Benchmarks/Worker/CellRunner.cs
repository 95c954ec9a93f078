using System.Diagnostics;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Parity;
using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Hardware.Counters;
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
    public CellResponse Run(CellRequest request)
    {
        WorkerFault.InjectAtStart(request);
        var row = new ResultRow
        {
            Model = request.Model,
            Backend = request.Backend,
            Threads = request.Threads,
            Batch = request.Batch,
            Resolution = request.Resolution,
        };
        try
        {
            Measure(request, row);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            row.Status = CellStatus.Failed.ToColumn();
            row.Error = $"{e.GetType().Name}: {OneLine(e.Message)}";
        }
        if (row.CountersStatus.Length == 0) row.CountersStatus = "none: the cell was not measured";
        return new CellResponse { Row = row };
    }

    private void Measure(CellRequest request, ResultRow row)
    {
        var descriptor = BackendCatalog.Get(request.Backend);
        if (request.Pin)
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()) PinToFirstCpus(request.Threads);
            else throw new PlatformNotSupportedException("pinning needs Linux or Windows");
        }

        var events = request.ReferenceOnly ? [] : request.Counters.Select(CounterEvent.Parse).ToList();
        using var counters = events.Count > 0 ? CounterGroup.Open(events, CounterScope.CallingThreadAndNewThreads) : null;

        var backend = BackendFactory.Create(descriptor, request.Options, request.OneDnnMaxIsa);
        var probe = backend.Probe();
        row.BackendVersion = probe.Version;
        row.Device = probe.Device;
        row.IoBoundary = DeviceSettings.Resolve(descriptor, request.Options).BoundaryColumn;
        if (!probe.Available)
        {
            row.Status = CellStatus.Failed.ToColumn();
            row.Error = probe.Reason ?? "backend unavailable";
            return;
        }
        if (backend is Backends.OnnxRuntime.OrtBackend ort) row.GraphOptimization = ort.GraphOptimizationLevel;

        var network = catalog.Resolve(request.Model).Build(new InputSpec(request.Resolution, request.Batch));
        var input = ModelInput.Create(network.InputShape, request.Seed);
        var weights = descriptor.Engine == InferenceEngine.TorchSharp ? NetworkWeights.Initialize(network, request.Seed) : null;
        var artifacts = new ModelArtifacts(network, weights, request.OnnxPath, input);

        var clock = Stopwatch.StartNew();
        using var model = backend.Load(artifacts, request.Threads);
        row.CompileMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var output = model.RunAndFetchOutput();
        row.FirstMs = clock.Elapsed.TotalMilliseconds;
        WorkerFault.PerturbOutput(request, output);

        if (!CheckOutput(request, row, output)) return;
        if (request.ReferenceOnly) return;

        var engine = new TimingEngine(request.Timing);
        engine.Warmup(model.Run);
        counters?.Reset();
        var measurement = engine.Measure(model.Run, counters is null ? null : new CounterRegion(counters));

        var stats = measurement.Statistics;
        row.Iterations = stats.Count;
        row.StopReason = measurement.StopReason.ToColumn();
        row.MedianMs = stats.Median;
        row.MeanMs = stats.Mean;
        row.StddevMs = stats.StandardDeviation;
        row.MinMs = stats.Min;
        row.P90Ms = stats.P90;
        row.P99Ms = stats.P99;
        row.MaxMs = stats.Max;
        row.Ci95LowMs = stats.Ci95Lower;
        row.Ci95HighMs = stats.Ci95Upper;
        if (counters is not null)
            CounterSummary.From(counters.Read(), measurement.SamplesMs.Count, TimeSpan.FromMilliseconds(measurement.MeasuredMs)).ApplyTo(row);
        else
            row.CountersStatus = "none: counters not requested";
        if (request.SamplesPath is { } samplesPath) LatencySamples.Write(samplesPath, measurement.SamplesMs);
    }

    /// <summary>Writes or checks the reference; returns false when the cell cannot go on to timing.</summary>
    private static bool CheckOutput(CellRequest request, ResultRow row, float[] output)
    {
        if (!OutputComparison.AllFinite(output))
        {
            row.Status = CellStatus.Mismatch.ToColumn();
            row.Error = "the output holds NaN or infinite values";
            return false;
        }
        if (request.WritesReference || request.ReferenceOnly)
        {
            if (!OutputComparison.IsNonConstant(output))
            {
                row.Status = CellStatus.Mismatch.ToColumn();
                row.Error = "the output is constant, so it cannot serve as a reference";
                return false;
            }
            new ReferenceOutput(request.Backend, request.Seed, output).Write(request.ReferencePath);
            row.ParityReference = request.Backend;
            row.Status = CellStatus.Ok.ToColumn();
            return true;
        }

        var reference = ReferenceOutput.TryRead(request.ReferencePath)
            ?? throw new InvalidOperationException($"no reference output at {request.ReferencePath}");
        if (reference.Seed != request.Seed)
            throw new InvalidOperationException($"the reference output at {request.ReferencePath} was computed with seed {reference.Seed}, this cell uses {request.Seed}");
        var difference = OutputComparison.Compare(output, reference.Values);
        row.ParityReference = reference.Backend;
        row.ParityRelErr = difference.RelativeL2Error;
        if (difference.IsWithin(request.ParityTolerance))
        {
            row.Status = CellStatus.Ok.ToColumn();
        }
        else
        {
            row.Status = CellStatus.Mismatch.ToColumn();
            row.Error = difference.Problem ?? $"relative L2 error {difference.RelativeL2Error:0.00e0} against {reference.Backend} exceeds the tolerance {request.ParityTolerance:0.0e0}";
        }
        // A mismatching backend is still timed, so the row shows what it would have gained; reports never use it.
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
