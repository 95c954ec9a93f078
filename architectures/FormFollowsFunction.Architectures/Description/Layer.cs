namespace FormFollowsFunction.Architectures.Description;

/// <summary>
/// One typed operation of the network description. A layer knows its shape rule and the weight
/// tensors it owns; what it costs, how it is exported and how it runs are decided by the readers
/// of the description (counting, ONNX export, the TorchSharp builder), each in one place.
/// </summary>
public abstract record Layer
{
    /// <summary>Short operator name for tables and node names: <c>Conv</c>, <c>BatchNorm</c>, <c>Relu</c>, ...</summary>
    public abstract string Kind { get; }

    /// <summary>How many inputs the layer takes; <c>null</c> means two or more.</summary>
    public virtual int? Arity => 1;

    public virtual IReadOnlyList<ParameterSpec> Parameters => [];

    /// <summary>Output shape for the given inputs; throws <see cref="ShapeMismatchException"/> when they do not fit.</summary>
    public abstract TensorShape InferShape(IReadOnlyList<TensorShape> inputs);

    protected static TensorShape RequireFeatureMap(TensorShape shape, string what = "input")
    {
        if (!shape.IsFeatureMap) throw new ShapeMismatchException($"{what} must be a feature map (NCHW), got {shape}");
        return shape;
    }

    protected static void RequireChannels(TensorShape input, int expected)
    {
        if (input.Channels != expected)
            throw new ShapeMismatchException($"expects {expected} input channels, got {input.Channels} (input {input})");
    }

    /// <summary>Output length of a sliding window (convolution or pooling), PyTorch's floor rule.</summary>
    protected static int SlidingOutput(int input, int kernel, int stride, int padding, int dilation, string axis, bool ceilMode = false)
    {
        int span = dilation * (kernel - 1) + 1;
        int numerator = input + 2 * padding - span;
        if (numerator < 0)
            throw new ShapeMismatchException(
                $"{axis} {input} (padded {input + 2 * padding}) is smaller than the window {span}; the input resolution is too small");
        int output = (ceilMode ? (numerator + stride - 1) / stride : numerator / stride) + 1;
        // PyTorch's ceil mode drops a last window that would start inside the right padding.
        if (ceilMode && (output - 1) * stride >= input + padding) output--;
        return output;
    }

    protected static void RequirePositive(int value, string name)
    {
        if (value <= 0) throw new ShapeMismatchException($"{name} must be positive, got {value}");
    }
}
