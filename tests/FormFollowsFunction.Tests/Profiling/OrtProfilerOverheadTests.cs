using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Benchmarks.Profiling;

namespace FormFollowsFunction.Tests.Profiling;

public sealed class OrtProfilerOverheadTests
{
    [Fact]
    public void Each_kind_of_node_costs_what_its_chain_exceeds_its_unprofiled_run_by()
    {
        // 100 ReLUs: 0.3 ms of kernel events, 0.02 ms unprofiled: 2.8 µs each.
        var relus = new OrtCalibrationRun(ProfiledMs: 0.3, PlainMs: 0.02, Nodes: 100, WeightedNodes: 0);
        // 100 convolutions and 100 reorders: 0.9 ms against 0.06 ms; the reorders' 0.28 ms leave 0.56 ms, 5.6 µs a convolution.
        var convolutions = new OrtCalibrationRun(ProfiledMs: 0.9, PlainMs: 0.06, Nodes: 200, WeightedNodes: 100);

        var overhead = OrtProfilerOverhead.Measure(relus, convolutions);

        Assert.Equal(0.0028, overhead.NodeMs, 12);
        Assert.Equal(0.0056, overhead.WeightedNodeMs, 12);
        Assert.Equal((0.28, 0.84), (Math.Round(relus.ExcessMs, 12), Math.Round(convolutions.ExcessMs, 12)));
    }

    [Fact]
    public void A_profiler_that_costs_nothing_removes_nothing()
    {
        var overhead = OrtProfilerOverhead.Measure(new OrtCalibrationRun(0.1, 0.4, 100, 0), new OrtCalibrationRun(0.2, 0.5, 200, 100));

        Assert.Equal((0.0, 0.0), (overhead.NodeMs, overhead.WeightedNodeMs));
        Assert.Equal(0, overhead.RemovedFrom(0.5, hasWeights: true));
    }

    [Fact]
    public void A_profile_that_does_not_say_which_nodes_have_weights_gets_one_figure_for_all()
    {
        var overhead = OrtProfilerOverhead.Measure(new OrtCalibrationRun(0.3, 0.02, 100, 0), new OrtCalibrationRun(0.9, 0.06, 200, 0));

        Assert.Equal(overhead.NodeMs, overhead.WeightedNodeMs);
    }

    [Fact]
    public void A_relu_chain_with_weights_is_not_a_calibration_of_nodes_without() =>
        Assert.Throws<ArgumentException>(() => OrtProfilerOverhead.Measure(new OrtCalibrationRun(0.3, 0.02, 100, 1), new OrtCalibrationRun(0.9, 0.06, 200, 100)));

    [Fact]
    public void Each_node_loses_its_kinds_overhead_but_never_more_than_it_took()
    {
        var overhead = new OrtProfilerOverhead(NodeMs: 0.003, WeightedNodeMs: 0.005);

        Assert.Equal(0.003, overhead.RemovedFrom(0.8, hasWeights: false), 12);
        Assert.Equal(0.005, overhead.RemovedFrom(0.8, hasWeights: true), 12);
        Assert.Equal(0.002, overhead.RemovedFrom(0.002, hasWeights: true), 12);
        Assert.Equal(0, overhead.RemovedFrom(-0.001, hasWeights: false));
    }

    [Fact]
    public void The_chains_split_is_scaled_to_what_the_networks_own_graph_exceeds_its_unprofiled_run_by()
    {
        var chains = new OrtProfilerOverhead(NodeMs: 0.004, WeightedNodeMs: 0.006);
        // 40 nodes without weights and 160 with: 0.16 + 0.96 = 1.12 ms by the chains; the graph's own excess is 1.4 ms, 1.25 times more.
        var graph = new OrtCalibrationRun(ProfiledMs: 1.7, PlainMs: 0.3, Nodes: 200, WeightedNodes: 160);

        var scaled = chains.ScaledTo(graph);

        Assert.Equal(0.005, scaled.NodeMs, 12);
        Assert.Equal(0.0075, scaled.WeightedNodeMs, 12);
        Assert.Equal(graph.ExcessMs, 40 * scaled.NodeMs + 160 * scaled.WeightedNodeMs, 12);
    }

    [Fact]
    public void A_graph_whose_profiled_run_exceeds_nothing_loses_nothing_and_chains_that_found_nothing_split_it_equally()
    {
        Assert.Equal(new OrtProfilerOverhead(0, 0), new OrtProfilerOverhead(0.004, 0.006).ScaledTo(new OrtCalibrationRun(0.3, 0.35, 100, 50)));

        var equal = new OrtProfilerOverhead(0, 0).ScaledTo(new OrtCalibrationRun(0.5, 0.1, 100, 50));
        Assert.Equal((0.004, 0.004), (Math.Round(equal.NodeMs, 12), Math.Round(equal.WeightedNodeMs, 12)));
    }

    [Fact]
    public void Calibrations_before_and_after_are_averaged()
    {
        var mean = OrtProfilerOverhead.Mean([new OrtProfilerOverhead(0.003, 0.004), new OrtProfilerOverhead(0.005, 0.008)]);

        Assert.Equal(0.004, mean.NodeMs, 12);
        Assert.Equal(0.006, mean.WeightedNodeMs, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => OrtProfilerOverhead.Mean([]));
    }

    [Fact]
    public void The_calibration_chains_are_relus_and_1x1_convolutions_with_bias_one_after_another_on_a_tiny_input()
    {
        var relus = OrtProfilerOverhead.ReluChain();
        var convolutions = OrtProfilerOverhead.ConvolutionChain();

        Assert.All(relus.Nodes, n => Assert.Equal(ActivationFunction.Relu, Assert.IsType<Activation>(n.Layer).Function));
        Assert.All(convolutions.Nodes, n =>
        {
            var conv = Assert.IsType<Conv2d>(n.Layer);
            Assert.Equal((OrtProfilerOverhead.ChainChannels, OrtProfilerOverhead.ChainChannels, 1, true), (conv.InChannels, conv.OutChannels, conv.Kernel.Height, conv.HasBias));
        });
        foreach (var chain in new[] { relus, convolutions })
        {
            Assert.Equal(OrtProfilerOverhead.ChainLength, chain.Nodes.Length);
            Assert.Equal(TensorShape.Nchw(1, OrtProfilerOverhead.ChainChannels, 1, 1), chain.InputShape);
            for (int i = 1; i < chain.Nodes.Length; i++) Assert.Equal(chain.Nodes[i - 1].Name, Assert.Single(chain.Nodes[i].Inputs));
        }
    }
}
