using System.Text.Json;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Cli;
using FormFollowsFunction.Cli.Commands;

namespace FormFollowsFunction.Tests.Architectures;

public sealed class CliDescriptionTests
{
    [Fact]
    public void Describe_json_carries_the_totals_as_integers_and_every_layer()
    {
        var input = new InputSpec(Resolution: 160, Batch: 2, Classes: 10);
        var counts = NetworkCounter.Count(ModelCatalog.Default.Resolve("mobilenetv2").Build(input));
        using var json = JsonDocument.Parse(ModelDescription.From(counts, input).ToJson());
        var root = json.RootElement;
        Assert.Equal("mobilenetv2", root.GetProperty("model").GetString());
        Assert.Equal(160, root.GetProperty("resolution").GetInt32());
        Assert.Equal(2, root.GetProperty("batch").GetInt32());
        Assert.Equal(counts.Parameters, root.GetProperty("params").GetInt64());
        Assert.Equal(counts.Macs, root.GetProperty("macs").GetInt64());
        Assert.Equal(counts.Flops, root.GetProperty("flops").GetInt64());
        Assert.Equal(counts.WeightBytes, root.GetProperty("weight_bytes").GetInt64());
        Assert.Equal(counts.ActivationBytes, root.GetProperty("activation_bytes").GetInt64());
        Assert.Equal(counts.PeakActivationBytes, root.GetProperty("peak_activation_bytes").GetInt64());
        var layers = root.GetProperty("layers");
        Assert.Equal(counts.Layers.Length, layers.GetArrayLength());
        var first = layers[0];
        Assert.Equal("features.0.0", first.GetProperty("name").GetString());
        Assert.Equal([2, 32, 80, 80], first.GetProperty("output_shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(counts.Layers.Sum(l => l.Macs), layers.EnumerateArray().Sum(l => l.GetProperty("macs").GetInt64()));
    }

    [Fact]
    public void Describe_turns_a_too_small_resolution_into_advice_about_the_option()
    {
        var e = Assert.Throws<UserInputException>(() => DescribeCommand.Build(ModelCatalog.Default.Resolve("vgg16"), new InputSpec(Resolution: 16)));
        Assert.Equal("vgg16 needs --resolution of at least 32 (got 16)", e.Message);
    }

    [Fact]
    public void List_shows_examples_that_resolve_and_published_next_to_counted_figures()
    {
        var listing = ListCommand.Create(ModelCatalog.Default);
        Assert.Equal(4, listing.Patterns.Count);
        Assert.All(listing.Patterns, p => Assert.Equal(p.Example, ModelCatalog.Default.Resolve(p.Example).Id));
        var resnet50 = listing.References.Single(r => r.Name == "resnet50");
        Assert.Equal(25_557_032, resnet50.PublishedParams);
        Assert.Equal(resnet50.PublishedParams, resnet50.CountedParams);
    }

    [Theory]
    [InlineData(4_089_184_256, "MACs", "4.09 GMACs")]
    [InlineData(25_557_032, "", "25.56 M")]
    [InlineData(512, "FLOPs", "512 FLOPs")]
    public void Counts_are_printed_with_decimal_prefixes_and_units(long value, string unit, string expected)
    {
        Assert.Equal(expected, Quantity.Count(value, unit));
    }

    [Fact]
    public void Bytes_are_printed_with_binary_prefixes()
    {
        Assert.Equal("97.69 MiB", Quantity.Bytes(102_440_608));
        Assert.Equal("100 B", Quantity.Bytes(100));
    }
}
