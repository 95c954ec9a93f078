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

    public Network Build(string id, int depth, double width, InputSpec input)
    {
        var blocks = StagePlan.BlocksPerStage(depth);
        var widths = StagePlan.Widths(ResNet.StagePlanes, width);
        var b = new NetworkBuilder(id, input.Shape);
        var x = ResNetBlocks.Stem(b, b.Input, widths[0]);
        // Stage 1 down-samples by ResNet's max pool, whatever its block count; the stem already has its width.
        x = ResNetBlocks.StemPool(b, x);
        for (int stage = 0; stage < StagePlan.Stages; stage++)
        {
            string name = $"layer{stage + 1}";
            if (blocks[stage] == 0 && stage > 0) x = StagePlan.Transition(b, name, x, widths[stage], ActivationFunction.Relu);
            for (int block = 0; block < blocks[stage]; block++)
                x = ResNetBlocks.BasicBlock(b, $"{name}.{block}", x, widths[stage], stride: stage > 0 && block == 0 ? 2 : 1);
        }
        return b.Build(StagePlan.Head(b, x, input.Classes));
    }
}
