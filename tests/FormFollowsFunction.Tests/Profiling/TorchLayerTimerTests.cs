using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Benchmarks.Profiling;
using FormFollowsFunction.Tests.Benchmarks;

namespace FormFollowsFunction.Tests.Profiling;

public sealed class TorchLayerTimerTests
{
    private static IReadOnlyList<Node> Nodes()
    {
        var b = new NetworkBuilder("timed", TensorShape.Nchw(1, 3, 8, 8));
        var x = b.Relu("relu", b.Conv2d("conv", b.Input, 4, 3));
        return b.Build(b.GlobalAvgPool("pool", x)).Nodes;
    }

    [Fact]
    public void Each_layer_gets_its_mean_over_the_typical_passes_of_the_clock_between_the_end_of_the_previous_step_and_its_own()
    {
        var nodes = Nodes();
        var clock = new ScriptedClock();
        // Per iteration, the time each step takes; the first row is warm-up and must not count, the
        // slowest and fastest of the four recorded passes (totals 16 and 6) are not typical.
        double[][] script = [[100, 100, 100], [3, 1, 2], [5, 2, 2], [4, 9, 3], [6, 1, 1]];
        int iteration = 0;
        void Forward(Action<Node> afterStep)
        {
            var steps = script[iteration++];
            for (int i = 0; i < nodes.Count; i++)
            {
                clock.Advance(steps[i]);
                afterStep(nodes[i]);
            }
            clock.Advance(1000); // after the last step: not any layer's time
        }

        var times = new TorchLayerTimer(clock).Time(Forward, nodes, warmup: 1, iterations: 4);

        Assert.Equal(["conv", "relu", "pool"], times.Select(t => t.Layer));
        // The passes of 9 and 8 ms: (5 + 6) / 2, (2 + 1) / 2, (2 + 1) / 2.
        Assert.Equal([5.5, 1.5, 1.5], times.Select(t => Math.Round(t.Ms, 9)));
        Assert.All(times, t => Assert.Equal(LayerTimeSource.Measured, t.Source));
        Assert.Equal(5, iteration);
    }

    [Fact]
    public void A_forward_that_skips_a_step_is_an_error()
    {
        var nodes = Nodes();
        var error = Assert.Throws<InvalidOperationException>(() =>
            new TorchLayerTimer(new ScriptedClock()).Time(step => step(nodes[0]), nodes, warmup: 0, iterations: 1));
        Assert.Contains("reported 1 steps; the network has 3 nodes", error.Message);
    }

    [Fact]
    public void A_forward_that_reports_its_steps_out_of_order_is_an_error()
    {
        var nodes = Nodes();
        var error = Assert.Throws<InvalidOperationException>(() =>
            new TorchLayerTimer(new ScriptedClock()).Time(step => { step(nodes[0]); step(nodes[2]); step(nodes[1]); }, nodes, warmup: 0, iterations: 1));
        Assert.Contains("reported pool as step 2; the network runs relu there", error.Message);
    }
}
