namespace FormFollowsFunction.Architectures.Description;

/// <summary>2-D convolution (ONNX <c>Conv</c>, <c>torch.nn.Conv2d</c>), symmetric padding.</summary>
public sealed record Conv2d(
    int InChannels,
    int OutChannels,
    Size2d Kernel,
    Size2d Stride,
    Size2d Padding,
    Size2d Dilation,
    int Groups = 1,
    bool HasBias = false) : Layer
{
    public override string Kind => Groups == 1 ? "Conv" : Groups == InChannels && Groups == OutChannels ? "DepthwiseConv" : "GroupConv";

    public bool IsDepthwise => Groups > 1 && Groups == InChannels;

    public override IReadOnlyList<ParameterSpec> Parameters => HasBias
        ? [WeightSpec, new ParameterSpec("bias", TensorShape.Of(OutChannels), ParameterRole.Bias)]
        : [WeightSpec];

    private ParameterSpec WeightSpec => new("weight",
        TensorShape.Of(OutChannels, InChannels / Groups, Kernel.Height, Kernel.Width), ParameterRole.Weight);

    /// <summary>Inputs a single output element reads: (in / groups) x kh x kw.</summary>
    public long FanIn => (long)(InChannels / Groups) * Kernel.Height * Kernel.Width;

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = RequireFeatureMap(inputs[0]);
        RequirePositive(OutChannels, "output channels");
        RequirePositive(Groups, "groups");
        RequirePositive(Kernel.Height, "kernel height");
        RequirePositive(Kernel.Width, "kernel width");
        RequirePositive(Stride.Height, "stride");
        RequirePositive(Stride.Width, "stride");
        RequirePositive(Dilation.Height, "dilation");
        RequirePositive(Dilation.Width, "dilation");
        if (Padding.Height < 0 || Padding.Width < 0) throw new ShapeMismatchException($"padding must not be negative, got {Padding}");
        RequireChannels(x, InChannels);
        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ShapeMismatchException($"{InChannels} input and {OutChannels} output channels are not both divisible by {Groups} groups");
        int h = SlidingOutput(x.Height, Kernel.Height, Stride.Height, Padding.Height, Dilation.Height, "height");
        int w = SlidingOutput(x.Width, Kernel.Width, Stride.Width, Padding.Width, Dilation.Width, "width");
        return TensorShape.Nchw(x.Batch, OutChannels, h, w);
    }
}

/// <summary>Fully connected layer y = x Wᵀ + b (ONNX <c>Gemm</c> with transB, <c>torch.nn.Linear</c>).</summary>
public sealed record Linear(int InFeatures, int OutFeatures, bool HasBias = true) : Layer
{
    public override string Kind => "Linear";

    public override IReadOnlyList<ParameterSpec> Parameters
    {
        get
        {
            var weight = new ParameterSpec("weight", TensorShape.Of(OutFeatures, InFeatures), ParameterRole.Weight);
            return HasBias ? [weight, new ParameterSpec("bias", TensorShape.Of(OutFeatures), ParameterRole.Bias)] : [weight];
        }
    }

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = inputs[0];
        if (x.Rank != 2) throw new ShapeMismatchException($"input must be [batch, features] (flatten first), got {x}");
        RequirePositive(OutFeatures, "output features");
        if (x.Channels != InFeatures) throw new ShapeMismatchException($"expects {InFeatures} input features, got {x.Channels}");
        return TensorShape.Of(x.Batch, OutFeatures);
    }
}
