namespace FormFollowsFunction.Architectures.Description;

/// <summary>What a weight tensor is for; decides how it is initialised and whether it is counted as a parameter.</summary>
public enum ParameterRole
{
    /// <summary>Convolution kernel [out, in/groups, kh, kw] or fully connected matrix [out, in].</summary>
    Weight,
    Bias,
    /// <summary>Batch normalisation gamma.</summary>
    NormScale,
    /// <summary>Batch normalisation beta.</summary>
    NormShift,
    /// <summary>Batch normalisation running mean: a buffer, not a trainable parameter.</summary>
    RunningMean,
    /// <summary>Batch normalisation running variance: a buffer, not a trainable parameter.</summary>
    RunningVariance,
    /// <summary>A helper constant of an imported model file (a scalar such as hard-swish's 3 or 6): neither weight nor buffer.</summary>
    Constant,
}

/// <summary>
/// One weight tensor a layer owns, named as PyTorch names it (<c>weight</c>, <c>bias</c>,
/// <c>running_mean</c>, <c>running_var</c>) so that a node's tensor is <c>node.weight</c> everywhere.
/// </summary>
public sealed record ParameterSpec(string Name, TensorShape Shape, ParameterRole Role)
{
    /// <summary>True for what PyTorch calls parameters; running statistics are buffers.</summary>
    public bool IsTrainable => Role is not (ParameterRole.RunningMean or ParameterRole.RunningVariance or ParameterRole.Constant);

    public long ElementCount => Shape.ElementCount;
}
