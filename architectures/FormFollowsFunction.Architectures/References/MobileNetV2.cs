using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.References;

/// <summary>
/// MobileNet-V2 at width 1.0 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear
/// Bottlenecks", CVPR 2018, Table 2) as torchvision/models/mobilenetv2.py builds it: a 3x3 stride-2
/// stem of 32 channels, 17 inverted residual blocks, a 1x1 convolution to 1280 channels (all with
/// ReLU6), global average pool and a linear classifier. Dropout before the classifier is the identity
/// at inference and is left out (hence <c>classifier.1</c>).
/// </summary>
public sealed class MobileNetV2 : IReferenceNetwork
{
    /// <summary>One row of the paper's Table 2: expansion t, output channels c, repeats n, first stride s.</summary>
    internal readonly record struct BottleneckRow(int Expansion, int Channels, int Repeats, int Stride);

    internal static readonly BottleneckRow[] Table2 =
    [
        new(1, 16, 1, 1),
        new(6, 24, 2, 2),
        new(6, 32, 3, 2),
        new(6, 64, 4, 2),
        new(6, 96, 3, 1),
        new(6, 160, 3, 2),
        new(6, 320, 1, 1),
    ];

    internal const int StemChannels = 32;
    private const int LastChannels = 1280;

    public string Name => "mobilenetv2";

    public string Summary => "MobileNet-V2 1.0: 17 inverted residual blocks (ReLU6, linear bottlenecks), 1280-channel head";

    // torchvision model docs (pytorch.org/vision/stable/models.html), MobileNet_V2_Weights.IMAGENET1K_V1: 3,504,872 params, 0.30 GFLOPS.
    public PublishedCounts Published { get; } = new(3_504_872, 0.30, "torchvision models table, MobileNet_V2_Weights.IMAGENET1K_V1");

    public Network Build(InputSpec input)
    {
        const double width = 1.0;
        var b = new NetworkBuilder(Name, input.Shape);
        int index = 0;
        var x = ConvNormActivation.Append(b, $"features.{index++}", b.Input, ChannelRounding.Scale(StemChannels, width),
            kernel: 3, stride: 2, activation: ActivationFunction.Relu6);
        foreach (var row in Table2)
        {
            int channels = ChannelRounding.Scale(row.Channels, width);
            for (int i = 0; i < row.Repeats; i++)
                x = InvertedResidual.Append(b, $"features.{index++}", x, channels, stride: i == 0 ? row.Stride : 1, row.Expansion);
        }
        // torchvision widens the head only for width multipliers above 1.
        x = ConvNormActivation.Append(b, $"features.{index}", x, ChannelRounding.Scale(LastChannels, Math.Max(1.0, width)),
            kernel: 1, activation: ActivationFunction.Relu6);
        x = b.GlobalAvgPool("avgpool", x);
        x = b.Flatten("flatten", x);
        return b.Build(b.Linear("classifier.1", x, input.Classes));
    }
}
