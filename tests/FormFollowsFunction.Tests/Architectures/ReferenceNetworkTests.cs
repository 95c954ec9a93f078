using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Tests.Architectures;

public sealed class ReferenceNetworkTests
{
    private static NetworkCounts CountAt224(string name) =>
        NetworkCounter.Count(ModelCatalog.Default.Resolve(name).Build(InputSpec.Default));

    private static IReferenceNetwork Reference(string name) => ModelCatalog.Default.References.Single(r => r.Name == name);

    public static TheoryData<string> TorchvisionNetworks => ["vgg16", "resnet18", "resnet50", "mobilenetv2", "mnasnet1_0", "efficientnet_b0"];

    public static TheoryData<string> AllReferences => [.. ModelCatalog.Default.References.Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(TorchvisionNetworks))]
    public void Torchvision_networks_have_exactly_the_published_parameter_count(string name)
    {
        Assert.Equal(Reference(name).Published.Parameters, CountAt224(name).Parameters);
    }

    [Theory]
    [MemberData(nameof(TorchvisionNetworks))]
    public void Torchvision_networks_round_to_the_published_GMACs(string name)
    {
        // torchvision's table gives GMACs to two decimals: the count must round to exactly that figure.
        double gigaMacs = CountAt224(name).Macs / 1e9;
        Assert.Equal(Reference(name).Published.GigaMacs, Math.Round(gigaMacs, 2, MidpointRounding.AwayFromZero), precision: 9);
    }

    [Fact]
    public void Resnet50_is_exact_in_parameters_and_within_one_percent_in_MACs()
    {
        var counts = CountAt224("resnet50");
        Assert.Equal(25_557_032, counts.Parameters);
        Assert.InRange(counts.Macs / 4.09e9, 0.99, 1.01);
    }

    [Fact]
    public void Mobilenetv2_is_exact_in_parameters_and_within_two_percent_in_MACs()
    {
        var counts = CountAt224("mobilenetv2");
        Assert.Equal(3_504_872, counts.Parameters);
        Assert.InRange(counts.Macs / 0.30e9, 0.98, 1.02);
    }

    [Fact]
    public void Darts_matches_the_papers_rounded_parameters_and_stays_below_its_multiply_adds()
    {
        var counts = CountAt224("darts");
        // Table 2 gives 4.7 M, rounded to 0.1 M.
        Assert.InRange(counts.Parameters, 4_650_000, 4_749_999);
        // Table 2's 574 M cannot be reproduced from the published code by counting convolutions and the
        // classifier: other counters got 523 M and 544.6 M (github.com/quark0/darts/issues/46). Ours is
        // 529.9 M (docs/architectures.md); the test keeps it within 10% below the paper's figure.
        Assert.InRange(counts.Macs / 574e6, 0.90, 1.0);
    }

    [Fact]
    public void Darts_stems_cost_what_the_paper_code_computes()
    {
        var counts = CountAt224("darts");
        long Macs(string prefix) => counts.Layers.Where(l => l.Node.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(l => l.Macs);
        // stem0: 3→24 3x3 s2 to 112x112, 24→48 3x3 s2 to 56x56; stem1: 48→48 3x3 s2 to 28x28.
        Assert.Equal(112L * 112 * 24 * 3 * 9 + 56L * 56 * 48 * 24 * 9, Macs("stem0."));
        Assert.Equal(28L * 28 * 48 * 48 * 9, Macs("stem1."));
        Assert.Equal(768L * 1000, Macs("classifier"));
    }

    [Theory]
    [MemberData(nameof(AllReferences))]
    public void References_follow_the_input_spec(string name)
    {
        var input = new InputSpec(Resolution: 256, Batch: 3, Classes: 10);
        var network = ModelCatalog.Default.Resolve(name).Build(input);
        Assert.Equal(TensorShape.Of(3, 10), network.OutputShape);
        Assert.Equal(TensorShape.Nchw(3, 3, 256, 256), network.InputShape);
    }

    [Theory]
    [MemberData(nameof(AllReferences))]
    public void Batch_scales_MACs_FLOPs_and_activations_but_not_weights(string name)
    {
        var model = ModelCatalog.Default.Resolve(name);
        var one = NetworkCounter.Count(model.Build(InputSpec.Default));
        var four = NetworkCounter.Count(model.Build(InputSpec.Default with { Batch = 4 }));
        Assert.Equal(one.Parameters, four.Parameters);
        Assert.Equal(one.WeightBytes, four.WeightBytes);
        Assert.Equal(4 * one.Macs, four.Macs);
        Assert.Equal(4 * one.Flops, four.Flops);
        Assert.Equal(4 * one.ActivationBytes, four.ActivationBytes);
        Assert.Equal(4 * one.PeakActivationBytes, four.PeakActivationBytes);
    }

    [Fact]
    public void Node_names_are_torchvision_state_dict_prefixes()
    {
        var weights = (string name) => ModelCatalog.Default.Resolve(name).Build(InputSpec.Default).Parameters.Select(p => p.Name).ToHashSet();
        Assert.Contains("layer1.0.conv1.weight", weights("resnet18"));
        Assert.Contains("layer4.0.downsample.0.weight", weights("resnet50"));
        Assert.DoesNotContain("layer4.1.downsample.0.weight", weights("resnet50"));
        Assert.Contains("layer4.0.downsample.1.running_var", weights("resnet50"));
        Assert.Contains("features.3.conv.0.0.weight", weights("mobilenetv2"));
        Assert.Contains("features.1.conv.1.weight", weights("mobilenetv2"));
        Assert.Contains("features.18.0.weight", weights("mobilenetv2"));
        Assert.Contains("classifier.1.weight", weights("mobilenetv2"));
        Assert.Contains("features.28.weight", weights("vgg16"));
        Assert.Contains("classifier.6.bias", weights("vgg16"));
        Assert.Contains("layers.8.0.layers.3.weight", weights("mnasnet1_0"));
        Assert.Contains("features.2.0.block.2.fc1.bias", weights("efficientnet_b0"));
        Assert.Contains("features.8.0.weight", weights("efficientnet_b0"));
        Assert.Contains("cells.5.preprocess0.conv_2.weight", weights("darts"));
        Assert.Contains("cells.0._ops.0.op.6.weight", weights("darts"));
    }
}
