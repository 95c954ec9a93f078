using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.References;

namespace FormFollowsFunction.Architectures.Patterns;

/// <summary>
/// MobileNet-V2 inverted residual blocks (1x1 expansion by 6, 3x3 depthwise, 1x1 linear projection,
/// ReLU6, residual add when stride and channels allow) on the common skeleton: MobileNet-V2's 3x3
/// stride-2 stem of 32 channels, four stages of 24, 32, 96, 320 channels (MobileNet-V2's last width at
/// each of its four down-sampled resolutions) whose first block has stride 2. Unlike MobileNet-V2 there
/// is no 1280-channel head convolution: the skeleton goes from the last stage to pooling and classifier.
/// </summary>
public sealed class DepthwiseBottleneckPattern : IArchitecturePattern
{
    /// <summary>Expansion factor t of every block (the paper's Table 2 uses 6 throughout but for the first block).</summary>
    public const int Expansion = 6;

    /// <summary>Stage widths at width 1.0.</summary>
    public static readonly int[] StageWidths = [24, 32, 96, 320];

    public string Name => "dwbottleneck";

    public string Summary => "MobileNet-V2 inverted residual blocks (1x1 expand x6, 3x3 depthwise, 1x1 linear projection, ReLU6)";

    public string DepthMeaning => "number of inverted residual blocks, spread over the 4 stages, extra blocks to the last stages";

    public string WidthMeaning => "multiplies the channels of the stem (32) and of the stages (24, 32, 96, 320), rounded to a multiple of 8; expansions are 6x the block input";

    public int ExampleDepth => 8;

    public Network Build(string id, int depth, double width, InputSpec input)
    {
        var blocks = StagePlan.BlocksPerStage(depth);
        var widths = StagePlan.Widths(StageWidths, width);
        var b = new NetworkBuilder(id, input.Shape);
        var x = ConvNormActivation.Append(b, "stem", b.Input, ChannelRounding.Scale(MobileNetV2.StemChannels, width),
            kernel: 3, stride: 2, activation: ActivationFunction.Relu6);
        for (int stage = 0; stage < StagePlan.Stages; stage++)
        {
            string name = $"layer{stage + 1}";
            if (blocks[stage] == 0) x = StagePlan.Transition(b, name, x, widths[stage], ActivationFunction.Relu6);
            for (int block = 0; block < blocks[stage]; block++)
                x = InvertedResidual.Append(b, $"{name}.{block}", x, widths[stage], stride: block == 0 ? 2 : 1, Expansion);
        }
        return b.Build(StagePlan.Head(b, x, input.Classes));
    }
}
