using System.Collections.Immutable;

namespace FormFollowsFunction.Architectures.Description;

// Layers of any tensor rank, added for networks imported from ONNX files (attention blocks, decomposed
// activations, shape manipulation). The catalog's generators never use them, so catalog counts and
// exported files do not change. Each layer states its shape rule here; its cost is in LayerArithmetic
// and its torch operation in TorchNetwork, one case each.

/// <summary>Element-wise binary operators with NumPy (ONNX multidirectional) broadcasting.</summary>
public enum BinaryOperator { Add, Sub, Mul, Div, Pow, PRelu, Max, Min }

/// <summary>A binary element-wise operation whose inputs broadcast against each other (ONNX <c>Add</c>, <c>Mul</c>, <c>PRelu</c>, ...).</summary>
public sealed record Broadcast(BinaryOperator Operator) : Layer
{
    public override string Kind => Operator.ToString();

    public override int? Arity => 2;

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) => Shape(inputs[0], inputs[1]);

    /// <summary>The NumPy broadcast of two shapes: dimensions aligned from the right, each pair equal or one of them 1.</summary>
    public static TensorShape Shape(TensorShape a, TensorShape b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a.Dimensions[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b.Dimensions[i - (rank - b.Rank)];
            result[i] = da == db || db == 1 ? da : da == 1 ? db
                : throw new ShapeMismatchException($"shapes {a} and {b} do not broadcast");
        }
        return TensorShape.Of(result);
    }
}

/// <summary>Element-wise unary functions beyond <see cref="ActivationFunction"/>; <c>A</c> and <c>B</c> are the ONNX attributes.</summary>
public enum PointwiseOperator
{
    Sqrt,
    Reciprocal,
    /// <summary>Natural logarithm.</summary>
    Log,
    Tanh,
    Erf,
    /// <summary>x·Φ(x), exact (ONNX Gelu, approximate="none").</summary>
    Gelu,
    /// <summary>x·Φ(x) with the tanh approximation (ONNX Gelu, approximate="tanh").</summary>
    GeluTanh,
    /// <summary>max(0, min(1, A·x + B)).</summary>
    HardSigmoid,
    /// <summary>x·max(0, min(1, x/6 + 1/2)).</summary>
    HardSwish,
    /// <summary>x for x ≥ 0, A·x below.</summary>
    LeakyRelu,
    /// <summary>min(max(x, A), B).</summary>
    Clip,
}

/// <summary>An element-wise unary function; the output has the input's shape.</summary>
public sealed record Pointwise(PointwiseOperator Operator, double A = 0, double B = 0) : Layer
{
    public override string Kind => Operator.ToString();

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) => inputs[0];
}

/// <summary>
/// A constant tensor of the model file (an initializer or a <c>Constant</c> node) that an operation reads
/// as an input. It owns one tensor, <c>value</c>; whether it counts as a parameter is <see cref="IsParameter"/>.
/// </summary>
public sealed record ConstantTensor(TensorShape Shape, bool IsParameter) : Layer
{
    public override string Kind => "Constant";

    public override int? Arity => 0;

    public override IReadOnlyList<ParameterSpec> Parameters =>
        [new("value", Shape, IsParameter ? ParameterRole.Weight : ParameterRole.Constant)];

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) => Shape;
}

/// <summary>NumPy matrix product (ONNX <c>MatMul</c>): batch dimensions broadcast, [.., n, k] · [.., k, m] → [.., n, m].</summary>
public sealed record MatMul : Layer
{
    public override string Kind => "MatMul";

    public override int? Arity => 2;

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var (a, b) = (inputs[0], inputs[1]);
        if (a.Rank < 2 || b.Rank < 2) throw new ShapeMismatchException($"matrix product needs rank 2 or more, got {a} and {b}");
        int k = a.Dimensions[^1];
        if (b.Dimensions[^2] != k) throw new ShapeMismatchException($"cannot multiply {a} by {b}: inner sizes {k} and {b.Dimensions[^2]} differ");
        var batch = a.Rank == 2 && b.Rank == 2 ? null
            : Broadcast.Shape(TensorShape.Of([.. a.Dimensions[..^2], 1]), TensorShape.Of([.. b.Dimensions[..^2], 1]));
        int[] leading = batch is null ? [] : [.. batch.Dimensions[..^1]];
        return TensorShape.Of([.. leading, a.Dimensions[^2], b.Dimensions[^1]]);
    }

    /// <summary>The inner (summed) dimension.</summary>
    public static int Inner(TensorShape a) => a.Dimensions[^1];
}

/// <summary>Permutes the axes (ONNX <c>Transpose</c>).</summary>
public sealed record Transpose(ImmutableArray<int> Permutation) : Layer
{
    public override string Kind => "Transpose";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = inputs[0];
        if (Permutation.Length != x.Rank || Permutation.Order().Where((p, i) => p != i).Any())
            throw new ShapeMismatchException($"permutation [{string.Join(',', Permutation)}] does not fit {x}");
        return TensorShape.Of([.. Permutation.Select(p => x.Dimensions[p])]);
    }

    public bool Equals(Transpose? other) => other is not null && Permutation.SequenceEqual(other.Permutation);

    public override int GetHashCode() => Permutation.Aggregate(17, HashCode.Combine);
}

/// <summary>The same elements under another shape (ONNX <c>Reshape</c>, <c>Flatten</c>, <c>Squeeze</c>, <c>Unsqueeze</c>).</summary>
public sealed record Reshape(TensorShape Target) : Layer
{
    public override string Kind => "Reshape";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) => inputs[0].ElementCount == Target.ElementCount
        ? Target
        : throw new ShapeMismatchException($"cannot reshape {inputs[0]} ({inputs[0].ElementCount} elements) to {Target}");
}

/// <summary>Broadcasts the input to a larger shape (ONNX <c>Expand</c>).</summary>
public sealed record Expand(TensorShape Target) : Layer
{
    public override string Kind => "Expand";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var shape = Broadcast.Shape(inputs[0], Target);
        return shape == Target ? Target : throw new ShapeMismatchException($"cannot expand {inputs[0]} to {Target}");
    }
}

/// <summary>Softmax over one axis (ONNX <c>Softmax</c>, opset 13 semantics; older files are converted on import).</summary>
public sealed record Softmax(int Axis) : Layer
{
    public override string Kind => "Softmax";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs) => Axis >= 0 && Axis < inputs[0].Rank
        ? inputs[0]
        : throw new ShapeMismatchException($"axis {Axis} is outside {inputs[0]}");
}

/// <summary>Layer normalisation over the trailing axes from <see cref="Axis"/> (ONNX <c>LayerNormalization</c>, <c>torch.nn.LayerNorm</c>).</summary>
public sealed record LayerNorm(TensorShape Normalized, double Epsilon, bool HasBias) : Layer
{
    public override string Kind => "LayerNorm";

    public override IReadOnlyList<ParameterSpec> Parameters => HasBias
        ? [new("weight", Normalized, ParameterRole.NormScale), new("bias", Normalized, ParameterRole.NormShift)]
        : [new("weight", Normalized, ParameterRole.NormScale)];

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = inputs[0];
        if (x.Rank < Normalized.Rank || !x.Dimensions[^Normalized.Rank..].SequenceEqual(Normalized.Dimensions))
            throw new ShapeMismatchException($"cannot normalise {x} over trailing dimensions {Normalized}");
        return x;
    }
}

/// <summary>What <see cref="Reduction"/> computes over its axes.</summary>
public enum ReduceFunction { Mean, Max }

/// <summary>Mean or maximum over some axes (ONNX <c>ReduceMean</c>, <c>ReduceMax</c>).</summary>
public sealed record Reduction(ReduceFunction Function, ImmutableArray<int> Axes, bool KeepDims) : Layer
{
    public override string Kind => $"Reduce{Function}";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = inputs[0];
        if (Axes.Any(a => a < 0 || a >= x.Rank)) throw new ShapeMismatchException($"axes [{string.Join(',', Axes)}] are outside {x}");
        var kept = x.Dimensions.Select((d, i) => Axes.Contains(i) ? (KeepDims ? 1 : -1) : d).Where(d => d >= 0).ToArray();
        return kept.Length == 0 ? TensorShape.Of(1) : TensorShape.Of(kept);
    }

    public bool Equals(Reduction? other) => other is not null && Function == other.Function && KeepDims == other.KeepDims && Axes.SequenceEqual(other.Axes);

    public override int GetHashCode() => HashCode.Combine(Function, KeepDims, Axes.Length);
}

/// <summary>How <see cref="Resize2d"/> interpolates.</summary>
public enum ResizeMode
{
    /// <summary>Nearest neighbour with the source index floor(output index · input / output) (ONNX asymmetric + floor, torch "nearest").</summary>
    Nearest,
    /// <summary>Bilinear with half-pixel centres (torch align_corners=False).</summary>
    Bilinear,
    /// <summary>Bilinear with the corner pixels aligned (torch align_corners=True).</summary>
    BilinearAlignCorners,
}

/// <summary>Spatial resizing of a feature map to a fixed size (ONNX <c>Resize</c>, <c>Upsample</c>).</summary>
public sealed record Resize2d(Size2d OutputSize, ResizeMode Mode) : Layer
{
    public override string Kind => "Resize";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = RequireFeatureMap(inputs[0]);
        RequirePositive(OutputSize.Height, "output height");
        RequirePositive(OutputSize.Width, "output width");
        return TensorShape.Nchw(x.Batch, x.Channels, OutputSize.Height, OutputSize.Width);
    }
}

/// <summary>How <see cref="Pad"/> fills the border.</summary>
public enum PadMode { Constant, Reflect, Edge }

/// <summary>
/// Pads every axis (ONNX <c>Pad</c>): <see cref="Pads"/> holds the begin counts of all axes, then the end counts.
/// </summary>
public sealed record Pad(ImmutableArray<int> Pads, PadMode Mode, float Value = 0) : Layer
{
    public override string Kind => "Pad";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = inputs[0];
        if (Pads.Length != 2 * x.Rank) throw new ShapeMismatchException($"{Pads.Length} pad counts do not fit {x}");
        var shape = x.Dimensions.Select((d, i) => d + Pads[i] + Pads[i + x.Rank]).ToArray();
        return shape.All(d => d > 0) ? TensorShape.Of(shape) : throw new ShapeMismatchException($"padding [{string.Join(',', Pads)}] empties {x}");
    }

    public bool Equals(Pad? other) => other is not null && Mode == other.Mode && Value.Equals(other.Value) && Pads.SequenceEqual(other.Pads);

    public override int GetHashCode() => HashCode.Combine(Mode, Value, Pads.Length);
}

/// <summary>Elements [Start, End) with a positive <see cref="Step"/> along one axis (ONNX <c>Slice</c>, <c>Split</c>).</summary>
public sealed record Slice(int Axis, int Start, int End, int Step = 1) : Layer
{
    public override string Kind => "Slice";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = inputs[0];
        if (Axis < 0 || Axis >= x.Rank || Step <= 0 || Start < 0 || End > x.Dimensions[Axis] || End <= Start)
            throw new ShapeMismatchException($"slice {Start}:{End}:{Step} of axis {Axis} does not fit {x}");
        return TensorShape.Of([.. x.Dimensions.SetItem(Axis, (End - Start + Step - 1) / Step)]);
    }
}

/// <summary>Concatenation along any axis (ONNX <c>Concat</c>); channel concatenation of feature maps is <see cref="Concat"/>.</summary>
public sealed record ConcatAxis(int Axis) : Layer
{
    public override string Kind => "Concat";

    public override int? Arity => null;

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var first = inputs[0];
        int total = 0;
        foreach (var x in inputs)
        {
            if (x.Rank != first.Rank || Axis >= x.Rank || x.Dimensions.Where((d, i) => i != Axis && d != first.Dimensions[i]).Any())
                throw new ShapeMismatchException($"cannot concatenate {first} and {x} along axis {Axis}");
            total += x.Dimensions[Axis];
        }
        return TensorShape.Of([.. first.Dimensions.SetItem(Axis, total)]);
    }
}

/// <summary>Picks one index along an axis and drops that axis (ONNX <c>Gather</c> with a constant scalar index).</summary>
public sealed record Select(int Axis, int Index) : Layer
{
    public override string Kind => "Gather";

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = inputs[0];
        if (Axis < 0 || Axis >= x.Rank || Index < 0 || Index >= x.Dimensions[Axis])
            throw new ShapeMismatchException($"index {Index} of axis {Axis} is outside {x}");
        return x.Rank == 1 ? TensorShape.Of(1) : TensorShape.Of([.. x.Dimensions.RemoveAt(Axis)]);
    }
}

/// <summary>Transposed 2-D convolution (ONNX <c>ConvTranspose</c>, <c>torch.nn.ConvTranspose2d</c>), symmetric padding.</summary>
public sealed record ConvTranspose2d(
    int InChannels, int OutChannels, Size2d Kernel, Size2d Stride, Size2d Padding, Size2d OutputPadding, Size2d Dilation,
    int Groups = 1, bool HasBias = false) : Layer
{
    public override string Kind => "ConvTranspose";

    public override IReadOnlyList<ParameterSpec> Parameters
    {
        get
        {
            var weight = new ParameterSpec("weight", TensorShape.Of(InChannels, OutChannels / Groups, Kernel.Height, Kernel.Width), ParameterRole.Weight);
            return HasBias ? [weight, new ParameterSpec("bias", TensorShape.Of(OutChannels), ParameterRole.Bias)] : [weight];
        }
    }

    public override TensorShape InferShape(IReadOnlyList<TensorShape> inputs)
    {
        var x = RequireFeatureMap(inputs[0]);
        RequireChannels(x, InChannels);
        int h = (x.Height - 1) * Stride.Height - 2 * Padding.Height + Dilation.Height * (Kernel.Height - 1) + OutputPadding.Height + 1;
        int w = (x.Width - 1) * Stride.Width - 2 * Padding.Width + Dilation.Width * (Kernel.Width - 1) + OutputPadding.Width + 1;
        if (h <= 0 || w <= 0) throw new ShapeMismatchException($"transposed convolution of {x} has no output");
        return TensorShape.Nchw(x.Batch, OutChannels, h, w);
    }
}
