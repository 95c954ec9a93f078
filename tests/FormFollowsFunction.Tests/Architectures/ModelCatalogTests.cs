using FormFollowsFunction.Architectures.Blocks.Darts;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Tests.Architectures;

public sealed class ModelCatalogTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Default;

    [Fact]
    public void The_default_catalog_lists_every_pattern_and_reference_network()
    {
        Assert.Equal(["plain", "residual", "dwbottleneck", "darts"], Catalog.Patterns.Select(p => p.Name));
        Assert.Equal(["vgg16", "resnet18", "resnet50", "mobilenetv2", "mnasnet1_0", "efficientnet_b0", "darts"], Catalog.References.Select(r => r.Name));
    }

    [Theory]
    [InlineData("resnet50", "resnet50", null, null)]
    [InlineData(" ResNet50 ", "resnet50", null, null)]
    [InlineData("residual-d8-w1", "residual-d8-w1.0", 8, 1.0)]
    [InlineData("RESIDUAL-d8-w0.50", "residual-d8-w0.5", 8, 0.5)]
    [InlineData("dwbottleneck-d6-w0.35", "dwbottleneck-d6-w0.35", 6, 0.35)]
    [InlineData("darts-d14-w1.0", "darts-d14-w1.0", 14, 1.0)]
    public void Identifiers_resolve_to_canonical_definitions(string id, string canonical, int? depth, double? width)
    {
        var model = Catalog.Resolve(id);
        Assert.Equal(canonical, model.Id);
        Assert.Equal(depth, model.Depth);
        Assert.Equal(width, model.Width);
        Assert.Equal(canonical, model.Build(new InputSpec(Resolution: 64)).Id);
    }

    [Theory]
    [InlineData("resnet51", "unknown model 'resnet51'")]
    [InlineData("", "empty model identifier")]
    [InlineData("residual", "'residual' is a pattern: give a depth and a width, for example residual-d8-w1.0")]
    [InlineData("residual-d8", "unknown model 'residual-d8'")]
    [InlineData("hexagonal-d8-w1.0", "unknown pattern 'hexagonal'")]
    [InlineData("residual-d0-w1.0", "depth must be a positive whole number of blocks, got '0'")]
    [InlineData("residual-d-3-w1.0", "depth must be a positive whole number of blocks, got '-3'")]
    [InlineData("residual-dx-w1.0", "depth must be a positive whole number of blocks, got 'x'")]
    [InlineData("residual-d8-w0", "width must be a positive number such as 0.5 or 1.0, got '0'")]
    [InlineData("residual-d8-w-0.5", "width must be a positive number such as 0.5 or 1.0, got '-0.5'")]
    [InlineData("residual-d8-wide", "width must be a positive number such as 0.5 or 1.0, got 'ide'")]
    public void Bad_identifiers_say_what_is_wrong(string id, string message)
    {
        var e = Assert.Throws<UnknownModelException>(() => Catalog.Resolve(id));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Too_small_a_resolution_names_the_smallest_that_works()
    {
        // VGG's five 2x2 max pools need 32 pixels.
        var e = Assert.Throws<InputResolutionException>(() => Catalog.Resolve("vgg16").Build(new InputSpec(Resolution: 16)));
        Assert.Equal(32, e.Minimum);
        Assert.Equal("vgg16 needs an input resolution of at least 32 (got 16)", e.Message);
        Assert.Contains("features.", e.Cause.Message);
        Catalog.Resolve("vgg16").Build(new InputSpec(Resolution: 32));
    }

    [Fact]
    public void Padded_networks_build_down_to_one_pixel()
    {
        foreach (var id in new[] { "resnet50", "mobilenetv2", "residual-d4-w1.0", "dwbottleneck-d4-w1.0" })
            Assert.Equal(1, ResolutionRequirement.Minimum(Catalog.Resolve(id), InputSpec.Default));
    }

    [Fact]
    public void Even_size_requirements_are_explained_with_the_nearest_resolutions_that_work()
    {
        // Two unpadded stride-2 paths, one shifted by a pixel (FactorizedReduce without the pad): odd sizes fail.
        var model = new ModelDefinition("unpadded-reduce", "test", null, null, input =>
        {
            var b = new NetworkBuilder("unpadded-reduce", input.Shape);
            var even = b.Conv2d("conv_1", b.Input, 4, kernel: 1, stride: 2, padding: 0);
            var odd = b.Conv2d("conv_2", b.Add("crop", new SpatialCrop(1, 1), b.Input), 4, kernel: 1, stride: 2, padding: 0);
            return b.Build(b.Concat("cat", even, odd));
        });
        var e = Assert.Throws<InputResolutionException>(() => model.Build(new InputSpec(Resolution: 201)));
        Assert.Null(e.Minimum);
        Assert.Equal(200, e.NearestBelow);
        Assert.Equal(202, e.NearestAbove);
        Assert.Contains("the nearest resolutions that work are 200 and 202", e.Message);
        model.Build(new InputSpec(Resolution: 200));
    }

    [Fact]
    public void Failures_that_no_resolution_fixes_are_passed_on_unchanged()
    {
        var e = Assert.Throws<NetworkDefinitionException>(() => Catalog.Resolve("resnet18").Build(new InputSpec(Classes: 0)));
        Assert.IsNotType<InputResolutionException>(e);
        Assert.Contains("'fc'", e.Message);
    }

    [Fact]
    public void Genotypes_reject_unknown_operations_and_forward_references()
    {
        var v2 = Genotype.DartsV2;
        Assert.Throws<ArgumentException>(() => new Genotype("bad", [new("conv_9x9", 0), new("skip_connect", 1)], [2, 1], v2.Reduce, v2.ReduceConcat));
        Assert.Throws<ArgumentException>(() => new Genotype("bad", [new("skip_connect", 2), new("skip_connect", 1)], [2, 1], v2.Reduce, v2.ReduceConcat));
        Assert.Throws<ArgumentException>(() => new Genotype("bad", v2.Normal, [2], v2.Reduce, v2.ReduceConcat));
    }
}
