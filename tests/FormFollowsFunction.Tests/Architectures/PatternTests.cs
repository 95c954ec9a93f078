using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Patterns;

namespace FormFollowsFunction.Tests.Architectures;

public sealed class PatternTests
{
    private static Network Build(string id, InputSpec? input = null) => ModelCatalog.Default.Resolve(id).Build(input ?? InputSpec.Default);

    public static TheoryData<string, int, double> Grid()
    {
        var data = new TheoryData<string, int, double>();
        foreach (var pattern in new[] { "plain", "residual", "dwbottleneck", "darts" })
            foreach (int depth in new[] { 1, 2, 3, 4, 5, 8, 13 })
                foreach (double width in new[] { 0.25, 1.0, 1.5 })
                    data.Add(pattern, depth, width);
        return data;
    }

    [Theory]
    [MemberData(nameof(Grid))]
    public void Patterns_build_at_any_depth_and_width_with_a_7x7_last_feature_map(string pattern, int depth, double width)
    {
        var input = new InputSpec(Batch: 2, Classes: 17);
        var network = Build(ModelCatalog.PatternId(pattern, depth, width), input);
        Assert.Equal(TensorShape.Of(2, 17), network.OutputShape);
        var pool = network.Nodes.Single(n => n.Layer is GlobalAvgPool);
        var features = network.ShapeOf(pool.Inputs.Single());
        Assert.Equal((7, 7), (features.Height, features.Width));
    }

    [Theory]
    [MemberData(nameof(Grid))]
    public void Patterns_have_as_many_blocks_as_their_depth(string pattern, int depth, double width)
    {
        var network = Build(ModelCatalog.PatternId(pattern, depth, width));
        static bool InStage(Node n) => n.Name.StartsWith("layer", StringComparison.Ordinal) && !n.Name.Contains(".transition.");
        int blocks = pattern switch
        {
            // One 3x3 convolution per plain block.
            "plain" => network.Nodes.Count(n => InStage(n) && n.Layer is Conv2d { Kernel.Height: 3 }),
            // One residual add per basic block.
            "residual" => network.Nodes.Count(n => InStage(n) && n.Layer is Add),
            // One depthwise convolution per inverted residual block.
            "dwbottleneck" => network.Nodes.Count(n => InStage(n) && n.Layer is Conv2d { IsDepthwise: true }),
            "darts" => network.Nodes.Where(n => n.Name.StartsWith("cells.", StringComparison.Ordinal))
                .Select(n => n.Name.Split('.')[1]).Distinct().Count(),
            _ => throw new ArgumentException(pattern),
        };
        Assert.Equal(depth, blocks);
    }

    [Theory]
    [InlineData(1, new[] { 0, 0, 0, 1 })]
    [InlineData(2, new[] { 0, 0, 1, 1 })]
    [InlineData(3, new[] { 0, 1, 1, 1 })]
    [InlineData(4, new[] { 1, 1, 1, 1 })]
    [InlineData(5, new[] { 1, 1, 1, 2 })]
    [InlineData(6, new[] { 1, 1, 2, 2 })]
    [InlineData(8, new[] { 2, 2, 2, 2 })]
    [InlineData(11, new[] { 2, 3, 3, 3 })]
    public void Depth_is_spread_evenly_with_extra_blocks_in_the_last_stages(int depth, int[] expected)
    {
        Assert.Equal(expected, StagePlan.BlocksPerStage(depth).ToArray());
    }

    [Fact]
    public void Empty_stages_still_down_sample_with_a_transition()
    {
        var network = Build("residual-d1-w1.0");
        Assert.Equal(["layer2.transition.0", "layer3.transition.0"],
            network.Nodes.Where(n => n.Name.EndsWith("transition.0", StringComparison.Ordinal)).Select(n => n.Name));
        Assert.Equal(TensorShape.Nchw(1, 256, 14, 14), network["layer3.transition.2"].OutputShape);
        Assert.Equal(TensorShape.Nchw(1, 512, 7, 7), network["layer4.0.relu_1"].OutputShape);

        var dw = Build("dwbottleneck-d1-w1.0");
        Assert.Equal(3, dw.Nodes.Count(n => n.Name.EndsWith("transition.0", StringComparison.Ordinal)));

        var darts = Build("darts-d1-w1.0");
        Assert.Equal(TensorShape.Nchw(1, 384, 7, 7), darts["transition.bn"].OutputShape);
    }

    [Theory]
    [InlineData(32 * 0.75, 24)]
    [InlineData(16 * 0.35, 8)]   // never below 8
    [InlineData(1280 * 1.4, 1792)]
    [InlineData(37, 40)]
    [InlineData(11, 16)]         // 8 would be more than 10% below 11
    [InlineData(64 * 0.5, 32)]
    [InlineData(48 * 1.25, 64)]  // 60 rounds half up to 64
    public void Channels_round_like_torchvision_make_divisible(double value, int expected)
    {
        Assert.Equal(expected, ChannelRounding.MakeDivisible(value));
    }

    [Theory]
    [InlineData("residual-d8-w0.5", 256)]
    [InlineData("plain-d4-w0.1", 48)]   // 51.2 rounds to 48
    [InlineData("residual-d4-w0.01", 8)] // never below 8
    [InlineData("dwbottleneck-d4-w0.5", 160)]
    [InlineData("dwbottleneck-d4-w1.0", 320)]
    [InlineData("darts-d14-w0.5", 4 * 4 * 24)]
    public void Width_multiplies_the_channels_of_the_last_stage(string id, int features)
    {
        var fc = Build(id).Nodes.Last();
        Assert.Equal(features, Assert.IsType<Linear>(fc.Layer).InFeatures);
    }

    [Fact]
    public void Residual_d8_w1_is_resnet18()
    {
        AssertSameNetwork(Build("resnet18"), Build("residual-d8-w1.0"));
    }

    [Fact]
    public void Darts_d14_w1_is_the_darts_reference()
    {
        AssertSameNetwork(Build("darts"), Build("darts-d14-w1.0"));
    }

    [Fact]
    public void Plain_d16_has_resnet18s_convolutions_without_the_shortcuts()
    {
        var plain = NetworkCounter.Count(Build("plain-d16-w1.0"));
        var resnet = NetworkCounter.Count(Build("resnet18"));
        long ShortcutMacs = resnet.Layers.Where(l => l.Node.Name.Contains(".downsample.0")).Sum(l => l.Macs);
        Assert.Equal(resnet.Macs - ShortcutMacs, plain.Macs);
        Assert.Equal(0, plain.Layers.Count(l => l.Node.Layer is Add));
    }

    [Fact]
    public void Dwbottleneck_adds_the_input_back_only_when_stride_and_channels_allow()
    {
        var network = Build("dwbottleneck-d8-w1.0");
        Assert.Equal(["layer1.1.add", "layer2.1.add", "layer3.1.add", "layer4.1.add"],
            network.Nodes.Where(n => n.Layer is Add).Select(n => n.Name));
        Assert.All(network.Nodes.Where(n => n.Layer is Activation), n => Assert.Equal("Relu6", n.Layer.Kind));
    }

    [Fact]
    public void Darts_reduction_cells_sit_at_a_third_and_two_thirds_of_the_depth()
    {
        var network = Build("darts-d8-w1.0");
        // 8 / 3 = 2 and 16 / 3 = 5: in DARTS_V2 reduction cells every operation reading the inputs is a stride-2 max pool.
        var reductionCells = network.Nodes
            .Where(n => n.Layer is MaxPool2d { Stride.Height: 2 })
            .Select(n => int.Parse(n.Name.Split('.')[1])).Distinct();
        Assert.Equal([2, 5], reductionCells);
    }

    private static void AssertSameNetwork(Network expected, Network actual)
    {
        Assert.Equal(expected.Nodes.Select(n => (n.Name, n.Layer, string.Join(",", n.Inputs), n.OutputShape)),
            actual.Nodes.Select(n => (n.Name, n.Layer, string.Join(",", n.Inputs), n.OutputShape)));
        var a = NetworkCounter.Count(expected);
        var b = NetworkCounter.Count(actual);
        Assert.Equal((a.Parameters, a.Macs, a.Flops, a.WeightBytes, a.ActivationBytes, a.PeakActivationBytes),
            (b.Parameters, b.Macs, b.Flops, b.WeightBytes, b.ActivationBytes, b.PeakActivationBytes));
    }
}
