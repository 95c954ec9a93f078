using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>One calibration graph as the profiling process measured it.</summary>
/// <param name="ProfiledMs">Its nodes' kernel times in a typical profiled run (<see cref="TypicalPasses"/>), summed.</param>
/// <param name="PlainMs">Its typical unprofiled run (<see cref="TypicalPasses.Mean"/>).</param>
/// <param name="Nodes">The nodes ONNX Runtime ran, per run.</param>
/// <param name="WeightedNodes">Those of them with weights (<see cref="OrtNodeTimes.HasWeights"/>).</param>
public sealed record OrtCalibrationRun(double ProfiledMs, double PlainMs, int Nodes, int WeightedNodes)
{
    /// <summary>How much longer the profiled kernel times are than the whole unprofiled run.</summary>
    public double ExcessMs => ProfiledMs - PlainMs;
}

/// <summary>
/// The time ONNX Runtime's profiler spends inside every node's <c>kernel_time</c> event, measured in the
/// profiling process and removed from each profiled node: one figure for nodes without weights, one for
/// nodes with weights. The calibration graphs below give the two figures' split, the cell's own network
/// at its smallest input their level (<see cref="ScaledTo"/>).
/// </summary>
/// <remarks>
/// <para>ONNX Runtime's sequential executor reads the kernel's start time before it builds the event's
/// input description (sizes, and a type-and-shape string per input, weights included), and reads the
/// end time inside <c>Profiler::EndTimeAndRecordEvent</c>, after the caller has built the output
/// description and the thread pool's scheduling statistics as the event's arguments (1.31 adds memory
/// statistics). All of that is inside <c>dur</c>. On the 2-core build machine a ReLU of 8 numbers, 0.2 µs
/// per node in an unprofiled run, lasted 3 µs per event at 1 thread and 6 µs at 2 (docs/benchmarks.md).</para>
/// <para>Two calibration graphs are run in sessions with the cell's own options: a chain of
/// <see cref="ChainLength"/> ReLUs (no weights) and a chain of as many 1x1 convolutions with bias
/// (weights; ONNX Runtime adds a layout reorder, without weights, after each). Their nodes do almost no
/// work, so what their profiled kernel times exceed their unprofiled run by is the profiler's: per node
/// of the ReLU chain for <see cref="NodeMs"/>; what is left of the convolution chain's excess after its
/// nodes without weights, per node with weights, for <see cref="WeightedNodeMs"/>. The unprofiled run
/// holds the executor's own per-node work and the call's fixed cost as well, so the overhead removed is,
/// if anything, a little less than the profiler's.</para>
/// </remarks>
/// <param name="NodeMs">Removed from every profiled node without weights, per run.</param>
/// <param name="WeightedNodeMs">Removed from every profiled node with weights, per run.</param>
public sealed record OrtProfilerOverhead(double NodeMs, double WeightedNodeMs)
{
    public const int ChainLength = 100;

    public const int ChainChannels = 8;

    /// <summary>The calibration graph of nodes without weights: <see cref="ChainLength"/> ReLUs, one after another, on a 1x8x1x1 input.</summary>
    public static Network ReluChain() => Chain("relu", (b, name, x) => b.Relu(name, x));

    /// <summary>The calibration graph of nodes with weights: <see cref="ChainLength"/> 1x1 convolutions of 8 channels with bias, one after another, on a 1x8x1x1 input.</summary>
    public static Network ConvolutionChain() => Chain("conv", (b, name, x) => b.Conv2d(name, x, ChainChannels, kernel: 1, bias: true));

    private static Network Chain(string kind, Func<NetworkBuilder, string, TensorRef, TensorRef> node)
    {
        var b = new NetworkBuilder($"profiler-calibration-{kind}-chain", TensorShape.Nchw(1, ChainChannels, 1, 1));
        var x = b.Input;
        for (int i = 0; i < ChainLength; i++) x = node(b, $"{kind}{i}", x);
        return b.Build(x);
    }

    /// <summary>The overheads from the two calibration graphs; neither is below 0.</summary>
    /// <param name="relus">The ReLU chain's run: no node may have weights.</param>
    /// <param name="convolutions">The convolution chain's run: some nodes must have weights, or the profile does not say which do, and the figure for nodes without weights is taken for all.</param>
    public static OrtProfilerOverhead Measure(OrtCalibrationRun relus, OrtCalibrationRun convolutions)
    {
        if (relus.Nodes == 0 || relus.WeightedNodes != 0)
            throw new ArgumentException($"the calibration graph of nodes without weights ran {relus.Nodes} nodes, {relus.WeightedNodes} with weights", nameof(relus));
        double node = Math.Max(0, relus.ExcessMs / relus.Nodes);
        if (convolutions.WeightedNodes == 0) return new OrtProfilerOverhead(node, node);
        double weighted = (convolutions.ExcessMs - (convolutions.Nodes - convolutions.WeightedNodes) * node) / convolutions.WeightedNodes;
        return new OrtProfilerOverhead(node, Math.Max(0, weighted));
    }

    /// <summary>The mean of calibrations made at different moments of one process (before and after the cell's profiles).</summary>
    public static OrtProfilerOverhead Mean(IReadOnlyList<OrtProfilerOverhead> calibrations)
    {
        ArgumentOutOfRangeException.ThrowIfZero(calibrations.Count);
        return new OrtProfilerOverhead(calibrations.Average(c => c.NodeMs), calibrations.Average(c => c.WeightedNodeMs));
    }

    /// <summary>
    /// This calibration's split between nodes with and without weights, scaled so that the nodes of
    /// <paramref name="graph"/> together lose what its profiled kernel times exceed its unprofiled run by.
    /// </summary>
    /// <remarks>
    /// <paramref name="graph"/> is the cell's own network at the smallest resolution it accepts, where its
    /// nodes do little work: the profiler's cost per node of that graph (its operators, inputs and thread
    /// pool sections, in this process) rather than of a chain of ReLUs or 1x1 convolutions. The cost does
    /// not grow with the resolution once the profiler's heap is faulted in (<see cref="ProfilerHeap"/>), so
    /// the level found there is removed at the cell's resolution, where it can be checked against the
    /// unprofiled run. A graph whose profiled run exceeds nothing loses nothing; a calibration that found
    /// no cost splits the excess equally.
    /// </remarks>
    public OrtProfilerOverhead ScaledTo(OrtCalibrationRun graph)
    {
        if (graph.Nodes == 0 || graph.ExcessMs <= 0) return new OrtProfilerOverhead(0, 0);
        double chains = (graph.Nodes - graph.WeightedNodes) * NodeMs + graph.WeightedNodes * WeightedNodeMs;
        if (chains <= 0) return new OrtProfilerOverhead(graph.ExcessMs / graph.Nodes, graph.ExcessMs / graph.Nodes);
        double scale = graph.ExcessMs / chains;
        return new OrtProfilerOverhead(NodeMs * scale, WeightedNodeMs * scale);
    }

    /// <summary>What is removed from a node that took <paramref name="nodeMs"/>: its kind's overhead, but never more than the node's time.</summary>
    public double RemovedFrom(double nodeMs, bool hasWeights) => Math.Min(hasWeights ? WeightedNodeMs : NodeMs, Math.Max(0, nodeMs));
}
