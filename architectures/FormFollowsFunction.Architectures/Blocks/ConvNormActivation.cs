using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Blocks;

/// <summary>
/// torchvision's <c>Conv2dNormActivation</c>: convolution without bias, batch normalisation and an
/// optional activation, as nodes <c>{scope}.0</c>, <c>{scope}.1</c>, <c>{scope}.2</c>.
/// Padding is <c>(kernel - 1) / 2 · dilation</c>, which keeps the size at stride 1.
/// </summary>
public static class ConvNormActivation
{
    public static TensorRef Append(NetworkBuilder b, string scope, TensorRef x, int outChannels, int kernel,
        int stride = 1, int groups = 1, ActivationFunction? activation = ActivationFunction.Relu, double epsilon = 1e-5)
    {
        using var _ = b.Scope(scope);
        x = b.Conv2d("0", x, outChannels, kernel, stride, padding: (kernel - 1) / 2, groups: groups);
        x = b.BatchNorm("1", x, epsilon);
        return activation is { } f ? b.Activation("2", x, f) : x;
    }
}
