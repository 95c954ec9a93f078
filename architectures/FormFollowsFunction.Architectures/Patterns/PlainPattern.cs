using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.References;

namespace FormFollowsFunction.Architectures.Patterns;

/// <summary>
/// VGG-style blocks, each one 3x3 convolution + batch norm + ReLU, with no shortcuts, on the same
/// skeleton as <see cref="ResidualPattern"/> (ResNet-18's stem, max pool and stage widths; the first
/// block of stages 2-4 has stride 2). This is the "plain" baseline of He et al. (CVPR 2016, Fig. 3):
/// plain-d16-w1.0 has the 3x3 convolutions of ResNet-18 without its shortcuts.
/// </summary>
public sealed class PlainPattern : IArchitecturePattern
{
    public string Name => "plain";

    public string Summary => "VGG-style 3x3 conv+BN+ReLU blocks, no shortcuts, on ResNet-18's stem and stages (the ResNet paper's plain baseline)";

    public string DepthMeaning => "number of 3x3 conv+BN+ReLU blocks, spread over the 4 stages, extra blocks to the last stages; d16 = ResNet-18's convolutions without shortcuts";

    public string WidthMeaning => "multiplies the channels of the stem and of the stages (64, 128, 256, 512), rounded to a multiple of 8";

    public int ExampleDepth => 16;

    public Network Build(string id, int depth, double width, InputSpec input) =>
        StagePlan.OnResNetSkeleton(id, depth, width, input, (b, name, x, channels, stride) => ConvNormActivation.Append(b, name, x, channels, kernel: 3, stride: stride));
}
