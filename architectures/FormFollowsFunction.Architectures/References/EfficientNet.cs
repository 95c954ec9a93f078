using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.References;

/// <summary>
/// EfficientNet-B0 (Tan and Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
/// Networks", ICML 2019, Table 1) as torchvision/models/efficientnet.py builds it: a 3x3 stride-2 stem,
/// 16 MBConv blocks with SiLU and squeeze-excitation, a 1x1 convolution to 1280 channels, global average
/// pool and a linear classifier. Stochastic depth and dropout are the identity at inference and are left
/// out. Batch norm keeps PyTorch's default epsilon 1e-5: torchvision passes eps=1e-3 only for EfficientNet-V2.
/// </summary>
public sealed class EfficientNetB0 : IReferenceNetwork
{
    /// <summary>One stage of Table 1: expansion, kernel, first stride, output channels, layers.</summary>
    private readonly record struct Stage(int Expansion, int Kernel, int Stride, int Channels, int Layers);

    private static readonly Stage[] Stages =
    [
        new(1, 3, 1, 16, 1),
        new(6, 3, 2, 24, 2),
        new(6, 5, 2, 40, 2),
        new(6, 3, 2, 80, 3),
        new(6, 5, 1, 112, 3),
        new(6, 5, 2, 192, 4),
        new(6, 3, 1, 320, 1),
    ];

    private const int StemChannels = 32;

    public string Name => "efficientnet_b0";

    public string Summary => "EfficientNet-B0: 16 MBConv blocks with squeeze-excitation and SiLU, 1280-channel head";

    // torchvision model docs (pytorch.org/vision/stable/models.html), EfficientNet_B0_Weights.IMAGENET1K_V1: 5,288,548 params, 0.39 GFLOPS.
    public PublishedCounts Published { get; } = new(5_288_548, 0.39, "torchvision models table, EfficientNet_B0_Weights.IMAGENET1K_V1");

    public Network Build(InputSpec input)
    {
        var b = new NetworkBuilder(Name, input.Shape);
        var x = ConvNormActivation.Append(b, "features.0", b.Input, StemChannels, kernel: 3, stride: 2, activation: ActivationFunction.Silu);
        for (int s = 0; s < Stages.Length; s++)
        {
            var stage = Stages[s];
            for (int i = 0; i < stage.Layers; i++)
                x = MBConv(b, $"features.{s + 1}.{i}", x, stage.Channels, stage.Kernel, i == 0 ? stage.Stride : 1, stage.Expansion);
        }
        int lastChannels = 4 * Stages[^1].Channels;
        x = ConvNormActivation.Append(b, $"features.{Stages.Length + 1}", x, lastChannels, kernel: 1, activation: ActivationFunction.Silu);
        x = b.GlobalAvgPool("avgpool", x);
        x = b.Flatten("flatten", x);
        return b.Build(b.Linear("classifier.1", x, input.Classes));
    }

    /// <summary>
    /// Mobile inverted bottleneck: 1x1 expansion (left out at expansion 1), k x k depthwise carrying
    /// the stride, squeeze-excitation, 1x1 linear projection; the input is added back when the stride is
    /// 1 and the channels are unchanged.
    /// </summary>
    private static TensorRef MBConv(NetworkBuilder b, string scope, TensorRef x, int outChannels, int kernel, int stride, int expansion)
    {
        using var _ = b.Scope(scope);
        int expanded = ChannelRounding.MakeDivisible(x.Channels * expansion);
        int index = 0;
        var y = x;
        if (expanded != x.Channels)
            y = ConvNormActivation.Append(b, $"block.{index++}", y, expanded, kernel: 1, activation: ActivationFunction.Silu);
        y = ConvNormActivation.Append(b, $"block.{index++}", y, expanded, kernel, stride, groups: expanded, activation: ActivationFunction.Silu);
        // torchvision sizes the squeeze from the block's input channels, not the expanded ones.
        y = SqueezeExcitation.Append(b, $"block.{index++}", y, squeezeChannels: Math.Max(1, x.Channels / 4), ActivationFunction.Silu);
        y = ConvNormActivation.Append(b, $"block.{index}", y, outChannels, kernel: 1, activation: null);
        return InvertedResidual.UsesResidual(x.Channels, outChannels, stride) ? b.Sum("add", y, x) : y;
    }
}
