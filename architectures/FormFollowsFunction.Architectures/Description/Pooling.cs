namespace FormFollowsFunction.Architectures.Description;

/// <summary>Max pooling (ONNX <c>MaxPool</c>, <c>torch.nn.MaxPool2d</c>), padding with -inf.</summary>
public sealed record MaxPool2d(Size2d Kernel, Size2d Stride, Size2d Padding, bool CeilMode = false) : Layer
{
    public override string Kind => "MaxPool";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) =>
        PoolShape(RequireFeatureMap(inputs[0]), Kernel, Stride, Padding, CeilMode);

    internal static TensorShape PoolShape(TensorShape x, Size2d kernel, Size2d stride, Size2d padding, bool ceilMode)
    {
        RequirePositive(kernel.Height, "kernel height");
        RequirePositive(kernel.Width, "kernel width");
        RequirePositive(stride.Height, "stride");
        RequirePositive(stride.Width, "stride");
        if (padding.Height * 2 > kernel.Height || padding.Width * 2 > kernel.Width)
            throw new ShapeMismatchException($"padding {padding} must be at most half the kernel {kernel}");
        int h = SlidingOutput(x.Height, kernel.Height, stride.Height, padding.Height, 1, "height", ceilMode);
        int w = SlidingOutput(x.Width, kernel.Width, stride.Width, padding.Width, 1, "width", ceilMode);
        return TensorShape.Nchw(x.Batch, x.Channels, h, w);
    }
}

/// <summary>
/// Average pooling (ONNX <c>AveragePool</c>, <c>torch.nn.AvgPool2d</c>). With
/// <see cref="CountIncludePad"/> false, windows at the border divide by the number of real inputs,
/// as DARTS' avg_pool_3x3 does.
/// </summary>
public sealed record AvgPool2d(Size2d Kernel, Size2d Stride, Size2d Padding, bool CountIncludePad = true, bool CeilMode = false) : Layer
{
    public override string Kind => "AvgPool";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) =>
        MaxPool2d.PoolShape(RequireFeatureMap(inputs[0]), Kernel, Stride, Padding, CeilMode);
}

/// <summary>Mean over H and W for each channel: [N, C, H, W] → [N, C, 1, 1].</summary>
public sealed record GlobalAvgPool : Layer
{
    public override string Kind => "GlobalAvgPool";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = RequireFeatureMap(inputs[0]);
        return TensorShape.Nchw(x.Batch, x.Channels, 1, 1);
    }
}

/// <summary>
/// PyTorch's adaptive average pooling to a fixed output size (VGG's 7x7 before its classifier):
/// output cell (i, j) averages input rows [floor(i·H/OH), ceil((i+1)·H/OH)) and the same for columns.
/// </summary>
public sealed record AdaptiveAvgPool2d(Size2d OutputSize) : Layer
{
    public override string Kind => "AdaptiveAvgPool";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = RequireFeatureMap(inputs[0]);
        RequirePositive(OutputSize.Height, "output height");
        RequirePositive(OutputSize.Width, "output width");
        return TensorShape.Nchw(x.Batch, x.Channels, OutputSize.Height, OutputSize.Width);
    }

    /// <summary>The half-open input range [start, end) that output index <paramref name="index"/> averages.</summary>
    public static (int Start, int End) Window(int index, int inputSize, int outputSize) =>
        (index * inputSize / outputSize, ((index + 1) * inputSize + outputSize - 1) / outputSize);
}
