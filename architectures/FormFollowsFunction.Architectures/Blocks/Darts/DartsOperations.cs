using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Blocks.Darts;

/// <summary>
/// The candidate operations of DARTS (operations.py of the paper's code), at evaluation time
/// (batch norm with affine parameters). Every operation starts with a ReLU, as the code's do.
/// Node names follow the code's module names (<c>op.0</c>, <c>conv_1</c>, ...); the slicing and
/// concatenation inside <c>FactorizedReduce.forward</c> are named <c>crop</c> and <c>cat</c>.
/// </summary>
public static class DartsOperations
{
    /// <summary>Appends operation <paramref name="operation"/> as nodes named under <paramref name="scope"/>.</summary>
    public static TensorRef Append(NetworkBuilder b, string scope, string operation, TensorRef x, int channels, int stride) => operation switch
    {
        // count_include_pad=False: border windows average only the real inputs.
        "avg_pool_3x3" => b.AvgPool(scope, x, kernel: 3, stride: stride, padding: 1, countIncludePad: false),
        "max_pool_3x3" => b.MaxPool(scope, x, kernel: 3, stride: stride, padding: 1),
        "skip_connect" => stride == 1 ? b.Identity(scope, x) : FactorizedReduce(b, scope, x, channels),
        "sep_conv_3x3" => SepConv(b, scope, x, channels, kernel: 3, stride, padding: 1),
        "sep_conv_5x5" => SepConv(b, scope, x, channels, kernel: 5, stride, padding: 2),
        "dil_conv_3x3" => DilConv(b, scope, x, channels, kernel: 3, stride, padding: 2, dilation: 2),
        "dil_conv_5x5" => DilConv(b, scope, x, channels, kernel: 5, stride, padding: 4, dilation: 2),
        _ => throw new ArgumentException($"unknown DARTS operation '{operation}'; known: {string.Join(", ", Genotype.Operations)}", nameof(operation)),
    };

    /// <summary>ReLUConvBN: ReLU, convolution without bias, batch norm (<c>op.0</c>, <c>op.1</c>, <c>op.2</c>).</summary>
    public static TensorRef ReluConvBn(NetworkBuilder b, string scope, TensorRef x, int outChannels, int kernel, int stride, int padding)
    {
        using var _ = b.Scope(scope);
        x = b.Relu("op.0", x);
        x = b.Conv2d("op.1", x, outChannels, kernel, stride, padding);
        return b.BatchNorm("op.2", x);
    }

    /// <summary>
    /// Halves the resolution without losing every other pixel: ReLU, then two 1x1 stride-2
    /// convolutions to half the channels each, the second on the input shifted by one pixel
    /// (<c>x[:, :, 1:, 1:]</c>), concatenated and batch-normalised. The code needs an even input size; on an
    /// odd one the shifted path is padded with a zero row or column at the bottom or right (<c>pad</c>), as
    /// DARTS ports do, so that both paths give ceil(size / 2). Even sizes get no pad node: their network is unchanged.
    /// </summary>
    public static TensorRef FactorizedReduce(NetworkBuilder b, string scope, TensorRef x, int outChannels)
    {
        if (outChannels % 2 != 0) throw new ArgumentException($"FactorizedReduce needs an even channel count, got {outChannels}", nameof(outChannels));
        using var _ = b.Scope(scope);
        x = b.Relu("relu", x);
        var even = b.Conv2d("conv_1", x, outChannels / 2, kernel: 1, stride: 2, padding: 0);
        var shifted = b.Add("crop", new SpatialCrop(1, 1), x);
        int bottom = x.Shape.Height % 2, right = x.Shape.Width % 2;
        if (bottom + right > 0) shifted = b.Add("pad", new ZeroPad2d(bottom, right), shifted);
        var odd = b.Conv2d("conv_2", shifted, outChannels / 2, kernel: 1, stride: 2, padding: 0);
        var both = b.Concat("cat", even, odd);
        return b.BatchNorm("bn", both);
    }

    /// <summary>Two stacked (ReLU, depthwise k x k, pointwise 1x1, batch norm); only the first carries the stride.</summary>
    private static TensorRef SepConv(NetworkBuilder b, string scope, TensorRef x, int channels, int kernel, int stride, int padding)
    {
        using var _ = b.Scope(scope);
        int c = x.Channels;
        x = b.Relu("op.0", x);
        x = b.Conv2d("op.1", x, c, kernel, stride, padding, groups: c);
        x = b.Conv2d("op.2", x, c, kernel: 1, padding: 0);
        x = b.BatchNorm("op.3", x);
        x = b.Relu("op.4", x);
        x = b.Conv2d("op.5", x, c, kernel, stride: 1, padding, groups: c);
        x = b.Conv2d("op.6", x, channels, kernel: 1, padding: 0);
        return b.BatchNorm("op.7", x);
    }

    /// <summary>ReLU, dilated depthwise k x k, pointwise 1x1, batch norm.</summary>
    private static TensorRef DilConv(NetworkBuilder b, string scope, TensorRef x, int channels, int kernel, int stride, int padding, int dilation)
    {
        using var _ = b.Scope(scope);
        int c = x.Channels;
        x = b.Relu("op.0", x);
        x = b.Conv2d("op.1", x, c, kernel, stride, padding, dilation, groups: c);
        x = b.Conv2d("op.2", x, channels, kernel: 1, padding: 0);
        return b.BatchNorm("op.3", x);
    }
}
