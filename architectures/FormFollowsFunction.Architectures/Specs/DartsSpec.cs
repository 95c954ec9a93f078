using FormFollowsFunction.Architectures.Blocks.Darts;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Specs;

/// <summary>
/// <c>kind: darts</c>: a genotype in the DARTS code's notation (<see cref="GenotypeNotation"/>), built into
/// DARTS' ImageNet network (<see cref="DartsImageNetNetwork"/>) with <c>cells</c> cells (14) and initial
/// channels <c>channels</c> (48), as train_imagenet.py's <c>--layers</c> and <c>--init_channels</c>. DARTS_V2
/// at 14 cells and 48 channels is the built-in <c>darts</c> network, node for node.
/// </summary>
internal static class DartsSpec
{
    public static readonly string[] Keys = ["kind", "name", "genotype", "cells", "channels", "network"];

    /// <summary>The networks a genotype can be built into; CIFAR's needs an auxiliary-free 32 px stem the suite does not have.</summary>
    private static readonly string[] Networks = ["imagenet"];

    public static Func<InputSpec, Network> Read(SpecMapping spec, string id)
    {
        var at = spec.RequiredValue("genotype", "\"Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])\"");
        Genotype genotype;
        try
        {
            genotype = GenotypeNotation.Parse(spec.RequiredText("genotype", "Genotype(...)"), id);
        }
        catch (GenotypeSyntaxException e)
        {
            throw spec.Error(at, $"'genotype': {e.Message}");
        }
        int cells = spec.Integer("cells") ?? DartsImageNetNetwork.MobileCells;
        int channels = spec.Integer("channels", minimum: 2) ?? DartsImageNetNetwork.MobileChannels;
        if (channels % 2 != 0) throw spec.Error(spec.Value("channels")!, $"'channels' must be even (the stem has channels / 2), got {channels}");
        spec.Choice("network", Networks);
        return input =>
        {
            var b = new NetworkBuilder(id, input.Shape);
            var (features, _) = DartsImageNetNetwork.AppendFeatures(b, b.Input, genotype, channels, cells);
            return b.Build(DartsImageNetNetwork.AppendHead(b, features, input.Classes));
        };
    }
}
