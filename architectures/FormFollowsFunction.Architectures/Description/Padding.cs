namespace FormFollowsFunction.Architectures.Description;

/// <summary>
/// Adds <see cref="Bottom"/> rows and <see cref="Right"/> columns of zeros: <c>F.pad(x, (0, right, 0, bottom))</c>
/// (ONNX <c>Pad</c>, constant mode). DARTS ports pad the shifted path of FactorizedReduce this way so
/// that both stride-2 paths have the same size when the feature map is odd.
/// </summary>
public sealed record ZeroPad2d(int Bottom, int Right) : Layer
{
    public override string Kind => "Pad";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = RequireFeatureMap(inputs[0]);
        if (Bottom < 0 || Right < 0) throw new ShapeMismatchException($"zero padding must not be negative, got ({Bottom}, {Right})");
        return TensorShape.Nchw(x.Batch, x.Channels, x.Height + Bottom, x.Width + Right);
    }
}
