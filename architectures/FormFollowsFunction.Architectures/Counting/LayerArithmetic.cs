using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Counting;

/// <summary>
/// The arithmetic one layer performs for its input shapes, under the suite's counting convention
/// (docs/architectures.md, "Counting conventions"):
/// <list type="bullet">
/// <item>MACs: multiply-accumulates of convolutions (output elements · in/groups · kh · kw) and fully
/// connected layers (batch · in · out) only: torchvision's "GFLOPS" column counts these.</item>
/// <item>Other FLOPs: everything else, one per add, multiply, divide, comparison, min/max or
/// exponential: bias adds (1 per output element), batch norm (2 per element, its scale and shift folded),
/// ReLU (1), ReLU6 (2), sigmoid (4: negate, exp, add, divide), SiLU (5), adds ((inputs - 1) per element),
/// products (1), max pool (window elements - 1 per output), average pools (window elements per output:
/// the adds and one divide), and nothing for identity, flatten, crop and concatenation.
/// Pooling windows count only the real inputs they cover, not padding.</item>
/// <item>Layers of imported model files: matrix products count as MACs (output elements · inner size, products of
/// two activations included) and transposed convolutions as input elements · out/groups · kh · kw; broadcast
/// binary operations 1 per output element (PRelu 2), the pointwise functions as <see cref="FlopsPerElement(PointwiseOperator)"/>
/// says, softmax 5 per element (max, subtract, exp, sum, divide), layer norm 7 (6 without bias), reduce-mean and reduce-max 1 per input
/// element, bilinear resizing 9 per output element (three interpolations of 3), and nothing for nearest resizing,
/// constants, transposes, reshapes, expands, pads, slices and gathers.</item>
/// </list>
/// </summary>
public static class LayerArithmetic
{
    /// <summary>FLOPs one output element of the activation costs.</summary>
    public static int FlopsPerElement(ActivationFunction function) => function switch
    {
        ActivationFunction.Relu => 1,
        ActivationFunction.Relu6 => 2,
        ActivationFunction.Sigmoid => 4,
        ActivationFunction.Silu => 5,
        _ => throw new NotSupportedException($"no FLOP count is defined for activation {function}"),
    };

    /// <summary>FLOPs one output element of an imported model's pointwise function costs.</summary>
    public static int FlopsPerElement(PointwiseOperator function) => function switch
    {
        PointwiseOperator.Sqrt or PointwiseOperator.Reciprocal => 1,
        PointwiseOperator.LeakyRelu or PointwiseOperator.Clip => 2,
        PointwiseOperator.Tanh or PointwiseOperator.Erf or PointwiseOperator.Log or PointwiseOperator.HardSigmoid => 4,
        PointwiseOperator.HardSwish => 5,
        PointwiseOperator.Gelu or PointwiseOperator.GeluTanh => 8,
        _ => throw new NotSupportedException($"no FLOP count is defined for {function}"),
    };

    /// <summary>MACs and the FLOPs that are not part of a MAC, for one node.</summary>
    public static (long Macs, long OtherFlops) Of(Layer layer, IReadOnlyList<TensorShape> inputs, TensorShape output)
    {
        long outputs = output.ElementCount;
        return layer switch
        {
            Conv2d conv => (outputs * conv.FanIn, conv.HasBias ? outputs : 0),
            Linear linear => ((long)output.Batch * linear.InFeatures * linear.OutFeatures, linear.HasBias ? outputs : 0),
            BatchNorm2d => (0, 2 * outputs),
            Activation activation => (0, FlopsPerElement(activation.Function) * outputs),
            Add => (0, (inputs.Count - 1) * outputs),
            Multiply => (0, outputs),
            MaxPool2d pool => (0, WindowElements(inputs[0], output, pool.Kernel, pool.Stride, pool.Padding) - outputs),
            AvgPool2d pool => (0, WindowElements(inputs[0], output, pool.Kernel, pool.Stride, pool.Padding)),
            AdaptiveAvgPool2d => (0, AdaptiveWindowElements(inputs[0], output)),
            GlobalAvgPool => (0, inputs[0].ElementCount),
            Identity or Flatten or Concat or SpatialCrop or ZeroPad2d => (0, 0),
            MatMul => (outputs * MatMul.Inner(inputs[0]), 0),
            ConvTranspose2d t => (inputs[0].ElementCount * (t.OutChannels / t.Groups) * t.Kernel.Height * t.Kernel.Width, t.HasBias ? outputs : 0),
            Broadcast b => (0, (b.Operator == BinaryOperator.PRelu ? 2 : 1) * outputs),
            Pointwise p => (0, FlopsPerElement(p.Operator) * outputs),
            Softmax => (0, 5 * outputs),
            LayerNorm norm => (0, (norm.HasBias ? 7 : 6) * outputs),
            Reduction => (0, inputs[0].ElementCount),
            Resize2d resize => (0, resize.Mode == ResizeMode.Nearest ? 0 : 9 * outputs),
            ConstantTensor or Transpose or Reshape or Expand or Pad or Slice or ConcatAxis or Select => (0, 0),
            _ => throw new NotSupportedException($"no count is defined for layer kind {layer.Kind} ({layer.GetType().Name}); add it to {nameof(LayerArithmetic)}"),
        };
    }

    /// <summary>Real (unpadded) input elements summed over every pooling window of the output.</summary>
    private static long WindowElements(TensorShape input, TensorShape output, Size2d kernel, Size2d stride, Size2d padding)
    {
        long rows = AxisCoverage(input.Height, output.Height, i => i * stride.Height - padding.Height, kernel.Height);
        long columns = AxisCoverage(input.Width, output.Width, j => j * stride.Width - padding.Width, kernel.Width);
        return (long)output.Batch * output.Channels * rows * columns;
    }

    private static long AdaptiveWindowElements(TensorShape input, TensorShape output)
    {
        long rows = 0, columns = 0;
        for (int i = 0; i < output.Height; i++)
        {
            var (start, end) = AdaptiveAvgPool2d.Window(i, input.Height, output.Height);
            rows += end - start;
        }
        for (int j = 0; j < output.Width; j++)
        {
            var (start, end) = AdaptiveAvgPool2d.Window(j, input.Width, output.Width);
            columns += end - start;
        }
        return (long)output.Batch * output.Channels * rows * columns;
    }

    /// <summary>Sum over output positions of how many of a window's <paramref name="kernel"/> positions fall inside [0, size).</summary>
    private static long AxisCoverage(int size, int outputs, Func<int, int> windowStart, int kernel)
    {
        long covered = 0;
        for (int i = 0; i < outputs; i++)
        {
            int start = windowStart(i);
            covered += Math.Min(start + kernel, size) - Math.Max(start, 0);
        }
        return covered;
    }
}
