using FormFollowsFunction.Architectures.Blocks.Darts;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.References;

/// <summary>
/// The DARTS-V2 cell evaluated on ImageNet in the mobile setting (Liu, Simonyan, Yang, "DARTS:
/// Differentiable Architecture Search", ICLR 2019, section 3.3 and Table 2; model.py's
/// <c>NetworkImageNet</c> with genotypes.py's <c>DARTS_V2</c>): 14 cells, C = 48, reduction cells
/// at 14 / 3 = 4 and 2 · 14 / 3 = 9, no auxiliary head. See <see cref="DartsImageNetNetwork"/>.
/// </summary>
public sealed class Darts : IReferenceNetwork
{
    public string Name => "darts";

    public string Summary => "DARTS-V2 ImageNet mobile network: 14 searched cells (2 reduction), C = 48";

    // Paper, Table 2 (ImageNet, mobile setting): "DARTS (second order)": 4.7 M params, 574 M multiply-adds.
    public PublishedCounts Published { get; } = new(4_700_000, 0.574, "Liu et al., DARTS, ICLR 2019, Table 2 (4.7 M params, 574 M multiply-adds; rounded)");

    public Network Build(InputSpec input)
    {
        var b = new NetworkBuilder(Name, input.Shape);
        var (features, _) = DartsImageNetNetwork.AppendFeatures(b, b.Input, Genotype.DartsV2,
            DartsImageNetNetwork.MobileChannels, DartsImageNetNetwork.MobileCells);
        return b.Build(DartsImageNetNetwork.AppendHead(b, features, input.Classes));
    }
}
