using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Benchmarks.Profiling;

namespace FormFollowsFunction.Tests.Profiling;

/// <summary>ONNX Runtime's profile JSON read and mapped back to the description's layers, on a fixture shaped like ONNX Runtime 1.2x's output.</summary>
public sealed class OrtProfileTests
{
    /// <summary>
    /// conv1 → bn1 → relu → conv2 → bn2 → add(bn2, relu) → out_relu → pool → flatten → fc, profiled as
    /// ONNX Runtime's NCHWc layout runs it: conv1+bn1+relu as one node named after relu's output,
    /// conv2+bn2+add+out_relu as one named after bn2's (the Add and Relu dropped), the pool, a layout
    /// reorder it inserted, and flatten and fc alone.
    /// </summary>
    private static Network Residual()
    {
        var b = new NetworkBuilder("fixture", TensorShape.Nchw(1, 3, 8, 8));
        var relu = b.Relu("relu", b.BatchNorm("bn1", b.Conv2d("conv1", b.Input, 8, 3)));
        var sum = b.Sum("add", b.BatchNorm("bn2", b.Conv2d("conv2", relu, 8, 3)), relu);
        var pooled = b.GlobalAvgPool("pool", b.Relu("out_relu", sum));
        return b.Build(b.Linear("fc", b.Flatten("flatten", pooled), 10));
    }

    /// <summary>Three runs; each node's durations in µs, with fences and session events around them as ONNX Runtime writes.</summary>
    private static string Fixture(params (string Node, string Op, int[] Us)[] nodes)
    {
        var events = new List<string> { """{"cat":"Session","pid":1,"tid":1,"dur":900,"ts":1,"ph":"X","name":"model_loading_array","args":{}}""" };
        for (int run = 0; run < nodes[0].Us.Length; run++)
        {
            foreach (var (node, op, us) in nodes)
            {
                events.Add($$$"""{"cat":"Node","pid":1,"tid":1,"dur":0,"ts":10,"ph":"X","name":"{{{node}}}_fence_before","args":{"op_name":"{{{op}}}"}}""");
                string parameters = op is "Conv" or "Gemm" ? "4096" : "0";
                events.Add($$$"""{"cat":"Node","pid":1,"tid":1,"dur":{{{us[run]}}},"ts":11,"ph":"X","name":"{{{node}}}_kernel_time","args":{"op_name":"{{{op}}}","provider":"CPUExecutionProvider","parameter_size":"{{{parameters}}}"}}""");
                events.Add($$$"""{"cat":"Node","pid":1,"tid":1,"dur":0,"ts":12,"ph":"X","name":"{{{node}}}_fence_after","args":{"op_name":"{{{op}}}"}}""");
            }
            events.Add("""{"cat":"Session","pid":1,"tid":1,"dur":5000,"ts":20,"ph":"X","name":"model_run","args":{}}""");
        }
        return "[\n" + string.Join(",\n", events) + "\n]\n";
    }

    private static readonly (string, string, int[])[] NchwcProfile =
    [
        ("relu_nchwc", "Conv", [900, 400, 300]),
        ("bn2_nchwc", "Conv", [800, 600, 500]),
        ("pool_nchwc", "GlobalAveragePool", [40, 30, 30]),
        ("ReorderOutput", "ReorderOutput", [50, 20, 30]),
        ("flatten", "Flatten", [5, 2, 2]),
        ("fc", "Gemm", [10, 8, 6]),
    ];

    [Fact]
    public void Kernel_times_are_read_per_node_in_run_order_without_fences_or_session_events()
    {
        var nodes = OrtProfile.Parse(Fixture(NchwcProfile));

        Assert.Equal(["relu_nchwc", "bn2_nchwc", "pool_nchwc", "ReorderOutput", "flatten", "fc"], nodes.Select(n => n.Name));
        Assert.Equal("Conv", nodes[0].Operator);
        Assert.Equal([900.0, 400, 300], nodes[0].DurationsUs);
        // Nodes with weights are those whose events report a parameter size.
        Assert.Equal([true, true, false, false, false, true], nodes.Select(n => n.HasWeights));
    }

    [Fact]
    public void Passes_hold_every_node_once_per_run_in_milliseconds_after_the_warm_up_runs()
    {
        var passes = OrtProfile.Passes(OrtProfile.Parse(Fixture(NchwcProfile)), skipped: 1);

        Assert.Equal(2, passes.Count);
        Assert.Equal([0.4, 0.6, 0.03, 0.02, 0.002, 0.008], passes[0]);
        Assert.Equal([0.3, 0.5, 0.03, 0.03, 0.002, 0.006], passes[1]);
    }

    [Fact]
    public void Runs_that_cannot_be_told_apart_or_are_all_warm_up_are_refused()
    {
        OrtNodeTimes a = new("a", "Relu", [1, 2, 3]), b = new("b", "Relu", [1, 2]);

        Assert.Contains("node b ran 2 times and a 3", Assert.Throws<InvalidDataException>(() => OrtProfile.Passes([a, b], skipped: 0)).Message);
        Assert.Contains("3 runs; 3 warm-up runs", Assert.Throws<InvalidDataException>(() => OrtProfile.Passes([a], skipped: 3)).Message);
        Assert.Throws<InvalidDataException>(() => OrtProfile.Passes([], skipped: 0));
    }

    [Fact]
    public void A_profile_that_is_not_a_trace_array_is_refused() =>
        Assert.Throws<InvalidDataException>(() => OrtProfile.Parse("""{"traceEvents":[]}"""));

    [Fact]
    public void Fused_nodes_are_shared_by_flops_among_all_their_layers_and_engine_nodes_get_rows_of_their_own()
    {
        var network = Residual();
        var counts = NetworkCounter.Count(network);
        var nodes = OrtProfile.Parse(Fixture(NchwcProfile));
        var typical = TypicalPasses.LayerMeans(OrtProfile.Passes(nodes, skipped: 1));
        var profiled = nodes.Select((n, i) => (n.Name, typical[i])).ToList();

        var layers = OrtNodeAttribution.Attribute(network, counts, profiled);
        var byName = layers.ToDictionary(l => l.Layer);

        // Every description layer once, in description order, then the inserted node.
        Assert.Equal([.. network.Nodes.Select(n => n.Name), "ReorderOutput"], layers.Select(l => l.Layer));
        var first = new[] { "conv1", "bn1", "relu" };
        var second = new[] { "conv2", "bn2", "add", "out_relu" };
        Assert.All(first.Concat(second), name => Assert.Equal(LayerTimeSource.Fused, byName[name].Source));
        Assert.Equal(0.35, first.Sum(n => byName[n].Ms), 12);
        Assert.Equal(0.55, second.Sum(n => byName[n].Ms), 12);
        double flops(string name) => counts.Layers.Single(l => l.Node.Name == name).Flops;
        Assert.Equal(0.35 * flops("conv1") / first.Sum(flops), byName["conv1"].Ms, 12);
        Assert.True(byName["conv1"].Ms > byName["bn1"].Ms);

        Assert.Equal(LayerTimeSource.Inserted, byName["ReorderOutput"].Source);
        Assert.Equal(LayerTimeSource.Measured, byName["fc"].Source);
        Assert.Equal(0.007, byName["fc"].Ms, 12);
        Assert.Equal(LayerTimeSource.Measured, byName["pool"].Source);
        Assert.Equal(profiled.Sum(m => m.Item2), layers.Sum(l => l.Ms), 12);
    }

    [Fact]
    public void Names_match_on_boundaries_only_and_the_longest_name_wins()
    {
        string[] names = ["conv1", "layer1.0.conv1", "layer1.0.conv10", "relu", "layer1.0.relu"];

        Assert.Equal(["layer1.0.conv1"], OrtNodeAttribution.Claims("layer1.0.conv1_nchwc", names));
        Assert.Equal(["layer1.0.conv10"], OrtNodeAttribution.Claims("layer1.0.conv10", names));
        Assert.Equal(["conv1", "relu"], OrtNodeAttribution.Claims("conv1_relu_fused", names));
        Assert.Empty(OrtNodeAttribution.Claims("ReorderInput_3", names));
    }
}
