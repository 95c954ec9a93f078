using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.References;

/// <summary>
/// ResNet (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016, Table 1) as
/// torchvision/models/resnet.py builds it: stem, four stages of 64, 128, 256, 512 planes (the last
/// three starting with stride 2), global average pool, fully connected classifier. ResNet-50 is v1.5:
/// the stride of a bottleneck sits on its 3x3 convolution.
/// </summary>
public sealed class ResNet : IReferenceNetwork
{
    /// <summary>Planes of the four stages (Table 1 of the paper).</summary>
    public static readonly int[] StagePlanes = [64, 128, 256, 512];

    private readonly bool _bottleneck;
    private readonly int[] _blocksPerStage;

    private ResNet(string name, string summary, bool bottleneck, int[] blocksPerStage, PublishedCounts published)
    {
        Name = name;
        Summary = summary;
        _bottleneck = bottleneck;
        _blocksPerStage = blocksPerStage;
        Published = published;
    }

    // torchvision model docs (pytorch.org/vision/stable/models.html), ResNet18_Weights.IMAGENET1K_V1: 11,689,512 params, 1.81 GFLOPS.
    public static ResNet ResNet18 { get; } = new("resnet18", "ResNet-18: basic blocks [2, 2, 2, 2]",
        bottleneck: false, [2, 2, 2, 2], new(11_689_512, 1.81, "torchvision models table, ResNet18_Weights.IMAGENET1K_V1"));

    // torchvision model docs, ResNet50_Weights.IMAGENET1K_V2: 25,557,032 params, 4.09 GFLOPS.
    public static ResNet ResNet50 { get; } = new("resnet50", "ResNet-50 v1.5: bottleneck blocks [3, 4, 6, 3], stride on the 3x3",
        bottleneck: true, [3, 4, 6, 3], new(25_557_032, 4.09, "torchvision models table, ResNet50_Weights.IMAGENET1K_V2"));

    public string Name { get; }

    public string Summary { get; }

    public PublishedCounts Published { get; }

    public Network Build(InputSpec input)
    {
        var b = new NetworkBuilder(Name, input.Shape);
        var x = ResNetBlocks.Stem(b, b.Input, StagePlanes[0]);
        x = ResNetBlocks.StemPool(b, x);
        for (int stage = 0; stage < StagePlanes.Length; stage++)
        {
            for (int block = 0; block < _blocksPerStage[stage]; block++)
            {
                string scope = $"layer{stage + 1}.{block}";
                int stride = stage > 0 && block == 0 ? 2 : 1;
                x = _bottleneck
                    ? ResNetBlocks.Bottleneck(b, scope, x, StagePlanes[stage], stride)
                    : ResNetBlocks.BasicBlock(b, scope, x, StagePlanes[stage], stride);
            }
        }
        return b.Build(ResNetBlocks.Head(b, x, input.Classes));
    }
}
