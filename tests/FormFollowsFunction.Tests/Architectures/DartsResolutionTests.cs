using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Weights;

namespace FormFollowsFunction.Tests.Architectures;

/// <summary>
/// DARTS networks build at every resolution from their minimum up (odd feature maps reach FactorizedReduce,
/// whose shifted path is then zero-padded), while the even-size networks, the 224 px ones in particular,
/// export to exactly the bytes they did before odd sizes were handled.
/// </summary>
public sealed class DartsResolutionTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Default;

    [Theory]
    [InlineData("darts")]
    [InlineData("darts-d4-w0.5")]
    [InlineData("darts-d1-w0.25")]
    public void Darts_builds_at_every_resolution_from_its_minimum_to_256(string id)
    {
        var model = Catalog.Resolve(id);
        int minimum = Assert.IsType<int>(ResolutionRequirement.Minimum(model, InputSpec.Default));
        for (int resolution = minimum; resolution <= 256; resolution++)
        {
            var network = model.Build(new InputSpec(resolution));
            Assert.Equal(InputSpec.Default.Classes, network.OutputShape.Dimensions[^1]);
        }
    }

    [Fact]
    public void Odd_maps_pad_the_shifted_path_and_even_maps_have_no_pad()
    {
        var at112 = Catalog.Resolve("darts-d4-w0.5").Build(new InputSpec(112));
        var pads = at112.Nodes.Where(n => n.Layer is ZeroPad2d).ToList();
        Assert.NotEmpty(pads);
        Assert.All(pads, n => Assert.EndsWith(".pad", n.Name));
        Assert.All(pads, n => Assert.Equal(new ZeroPad2d(1, 1), n.Layer));
        Assert.DoesNotContain(Catalog.Resolve("darts-d4-w0.5").Build(new InputSpec(224)).Nodes, n => n.Layer is ZeroPad2d);
    }

    /// <summary>
    /// SHA-256 of the ONNX files (seed 1 weights) as exported before odd sizes were supported, at commit a1d8ae1.
    /// A change here means every recorded 224 px result would stop matching its model file.
    /// </summary>
    [Theory]
    [InlineData("darts", "6e4d508c0771616b701202a86f1b84aa61cd8bdc184463e9a170820534b35ad0")]
    [InlineData("darts-d4-w0.5", "5d997ba033923bd76690acefc2763f7b85ad0d9d3bc5f88661df76d56878129f")]
    [InlineData("darts-d8-w1.0", "9a2022048192a4581f22fd73d5c654c6743acb299bcc09fae4fb151c7f25cc11")]
    public void Networks_at_224_px_export_to_the_same_bytes_as_before(string id, string sha256)
    {
        var network = Catalog.Resolve(id).Build(new InputSpec(224));
        var bytes = OnnxExporter.Export(network, NetworkWeights.Initialize(network, seed: 1));
        string actual = OnnxExporter.Sha256(bytes);
        Assert.True(sha256 == actual, $"{id} exports with SHA-256 {actual}, expected {sha256}");
    }
}
