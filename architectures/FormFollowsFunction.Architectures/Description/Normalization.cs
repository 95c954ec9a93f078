namespace FormFollowsFunction.Architectures.Description;

/// <summary>
/// Batch normalisation in inference mode: y = (x - running_mean) / sqrt(running_var + eps) * weight + bias
/// (ONNX <c>BatchNormalization</c>, <c>torch.nn.BatchNorm2d</c> in eval mode).
/// </summary>
public sealed record BatchNorm2d(int Channels, double Epsilon = 1e-5) : Layer
{
    public override string Kind => "BatchNorm";

    public override IReadOnlyList<ParameterSpec> Parameters =>
    [
        new("weight", TensorShape.Of(Channels), ParameterRole.NormScale),
        new("bias", TensorShape.Of(Channels), ParameterRole.NormShift),
        new("running_mean", TensorShape.Of(Channels), ParameterRole.RunningMean),
        new("running_var", TensorShape.Of(Channels), ParameterRole.RunningVariance),
    ];

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = RequireFeatureMap(inputs[0]);
        RequireChannels(x, Channels);
        if (!(Epsilon > 0)) throw new ShapeMismatchException($"epsilon must be positive, got {Epsilon}");
        return x;
    }
}
