using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Blocks;

/// <summary>
/// torchvision.ops.SqueezeExcitation (Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018): global
/// pool, 1x1 convolution (with bias) to the squeeze channels, activation (SiLU in EfficientNet), 1x1
/// convolution (with bias) back, sigmoid, channel-wise scale of the input.
/// </summary>
public static class SqueezeExcitation
{
    public static TensorRef Append(NetworkBuilder b, string scope, TensorRef x, int squeezeChannels, ActivationFunction activation)
    {
        using var _ = b.Scope(scope);
        var scale = b.GlobalAvgPool("avgpool", x);
        scale = b.Conv2d("fc1", scale, squeezeChannels, kernel: 1, padding: 0, bias: true);
        scale = b.Activation("activation", scale, activation);
        scale = b.Conv2d("fc2", scale, x.Channels, kernel: 1, padding: 0, bias: true);
        scale = b.Activation("scale_activation", scale, ActivationFunction.Sigmoid);
        return b.Multiply("mul", x, scale);
    }
}
