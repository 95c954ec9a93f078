namespace FormFollowsFunction.Architectures.Description;

public enum ActivationFunction
{
    Relu,
    /// <summary>min(max(x, 0), 6), as in MobileNet-V2.</summary>
    Relu6,
    /// <summary>x * sigmoid(x), also called Swish, as in EfficientNet.</summary>
    Silu,
    Sigmoid,
}

/// <summary>An element-wise activation function; the output has the input's shape.</summary>
public sealed record Activation(ActivationFunction Function) : Layer
{
    public override string Kind => Function.ToString();

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) => inputs[0];
}

/// <summary>Passes its input on unchanged (for example DARTS' skip connection in a normal cell).</summary>
public sealed record Identity : Layer
{
    public override string Kind => "Identity";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) => inputs[0];
}

/// <summary>Element-wise sum of two or more tensors of the same shape (residual connections, DARTS nodes).</summary>
public sealed record Add : Layer
{
    public override string Kind => "Add";

    public override int? Arity => null;

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i] != inputs[0])
                throw new ShapeMismatchException($"cannot add tensors of shapes {inputs[0]} and {inputs[i]}");
        return inputs[0];
    }
}

/// <summary>
/// Element-wise product of a feature map and a per-channel gate [N, C, 1, 1] broadcast over H and W
/// (squeeze-and-excitation), or of two tensors of the same shape.
/// </summary>
public sealed record Multiply : Layer
{
    public override string Kind => "Mul";

    public override int? Arity => 2;

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var (x, gate) = (inputs[0], inputs[1]);
        if (x == gate) return x;
        bool broadcastsAsGate = x.IsFeatureMap && gate.IsFeatureMap && gate.Batch == x.Batch
                                && gate.Channels == x.Channels && gate.Height == 1 && gate.Width == 1;
        if (!broadcastsAsGate)
            throw new ShapeMismatchException($"cannot multiply {x} by {gate}: the second input must have the first's shape or be [N, C, 1, 1]");
        return x;
    }
}

/// <summary>Concatenation along the channel axis.</summary>
public sealed record Concat : Layer
{
    public override string Kind => "Concat";

    public override int? Arity => null;

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var first = RequireFeatureMap(inputs[0]);
        int channels = 0;
        foreach (var x in inputs)
        {
            RequireFeatureMap(x);
            if (x.Batch != first.Batch || x.Height != first.Height || x.Width != first.Width)
                throw new ShapeMismatchException($"cannot concatenate {first} and {x} along channels: batch and spatial sizes differ");
            channels += x.Channels;
        }
        return first.WithChannels(channels);
    }
}
