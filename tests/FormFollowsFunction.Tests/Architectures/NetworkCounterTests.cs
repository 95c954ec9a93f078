using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Tests.Architectures;

public sealed class NetworkCounterTests
{
    public static TheoryData<string> Models =>
    [
        "vgg16", "resnet18", "resnet50", "mobilenetv2", "mnasnet1_0", "efficientnet_b0", "darts",
        "plain-d3-w0.5", "plain-d16-w1.0", "residual-d5-w0.75", "residual-d13-w1.5",
        "dwbottleneck-d1-w1.0", "dwbottleneck-d10-w0.35", "darts-d1-w0.5", "darts-d7-w1.25",
    ];

    [Theory]
    [MemberData(nameof(Models))]
    public void Parameters_MACs_and_weight_bytes_agree_with_a_recount_from_weight_shapes(string id)
    {
        var network = ModelCatalog.Default.Resolve(id).Build(new InputSpec(Batch: 2));
        var counts = NetworkCounter.Count(network);

        long parameters = 0, weightElements = 0, macs = 0;
        foreach (var node in network.Nodes)
        {
            foreach (var p in node.Layer.Parameters)
            {
                long elements = p.Shape.Dimensions.Aggregate(1L, (a, d) => a * d);
                weightElements += elements;
                if (p.Role is not (ParameterRole.RunningMean or ParameterRole.RunningVariance)) parameters += elements;
            }
            // A weight element is used once per output position of every batch item: once in total for a
            // fully connected layer, H·W times for a convolution.
            var dims = node.OutputShape.Dimensions;
            long weight = node.Layer.Parameters.Where(p => p.Name == "weight").Sum(p => p.Shape.Dimensions.Aggregate(1L, (a, d) => a * d));
            macs += node.Layer switch
            {
                Conv2d => weight * dims[0] * dims[2] * dims[3],
                Linear => weight * dims[0],
                _ => 0,
            };
        }
        Assert.Equal(parameters, counts.Parameters);
        Assert.Equal(macs, counts.Macs);
        Assert.Equal(4 * weightElements, counts.WeightBytes);
        Assert.Equal(network.Nodes.Sum(n => 4L * n.OutputShape.Dimensions.Aggregate(1L, (a, d) => a * d)), counts.ActivationBytes);
        Assert.Equal(counts.Layers.Sum(l => l.Flops), counts.Flops);
        Assert.True(counts.Flops > 2 * counts.Macs, "every network here has batch norm or activations beyond its MACs");
    }

    [Fact]
    public void A_small_network_costs_what_is_computed_by_hand()
    {
        var b = new NetworkBuilder("hand", TensorShape.Nchw(1, 1, 4, 4));
        var x = b.Conv2d("conv", b.Input, 2, kernel: 3, padding: 1, bias: true); // 2x4x4 = 32 outputs, 9 MACs each
        x = b.BatchNorm("bn", x);                                                 // 2 FLOPs x 32
        x = b.Activation("relu6", x, ActivationFunction.Relu6);                   // 2 FLOPs x 32
        var pooled = b.MaxPool("pool", x, kernel: 2, stride: 2);                  // 2x2x2 = 8 outputs, 3 comparisons each
        var gap = b.GlobalAvgPool("gap", pooled);                                 // 2 channels x 4 elements
        var flat = b.Flatten("flatten", gap);
        var fc = b.Linear("fc", flat, 3);                                         // 2x3 MACs, 3 bias adds
        var network = b.Build(fc);
        var counts = NetworkCounter.Count(network);

        long Flops(string name) => counts.Layers.Single(l => l.Node.Name == name).Flops;
        Assert.Equal(2 * 288 + 32, Flops("conv"));
        Assert.Equal(64, Flops("bn"));
        Assert.Equal(64, Flops("relu6"));
        Assert.Equal(24, Flops("pool"));
        Assert.Equal(8, Flops("gap"));
        Assert.Equal(0, Flops("flatten"));
        Assert.Equal(2 * 6 + 3, Flops("fc"));
        Assert.Equal(288 + 6, counts.Macs);
        Assert.Equal(18 + 2 + 4 + 6 + 3, counts.Parameters);          // conv w+b, bn gamma+beta, fc w+b
        Assert.Equal(4 * (18 + 2 + 8 + 6 + 3), counts.WeightBytes);   // plus bn running mean and var
    }

    [Fact]
    public void Padded_pooling_windows_count_only_real_inputs()
    {
        // 3x3 stride-2 padding-1 windows over 4 positions: output 0 covers positions [0, 2), output 1 covers [1, 4):
        // 2 + 3 = 5 per axis, 25 real inputs per channel over the 2x2 outputs.
        var b = new NetworkBuilder("pools", TensorShape.Nchw(1, 3, 4, 4));
        var max = b.MaxPool("max", b.Input, kernel: 3, stride: 2, padding: 1);
        var avg = b.AvgPool("avg", b.Input, kernel: 3, stride: 2, padding: 1, countIncludePad: false);
        var adaptive = b.Add("adaptive", new AdaptiveAvgPool2d(3), b.Input); // windows [0,2) [1,3) [2,4): 6 per axis
        var sum = b.Sum("sum", max, avg);
        var counts = NetworkCounter.Count(b.Build(sum));
        long Flops(string name) => counts.Layers.Single(l => l.Node.Name == name).Flops;
        Assert.Equal(3 * (25 - 4), Flops("max"));
        Assert.Equal(3 * 25, Flops("avg"));
        Assert.Equal(3 * 36, Flops("adaptive"));
        Assert.Equal(3 * 4, Flops("sum"));
    }

    [Fact]
    public void Activation_and_elementwise_costs_follow_the_documented_table()
    {
        var b = new NetworkBuilder("elementwise", TensorShape.Nchw(2, 4, 3, 3)); // 72 elements
        var x = b.Activation("silu", b.Input, ActivationFunction.Silu);
        var s = b.Activation("sigmoid", x, ActivationFunction.Sigmoid);
        var r = b.Relu("relu", s);
        var gate = b.GlobalAvgPool("gap", r);
        var m = b.Multiply("mul", r, gate);
        var a = b.Sum("add3", m, r, x);
        var id = b.Identity("id", a);
        var cat = b.Concat("cat", id, a);
        var crop = b.Add("crop", new SpatialCrop(1, 1), cat);
        var counts = NetworkCounter.Count(b.Build(crop));
        long Flops(string name) => counts.Layers.Single(l => l.Node.Name == name).Flops;
        Assert.Equal(5 * 72, Flops("silu"));
        Assert.Equal(4 * 72, Flops("sigmoid"));
        Assert.Equal(72, Flops("relu"));
        Assert.Equal(72, Flops("gap"));
        Assert.Equal(72, Flops("mul"));
        Assert.Equal(2 * 72, Flops("add3"));
        Assert.Equal(0, Flops("id") + Flops("cat") + Flops("crop"));
        Assert.Equal(0, counts.Macs);
    }

    [Fact]
    public void Live_bytes_follow_each_tensor_from_producer_to_last_consumer()
    {
        // input x: 1x2x4x4 = 128 bytes.
        var b = new NetworkBuilder("live", TensorShape.Nchw(1, 2, 4, 4));
        var a = b.Relu("a", b.Input);                      // step 0: x, a           = 256
        var c = b.Relu("b", a);                            // step 1: x, a, b        = 384
        var dangling = b.Relu("dangling", c);              // step 2: x, b, dangling = 384
        var sum = b.Sum("sum", b.Input, c);                // step 3: x, b, sum      = 384 (x and b die here)
        var wide = b.Conv2d("wide", sum, 8, kernel: 1);    // step 4: sum, wide(512) = 640
        var gap = b.GlobalAvgPool("gap", wide);            // step 5: wide, gap(32)  = 544
        _ = dangling;
        var network = b.Build(gap);
        Assert.Equal([256L, 384, 384, 384, 640, 544], NetworkCounter.LiveBytesPerNode(network));
        Assert.Equal(640, NetworkCounter.Count(network).PeakActivationBytes);
        Assert.Equal(4 * 128L + 512 + 32, NetworkCounter.Count(network).ActivationBytes);
    }

    [Fact]
    public void The_output_stays_alive_to_the_end()
    {
        var b = new NetworkBuilder("tail", TensorShape.Nchw(1, 1, 2, 2)); // 16 bytes
        var early = b.Relu("early", b.Input);               // step 0: input, early        = 32
        var side = b.Conv2d("side", b.Input, 4, kernel: 1); // step 1: input (last use), early, side(64) = 96
        _ = side;
        var network = b.Build(early);
        Assert.Equal([32L, 96], NetworkCounter.LiveBytesPerNode(network));
    }
}
