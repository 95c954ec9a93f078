using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.References;

namespace FormFollowsFunction.Architectures.Patterns;

/// <summary>
/// ResNet basic blocks on ResNet-18's skeleton: conv 7x7 stride 2 stem, the 3x3 stride-2 max pool
/// that opens stage 1, stages of 64, 128, 256, 512 channels (times the width) whose first block in
/// stages 2-4 has stride 2 and a projection shortcut. residual-d8-w1.0 is exactly ResNet-18.
/// </summary>
public sealed class ResidualPattern : IArchitecturePattern
{
    public string Name => "residual";

    public string Summary => "ResNet basic blocks (two 3x3 conv+BN, identity or 1x1 projection shortcut) on ResNet-18's stem and stages";

    public string DepthMeaning => "number of basic blocks (two 3x3 convolutions each), spread over the 4 stages, extra blocks to the last stages; d8 = ResNet-18";

    public string WidthMeaning => "multiplies the channels of the stem and of the stages (64, 128, 256, 512), rounded to a multiple of 8";

    public int ExampleDepth => 8;

    public Network Build(string id, int depth, double width, InputSpec input) =>
        StagePlan.OnResNetSkeleton(id, depth, width, input, (b, name, x, channels, stride) => ResNetBlocks.BasicBlock(b, name, x, channels, stride));
}
