using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Blocks;

/// <summary>
/// MobileNet-V2's inverted residual block (Sandler et al., "MobileNetV2: Inverted Residuals and
/// Linear Bottlenecks", CVPR 2018; torchvision/models/mobilenetv2.py): 1x1 expansion to
/// <c>round(in · t)</c> channels with ReLU6 (left out when t = 1), 3x3 depthwise convolution carrying
/// the stride with ReLU6, 1x1 linear projection with batch norm and no activation; the input is added
/// back when the stride is 1 and the channel count is unchanged.
/// Nodes are named as torchvision's <c>conv</c> sequence: <c>conv.0.0</c>, ..., <c>conv.2</c>, <c>conv.3</c>, <c>add</c>.
/// Spec files also vary the depthwise kernel and the activation and may add squeeze-excitation after the
/// depthwise convolution (MBConv); the defaults are MobileNet-V2's.
/// </summary>
public static class InvertedResidual
{
    /// <param name="squeezeRatio">Squeeze-excitation with <c>max(1, floor(in · ratio))</c> squeeze channels (EfficientNet's rule); null for none.</param>
    public static TensorRef Append(NetworkBuilder b, string scope, TensorRef x, int outChannels, int stride, int expandRatio,
        int kernel = 3, ActivationFunction activation = ActivationFunction.Relu6, double? squeezeRatio = null)
    {
        using var _ = b.Scope(scope);
        int hidden = (int)Math.Round((double)x.Channels * expandRatio, MidpointRounding.ToEven);
        int index = 0;
        var y = x;
        if (expandRatio != 1)
            y = ConvNormActivation.Append(b, $"conv.{index++}", y, hidden, kernel: 1, activation: activation);
        y = ConvNormActivation.Append(b, $"conv.{index++}", y, hidden, kernel, stride: stride, groups: hidden, activation: activation);
        if (squeezeRatio is { } ratio)
            y = SqueezeExcitation.Append(b, $"conv.{index++}", y, Math.Max(1, (int)(x.Channels * ratio)), activation);
        y = b.Conv2d($"conv.{index++}", y, outChannels, kernel: 1);
        y = b.BatchNorm($"conv.{index}", y);
        return UsesResidual(x.Channels, outChannels, stride) ? b.Sum("add", x, y) : y;
    }

    public static bool UsesResidual(int inChannels, int outChannels, int stride) => stride == 1 && inChannels == outChannels;
}
