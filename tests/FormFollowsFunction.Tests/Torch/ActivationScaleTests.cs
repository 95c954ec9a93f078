using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Tests.Export;
using Xunit.Abstractions;

namespace FormFollowsFunction.Tests.Torch;

/// <summary>
/// Seeded weights must keep every activation finite and of order one at depth 64 (docs/export.md):
/// denormal or overflowing values would make CPU timings lie. Every feature map (more than one
/// position) and the network output must have an RMS within the documented band; pooled vectors
/// (a squeeze-and-excitation's [N, C, 1, 1] and the classifier's features) must be finite: a global
/// average of a zero-mean feature map is of order 1/√(H·W) by construction.
/// </summary>
public sealed class ActivationScaleTests(ITestOutputHelper output)
{
    public const double LowestRms = 0.05;
    public const double HighestRms = 20;

    public static TheoryData<string> DeepNetworks() => TestNetworks.Deep();

    [Theory]
    [MemberData(nameof(DeepNetworks))]
    public void Every_node_output_is_finite_with_rms_within_the_band(string caseName)
    {
        var network = TestNetworks.Build(caseName);
        var weights = NetworkWeights.Initialize(network, seed: 3);
        using var torch = TorchNetwork.Build(network, weights);

        var scales = torch.MeasureActivations(ModelInput.Create(network.InputShape, seed: 5));

        Assert.Equal(network.Nodes.Length, scales.Count);
        var maps = scales.Where(s => IsFeatureMap(network.ShapeOf(s.Node))).ToList();
        var lowest = maps.MinBy(s => s.RootMeanSquare)!;
        var highest = maps.MaxBy(s => s.RootMeanSquare)!;
        output.WriteLine($"{network.Id}: {scales.Count} nodes, feature-map RMS from {lowest.RootMeanSquare:G3} ({lowest.Node}) " +
                         $"to {highest.RootMeanSquare:G3} ({highest.Node}); last node {scales[^1].RootMeanSquare:G3}");
        Assert.All(scales, s => Assert.True(s.AllFinite, $"{s.Node} ({s.Kind}) has NaN or infinite values"));
        var banded = scales.Where(s => IsFeatureMap(network.ShapeOf(s.Node)) || s.Node == network.OutputName).ToList();
        Assert.NotEmpty(banded);
        Assert.All(banded, s => Assert.True(s.RootMeanSquare is >= LowestRms and <= HighestRms,
            $"{s.Node} ({s.Kind}): RMS {s.RootMeanSquare:G3} is outside [{LowestRms}, {HighestRms}]"));
    }

    private static bool IsFeatureMap(FormFollowsFunction.Architectures.Description.TensorShape shape) =>
        shape.IsFeatureMap && shape.Height * shape.Width > 1;
}
