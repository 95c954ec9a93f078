namespace FormFollowsFunction.Architectures.Description;

/// <summary>[N, C, H, W] → [N, C·H·W] (ONNX <c>Flatten</c> with axis 1).</summary>
public sealed record Flatten : Layer
{
    public override string Kind => "Flatten";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = inputs[0];
        return TensorShape.Of(x.Batch, checked((int)(x.ElementCount / x.Batch)));
    }
}

/// <summary>
/// Drops the first <see cref="Top"/> rows and <see cref="Left"/> columns: <c>x[:, :, top:, left:]</c>,
/// as DARTS' FactorizedReduce does to offset its second stride-2 path by one pixel (ONNX <c>Slice</c>).
/// </summary>
public sealed record SpatialCrop(int Top, int Left) : Layer
{
    public override string Kind => "Crop";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = RequireFeatureMap(inputs[0]);
        if (Top < 0 || Left < 0) throw new ShapeMismatchException($"crop offsets must not be negative, got ({Top}, {Left})");
        if (x.Height - Top < 1 || x.Width - Left < 1)
            throw new ShapeMismatchException($"cannot crop ({Top}, {Left}) from {x}; the input resolution is too small");
        return TensorShape.Nchw(x.Batch, x.Channels, x.Height - Top, x.Width - Left);
    }
}
