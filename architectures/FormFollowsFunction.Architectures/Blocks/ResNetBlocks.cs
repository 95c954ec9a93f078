using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Blocks;

/// <summary>
/// The parts of torchvision's ResNet (He et al., "Deep Residual Learning for Image Recognition",
/// CVPR 2016; torchvision/models/resnet.py), shared by the reference ResNets and the residual and
/// plain patterns. Node names are torchvision's module names; the unnamed operations of
/// <c>forward</c> are named as torch.fx names them (<c>relu_1</c>, <c>add</c>), as
/// <c>torchvision.models.feature_extraction.get_graph_node_names</c> lists them.
/// </summary>
public static class ResNetBlocks
{
    /// <summary>Channel multiplier of the last convolution of a <see cref="Bottleneck"/> block.</summary>
    public const int BottleneckExpansion = 4;

    /// <summary>conv1 7x7 stride 2 (padding 3), bn1, relu: the stem, down-sampling by 2.</summary>
    public static TensorRef Stem(NetworkBuilder b, TensorRef x, int width)
    {
        x = b.Conv2d("conv1", x, width, kernel: 7, stride: 2, padding: 3);
        x = b.BatchNorm("bn1", x);
        return b.Relu("relu", x);
    }

    /// <summary>The 3x3 stride-2 max pool (padding 1) that opens the first stage.</summary>
    public static TensorRef StemPool(NetworkBuilder b, TensorRef x) => b.MaxPool("maxpool", x, kernel: 3, stride: 2, padding: 1);

    /// <summary>
    /// Two 3x3 convolutions with batch norm; the shortcut is the identity, or a projection
    /// (<c>downsample</c>: 1x1 convolution with the block's stride, then batch norm) when the stride
    /// or the width changes, torchvision's option B. <paramref name="activation"/> is ReLU in ResNet; spec files may choose another.
    /// </summary>
    public static TensorRef BasicBlock(NetworkBuilder b, string scope, TensorRef x, int planes, int stride,
        ActivationFunction activation = ActivationFunction.Relu)
    {
        using var _ = b.Scope(scope);
        var y = b.Conv2d("conv1", x, planes, kernel: 3, stride: stride);
        y = b.BatchNorm("bn1", y);
        y = b.Activation("relu", y, activation);
        y = b.Conv2d("conv2", y, planes, kernel: 3);
        y = b.BatchNorm("bn2", y);
        y = b.Sum("add", y, Shortcut(b, x, planes, stride));
        return b.Activation("relu_1", y, activation);
    }

    /// <summary>
    /// ResNet v1.5 bottleneck: 1x1 reduce, 3x3 carrying the stride (torchvision puts it there, the
    /// paper on the first 1x1), 1x1 expand by <paramref name="expansion"/> (<see cref="BottleneckExpansion"/> in ResNet), then the shortcut.
    /// </summary>
    public static TensorRef Bottleneck(NetworkBuilder b, string scope, TensorRef x, int planes, int stride,
        ActivationFunction activation = ActivationFunction.Relu, int expansion = BottleneckExpansion)
    {
        using var _ = b.Scope(scope);
        int outChannels = planes * expansion;
        var y = b.Conv2d("conv1", x, planes, kernel: 1);
        y = b.BatchNorm("bn1", y);
        y = b.Activation("relu", y, activation);
        y = b.Conv2d("conv2", y, planes, kernel: 3, stride: stride);
        y = b.BatchNorm("bn2", y);
        y = b.Activation("relu_1", y, activation);
        y = b.Conv2d("conv3", y, outChannels, kernel: 1);
        y = b.BatchNorm("bn3", y);
        y = b.Sum("add", y, Shortcut(b, x, outChannels, stride));
        return b.Activation("relu_2", y, activation);
    }

    private static TensorRef Shortcut(NetworkBuilder b, TensorRef x, int outChannels, int stride)
    {
        if (stride == 1 && x.Channels == outChannels) return x;
        var y = b.Conv2d("downsample.0", x, outChannels, kernel: 1, stride: stride);
        return b.BatchNorm("downsample.1", y);
    }

    /// <summary>avgpool (global average), flatten, fc: the classifier head.</summary>
    public static TensorRef Head(NetworkBuilder b, TensorRef x, int classes)
    {
        // torchvision's AdaptiveAvgPool2d((1, 1)) is a global average pool.
        x = b.GlobalAvgPool("avgpool", x);
        x = b.Flatten("flatten", x);
        return b.Linear("fc", x, classes);
    }
}
