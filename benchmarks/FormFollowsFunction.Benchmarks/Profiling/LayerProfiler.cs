using System.Diagnostics;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;
using FormFollowsFunction.Benchmarks.Backends.Torch;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Hardware.Machine;
using TorchSharp;
using static TorchSharp.torch;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>
/// Profiles one cell per layer inside a worker process (worker mode <c>profile</c>), never inside a
/// timed launch: ONNX Runtime through its own profiler (per node, mapped back by
/// <see cref="OrtNodeAttribution"/>), TorchSharp by timing each step of the forward
/// (<see cref="TorchLayerTimer"/>). Each is run at the cell's resolution and at the smallest resolution
/// the network accepts, whose per-layer time is the layer's fixed cost (dispatch, allocation, and the
/// little work a 1-pixel-scale input leaves). Layer times are means over the typical passes
/// (<see cref="TypicalPasses"/>), so that they add up to a pass; ONNX Runtime's are net of its profiler's
/// own time per node (<see cref="OrtProfilerOverhead"/>, calibrated in the same process on the network
/// itself at its smallest input, with the profiler's heap faulted in first: <see cref="ProfilerHeap"/>). The end-to-end
/// time is the same statistic over uninstrumented forward passes in the same process (the mean of the
/// typical ones), to show how much the layer times cover.
/// </summary>
public sealed class LayerProfiler(ModelCatalog catalog)
{
    /// <summary>Forward passes run before any is recorded, per measurement.</summary>
    public const int WarmupIterations = 3;

    /// <summary>The CPU backends whose layers can be timed: the profile of a GPU or OpenVINO run would need another method.</summary>
    public static bool Supports(BackendDescriptor backend) => backend == BackendCatalog.TorchCpu || backend == BackendCatalog.OrtCpu;

    public LayerProfileAnswer Run(CellRequest request)
    {
        var answer = new LayerProfileAnswer();
        try
        {
            Profile(request, answer);
            answer.Succeeded = true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            answer.Error = $"{e.GetType().Name}: {string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}";
        }
        return answer;
    }

    private void Profile(CellRequest request, LayerProfileAnswer answer)
    {
        var descriptor = BackendCatalog.Get(request.Backend);
        if (!Supports(descriptor)) throw new NotSupportedException($"per-layer profiles are made on torch-cpu and ort-cpu, not {descriptor.Name}");
        // Before any engine thread exists, as a timed launch measures it; the parent measures again once this process has ended.
        answer.CoreLatencyNs = CoreLatencyProbe.Measure(out _)?.RoundTripNs;
        var backend = BackendFactory.Create(descriptor, request.Options, request.OneDnnMaxIsa, request.SelfCheck);
        var probe = backend.Probe();
        answer.BackendVersion = probe.Version;
        answer.Device = probe.Device;
        if (!probe.Available) throw new InvalidOperationException(probe.Reason ?? "backend unavailable");

        var model = catalog.Resolve(request.Model);
        var spec = new InputSpec(request.Resolution, request.Batch);
        var network = model.Build(spec);
        int tinyResolution = ResolutionRequirement.Minimum(model, spec) ?? request.Resolution;
        var tiny = model.Build(spec with { Resolution = tinyResolution });
        answer.FixedCostResolution = tinyResolution;

        var counts = NetworkCounter.Count(network);
        IReadOnlyList<LayerTime> full, small;
        double endToEnd;
        if (backend is OrtBackend ort)
        {
            string folder = request.ProfileFolder ?? Path.GetTempPath();
            Directory.CreateDirectory(folder);
            // The profiler's cost is calibrated before and after the cell's own profiles, and their mean removed from both.
            var before = CalibrateOrtProfiler(ort, request);
            var fullRuns = RunOrt(ort, network, request, Path.Combine(folder, $"{request.Model}-{request.Resolution}"));
            var smallRuns = RunOrt(ort, tiny, request, Path.Combine(folder, $"{request.Model}-{tinyResolution}"));
            var after = CalibrateOrtProfiler(ort, request);
            var chains = OrtProfilerOverhead.Mean([before, after]);
            Console.WriteLine(FormattableString.Invariant(
                $"ONNX Runtime profiler overhead per node without / with weights, calibration chains: {before.NodeMs * 1000:0.00} / {before.WeightedNodeMs * 1000:0.00} µs before the profiles, {after.NodeMs * 1000:0.00} / {after.WeightedNodeMs * 1000:0.00} µs after"));
            // The chains give the split between nodes with and without weights; the cell's own graph, where it can run smaller, the level.
            var ownGraph = CalibrationRun(smallRuns);
            var overhead = tinyResolution < request.Resolution ? chains.ScaledTo(ownGraph) : chains;
            Console.WriteLine(tinyResolution < request.Resolution
                ? FormattableString.Invariant($"the network at {tinyResolution} px: profiled kernel times {ownGraph.ProfiledMs:0.000} ms, unprofiled run {ownGraph.PlainMs:0.000} ms, {ownGraph.ExcessMs / ownGraph.Nodes * 1000:0.00} µs per node; removed per node without / with weights: {overhead.NodeMs * 1000:0.00} / {overhead.WeightedNodeMs * 1000:0.00} µs")
                : FormattableString.Invariant($"the network accepts no smaller input: the chains' mean is removed, {overhead.NodeMs * 1000:0.00} / {overhead.WeightedNodeMs * 1000:0.00} µs"));
            answer.ProfilerOverhead = overhead;
            answer.ProfilerCalibrations = [before, after];
            answer.OwnGraphCalibration = tinyResolution < request.Resolution ? ownGraph : null;
            (full, endToEnd) = OrtLayers(network, fullRuns, overhead);
            (small, _) = OrtLayers(tiny, smallRuns, overhead);
        }
        else
        {
            var torchBackend = (TorchBackend)backend;
            torchBackend.Prepare();
            torch.set_num_threads(request.Threads);
            (full, endToEnd) = ProfileTorch(torchBackend, network, request);
            (small, _) = ProfileTorch(torchBackend, tiny, request);
        }

        answer.EndToEndMs = endToEnd;
        var fixedByLayer = small.GroupBy(l => l.Layer).ToDictionary(g => g.Key, g => g.Sum(l => l.Ms));
        var macs = counts.Layers.ToDictionary(l => l.Node.Name, l => l.Macs);
        foreach (var layer in full)
        {
            bool inDescription = layer.Source != LayerTimeSource.Inserted;
            string type = inDescription ? LayerClassification.TypeOf(network[layer.Layer].Layer) : Results.LayerTypes.Other;
            double? fixedMs = fixedByLayer.TryGetValue(layer.Layer, out double f) ? Math.Min(f, layer.Ms) : null;
            answer.Layers.Add(new ProfiledLayer(layer.Layer, type, inDescription ? macs[layer.Layer] : 0, layer.Ms, fixedMs, LayerProfileNotes.For(layer.Source), layer.OverheadMs));
        }
    }

    private static (IReadOnlyList<LayerTime> Layers, double EndToEndMs) ProfileTorch(TorchBackend backend, Network network, CellRequest request)
    {
        var weights = NetworkWeights.Initialize(network, request.Seed);
        // Each convolution runs as the timed cell runs it: the variant the per-shape self-check chose.
        using var module = TorchNetwork.Build(network, weights, backend.PlanConvolutions(network, request.Threads));
        using var input = tensor(ModelInput.Create(network.InputShape, request.Seed), [.. network.InputShape.Dimensions.Select(d => (long)d)]);
        // Each instrumented pass is followed by a plain one, so that a drift of the machine touches both alike.
        var endToEnd = new List<double>();
        var layers = new TorchLayerTimer().Time(step =>
        {
            module.ForwardObserved(input, step);
            endToEnd.Add(TimeOnce(() =>
            {
                using var scope = NewDisposeScope();
                module.Forward(input);
            }));
        }, network.Nodes, WarmupIterations, request.ProfileIterations);
        return (layers, TypicalPasses.Mean([.. endToEnd.Skip(WarmupIterations)]));
    }

    /// <summary>
    /// The profiler's time inside each node's event, from the calibration graphs (<see cref="OrtProfilerOverhead"/>)
    /// run with the cell's session options (threads included) in this process. Their profiles are read and deleted.
    /// </summary>
    private static OrtProfilerOverhead CalibrateOrtProfiler(OrtBackend backend, CellRequest request)
    {
        OrtCalibrationRun Run(Network chain) =>
            CalibrationRun(RunOrt(backend, chain, request, Path.Combine(Path.GetTempPath(), $"fff-{chain.Id}-{Environment.ProcessId}"), keepProfile: false));

        return OrtProfilerOverhead.Measure(Run(OrtProfilerOverhead.ReluChain()), Run(OrtProfilerOverhead.ConvolutionChain()));
    }

    /// <summary>A graph's typical profiled run (its kernel times summed) beside its typical unprofiled run.</summary>
    private static OrtCalibrationRun CalibrationRun(OrtRuns runs)
    {
        var typical = TypicalPasses.LayerMeans(OrtProfile.Passes(runs.Nodes, skipped: WarmupIterations));
        return new OrtCalibrationRun(typical.Sum(), TypicalPasses.Mean(runs.PlainMs), runs.Nodes.Count, runs.Nodes.Count(n => n.HasWeights));
    }

    /// <summary>The layers of a typical profiled run, each node's kernel time net of the profiler's, and a typical unprofiled run.</summary>
    private static (IReadOnlyList<LayerTime> Layers, double EndToEndMs) OrtLayers(Network network, OrtRuns runs, OrtProfilerOverhead overhead)
    {
        var nodes = runs.Nodes;
        var typical = TypicalPasses.LayerMeans(OrtProfile.Passes(nodes, skipped: WarmupIterations));
        var removed = nodes.Select((n, i) => overhead.RemovedFrom(typical[i], n.HasWeights)).ToArray();
        var counts = NetworkCounter.Count(network);
        // Attribution depends on the node names only, so both calls give the same rows in the same order.
        var layers = OrtNodeAttribution.Attribute(network, counts, [.. nodes.Select((n, i) => (n.Name, typical[i] - removed[i]))]);
        var overheads = OrtNodeAttribution.Attribute(network, counts, [.. nodes.Select((n, i) => (n.Name, removed[i]))]);
        return ([.. layers.Zip(overheads, (layer, o) => layer with { OverheadMs = o.Ms })], TypicalPasses.Mean(runs.PlainMs));
    }

    /// <summary>Unprofiled run times (warm-up runs left out) and the profiled runs' kernel times per node.</summary>
    private sealed record OrtRuns(IReadOnlyList<double> PlainMs, IReadOnlyList<OrtNodeTimes> Nodes);

    /// <summary>
    /// Unprofiled runs of <paramref name="network"/> before and after the profiled ones, so that a drift of
    /// the machine touches both alike, and the profiled runs, whose trace is written at
    /// <paramref name="profilePrefix"/> (and deleted after reading unless kept). One session is alive at a
    /// time: each has its own intra-op pool, whose threads spin after a run and would take the cores from
    /// the other session's threads were both alive.
    /// </summary>
    private static OrtRuns RunOrt(OrtBackend backend, Network network, CellRequest request, string profilePrefix, bool keepProfile = true)
    {
        var weights = NetworkWeights.Initialize(network, request.Seed);
        byte[] onnx = OnnxExporter.Export(network, weights);
        var input = ModelInput.Create(network.InputShape, request.Seed);
        long[] inputShape = [.. network.InputShape.Dimensions.Select(d => (long)d)];
        long[] outputShape = [.. network.OutputShape.Dimensions.Select(d => (long)d)];
        int half = (request.ProfileIterations + 1) / 2;

        var plain = new List<double>();
        var plainFaults = new FaultCount();
        void TimePlain(int iterations)
        {
            if (iterations == 0) return;
            using var session = new OrtProfilingSession(onnx, backend.CreateSessionOptions(request.Threads), input, inputShape, outputShape);
            for (int i = 0; i < WarmupIterations; i++) session.Run();
            using (plainFaults.Counting(iterations))
                for (int i = 0; i < iterations; i++) plain.Add(TimeOnce(session.Run));
        }

        TimePlain(half);
        var options = backend.CreateSessionOptions(request.Threads);
        // The prefix must come first: setting EnableProfiling hands ONNX Runtime the prefix set at that moment.
        options.ProfileOutputPathPrefix = profilePrefix;
        options.EnableProfiling = true;
        string profilePath;
        var profiledFaults = new FaultCount();
        using (var profiled = new OrtProfilingSession(onnx, options, input, inputShape, outputShape))
        {
            for (int i = 0; i < WarmupIterations; i++) profiled.Run();
            // After the warm-up, whose first run allocates the session's own buffers: the heap the profiler's events will fill.
            ProfilerHeap.Prepare(ProfilerHeap.BytesFor(network.Nodes.Length, NetworkCounter.Count(network).ActivationBytes, WarmupIterations + request.ProfileIterations));
            using (profiledFaults.Counting(request.ProfileIterations))
                for (int i = 0; i < request.ProfileIterations; i++) profiled.Run();
            profilePath = profiled.EndProfiling();
        }
        TimePlain(request.ProfileIterations - half);
        var nodes = OrtProfile.ReadFile(profilePath);
        if (keepProfile)
        {
            Console.WriteLine($"ONNX Runtime profile: {Path.GetFullPath(profilePath)}");
            Console.WriteLine($"minor page faults per run: {profiledFaults} profiled, {plainFaults} unprofiled");
        }
        else File.Delete(profilePath);
        return new OrtRuns(plain, nodes);
    }

    /// <summary>Minor page faults over counted runs (<see cref="ProfilerHeap.MinorFaults"/>); unknown where the count cannot be read.</summary>
    private sealed class FaultCount
    {
        private long _faults;
        private int _runs;
        private bool _unknown;

        public double? PerRun => _unknown || _runs == 0 ? null : (double)_faults / _runs;

        public IDisposable Counting(int runs)
        {
            long? start = ProfilerHeap.MinorFaults();
            return new Scope(() =>
            {
                if (start is { } s && ProfilerHeap.MinorFaults() is { } end) _faults += end - s;
                else _unknown = true;
                _runs += runs;
            });
        }

        public override string ToString() => PerRun is { } f ? f.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "unknown";

        private sealed class Scope(Action end) : IDisposable
        {
            public void Dispose() => end();
        }
    }

    private static double TimeOnce(Action call)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
