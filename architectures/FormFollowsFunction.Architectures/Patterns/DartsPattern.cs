using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Blocks.Darts;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Patterns;

/// <summary>
/// DARTS cells from a genotype (DARTS-V2 by default) in DARTS' ImageNet network: two stems (8x),
/// <c>depth</c> cells of which those at <c>depth / 3</c> and <c>2 · depth / 3</c> are reduction cells
/// (2x each), global average pooling and a linear classifier. darts-d14-w1.0 is exactly the
/// <c>darts</c> reference network. At depth 1 the two reduction positions are the same cell, so a
/// FactorizedReduce <c>transition</c> after it supplies the missing halving (32x in all, like every pattern).
/// </summary>
public sealed class DartsPattern(Genotype genotype) : IArchitecturePattern
{
    public DartsPattern() : this(Genotype.DartsV2)
    {
    }

    public Genotype Genotype { get; } = genotype;

    public string Name => "darts";

    public string Summary => $"DARTS cells ({Genotype.Name} genotype) in DARTS' ImageNet network: two stems, normal and reduction cells";

    public string DepthMeaning => "number of cells, the reduction cells at depth/3 and 2*depth/3 included (as DARTS counts layers); d14 = the DARTS ImageNet mobile network";

    public string WidthMeaning => "multiplies the initial channel count C = 48, rounded to a multiple of 8; cells have C, 2C, 4C channels per node";

    public int ExampleDepth => DartsImageNetNetwork.MobileCells;

    public Network Build(string id, int depth, double width, InputSpec input)
    {
        var b = new NetworkBuilder(id, input.Shape);
        var (x, reductions) = DartsImageNetNetwork.AppendFeatures(b, b.Input, Genotype,
            ChannelRounding.Scale(DartsImageNetNetwork.MobileChannels, width), depth);
        if (reductions < 2) x = DartsOperations.FactorizedReduce(b, "transition", x, x.Channels);
        return b.Build(DartsImageNetNetwork.AppendHead(b, x, input.Classes));
    }
}
