using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace FormFollowsFunction.Architectures.Torch;

/// <summary>Size of the values one node produced, for the activation-scale check.</summary>
/// <param name="RootMeanSquare">√(mean of x²) over the whole tensor.</param>
public sealed record ActivationScale(string Node, string Kind, double RootMeanSquare, double MaxAbsolute, bool AllFinite);

/// <summary>
/// The native TorchSharp reference of a network description: a module graph of
/// <c>torch.nn</c> layers (Conv2d, BatchNorm2d, Linear, pooling, activations) holding exactly the
/// seeded weights the ONNX file holds, in eval mode without gradients, that executes the
/// description's nodes in order. It owns its module (and through it every native tensor it holds).
/// </summary>
/// <remarks>
/// The caller chooses intra-op threads with <c>torch.set_num_threads</c>. <see cref="Forward"/> runs
/// in inference mode and frees each intermediate tensor after its last use, as PyTorch's reference
/// counting does for a Python module.
/// </remarks>
public sealed class TorchNetwork : IDisposable
{
    private readonly GraphModule _module;

    private TorchNetwork(Network network, GraphModule module)
    {
        Network = network;
        _module = module;
    }

    public Network Network { get; }

    /// <summary>The module graph, for callers that drive TorchSharp directly; it stays owned by this object.</summary>
    public nn.Module<Tensor, Tensor> Module => _module;

    /// <summary>How each convolution shape runs (libtorch's default for every shape unless a self-check chose otherwise).</summary>
    public ConvolutionPlan Plan { get; private init; } = ConvolutionPlan.Default;

    /// <summary>Builds the module graph and copies <paramref name="weights"/> into it.</summary>
    /// <param name="plan">The variant each convolution shape runs as (<see cref="ConvolutionSelfCheck.Select(Network, int, Func{ConvolutionShape, bool}?)"/>); null for libtorch's default everywhere.</param>
    public static TorchNetwork Build(Network network, NetworkWeights weights, ConvolutionPlan? plan = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(weights);
        weights.EnsureFits(network);
        plan ??= ConvolutionPlan.Default;
        var module = new GraphModule(network, weights, plan);
        try
        {
            foreach (var parameter in module.parameters()) parameter.requires_grad = false;
            module.eval();
            return new TorchNetwork(network, module) { Plan = plan };
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the network on <paramref name="input"/> (shape <see cref="Network.InputShape"/>). The result
    /// belongs to the caller's dispose scope, or to the caller when there is none.
    /// </summary>
    public Tensor Forward(Tensor input)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        return _module.forward(input).MoveToOuterDisposeScope();
    }

    /// <summary>Runs the network on a float array in NCHW order and returns the output's values.</summary>
    public float[] Run(float[] input)
    {
        using var scope = NewDisposeScope();
        var x = InputTensor(input);
        return Forward(x).data<float>().ToArray();
    }

    /// <summary>Runs the network once and reports, for every node, the size and finiteness of its output.</summary>
    public IReadOnlyList<ActivationScale> MeasureActivations(float[] input)
    {
        var scales = new List<ActivationScale>();
        Observe(input, (node, value) =>
        {
            using var values = value.to_type(ScalarType.Float64);
            scales.Add(new ActivationScale(node.Name, node.Layer.Kind,
                values.square().mean().sqrt().item<double>(),
                values.abs().max().item<double>(),
                values.isfinite().all().item<bool>()));
        });
        return scales;
    }

    /// <summary>
    /// Runs the network on <paramref name="input"/> and calls <paramref name="afterStep"/> as soon as each
    /// node's output exists, before the tensors it was the last user of are freed: the hook of per-layer
    /// profiling, which reads a clock in it. On the CPU an operation has finished when it returns; on a
    /// GPU the hook would have to synchronise first. Every tensor the run made is freed on return.
    /// </summary>
    public void ForwardObserved(Tensor input, Action<Node> afterStep)
    {
        ArgumentNullException.ThrowIfNull(afterStep);
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        _module.Execute(input, (node, _) => afterStep(node));
    }

    /// <summary>Runs the network once and shows every node's output to <paramref name="observer"/> before it is freed.</summary>
    internal void Observe(float[] input, Action<Node, Tensor> observer)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        _module.Execute(InputTensor(input), observer);
    }

    public void Dispose() => _module.Dispose();

    private Tensor InputTensor(float[] input)
    {
        var shape = Network.InputShape;
        if (input.Length != shape.ElementCount)
            throw new ArgumentException($"input has {input.Length} values; {Network.Id} takes {shape} = {shape.ElementCount}");
        return tensor(input, [.. shape.Dimensions.Select(d => (long)d)]);
    }

    /// <summary>The torch.nn module tree; children are named after description nodes with '.' as '_' (torch forbids dots there).</summary>
    /// <remarks>
    /// The forward allocates nothing of its own per layer: every tensor lives in a slot of one array
    /// (slot 0 the input, slot i + 1 node i's output), each step's inputs and the slots it frees are integer
    /// indices worked out at construction, and each step fills an argument array of its own, made once.
    /// What a forward still allocates per layer is TorchSharp's (the managed handle of each result).
    /// The slots make a forward non-reentrant: one forward at a time per network, as the timing engine calls it.
    /// </remarks>
    private sealed class GraphModule : nn.Module<Tensor, Tensor>
    {
        private readonly Step[] _steps;
        private readonly Tensor?[] _slots;
        private readonly int _outputSlot;

        /// <param name="Inputs">Slots of the node's inputs, in order.</param>
        /// <param name="Arguments">The array <see cref="Apply"/> is given, refilled from <see cref="Inputs"/> on every call.</param>
        /// <param name="LastUses">Slots this step is the last reader of (never the input's or the output's), freed after it.</param>
        private sealed record Step(Node Node, int[] Inputs, Tensor[] Arguments, Func<Tensor[], Tensor> Apply, int[] LastUses);

        public GraphModule(Network network, NetworkWeights weights, ConvolutionPlan plan) : base(network.Id)
        {
            var slotOf = new Dictionary<string, int>(network.Nodes.Length + 1) { [Network.InputName] = 0 };
            for (int i = 0; i < network.Nodes.Length; i++) slotOf[network.Nodes[i].Name] = i + 1;
            _outputSlot = slotOf[network.OutputName];
            _slots = new Tensor?[network.Nodes.Length + 1];

            var lastUse = new Dictionary<string, int>();
            for (int i = 0; i < network.Nodes.Length; i++)
                foreach (var input in network.Nodes[i].Inputs)
                    lastUse[input] = i;

            _steps = new Step[network.Nodes.Length];
            for (int i = 0; i < network.Nodes.Length; i++)
            {
                var node = network.Nodes[i];
                var apply = InVariant(network, node, plan, Operation(network, node, weights));
                int[] freed = [.. node.Inputs.Distinct().Where(t => lastUse[t] == i && t != Network.InputName && t != network.OutputName).Select(t => slotOf[t])];
                _steps[i] = new Step(node, [.. node.Inputs.Select(t => slotOf[t])], new Tensor[node.Inputs.Length], apply, freed);
            }
        }

        public override Tensor forward(Tensor input) => Execute(input, observe: null);

        public Tensor Execute(Tensor input, Action<Node, Tensor>? observe)
        {
            var slots = _slots;
            slots[0] = input;
            try
            {
                for (int s = 0; s < _steps.Length; s++)
                {
                    var step = _steps[s];
                    var arguments = step.Arguments;
                    var inputs = step.Inputs;
                    for (int j = 0; j < inputs.Length; j++) arguments[j] = slots[inputs[j]]!;
                    var result = step.Apply(arguments);
                    // An operation that hands back one of its inputs gets a handle of its own, so that no two
                    // slots ever hold the same tensor object and freeing a slot can never free a live value.
                    if (Array.IndexOf(arguments, result) >= 0) result = result.alias();
                    Array.Clear(arguments);
                    slots[s + 1] = result;
                    observe?.Invoke(step.Node, result);
                    // Free early to keep the peak memory of a Python module.
                    foreach (int freed in step.LastUses)
                    {
                        slots[freed]!.Dispose();
                        slots[freed] = null;
                    }
                }
                return slots[_outputSlot]!;
            }
            finally
            {
                // The module holds no tensor between calls: what is left belongs to the caller's dispose scope.
                Array.Clear(slots);
            }
        }

        /// <summary>A convolution the plan runs other than libtorch's default way, wrapped in its variant (delegates made once, none per call).</summary>
        private static Func<Tensor[], Tensor> InVariant(Network network, Node node, ConvolutionPlan plan, Func<Tensor[], Tensor> apply)
        {
            if (node.Layer is not Conv2d) return apply;
            var variant = plan.VariantOf(ConvolutionShape.Of(network, node));
            if (variant == ConvolutionVariant.OneDnn) return apply;
            var argument = new Tensor[1];
            Func<Tensor, Tensor> convolution = x =>
            {
                argument[0] = x;
                return apply(argument);
            };
            return x => variant.Run(convolution, x[0]);
        }

        private Func<Tensor[], Tensor> Operation(Network network, Node node, NetworkWeights weights)
        {
            string name = node.Name;
            switch (node.Layer)
            {
                case Conv2d c:
                {
                    var conv = Register(name, nn.Conv2d(c.InChannels, c.OutChannels, (c.Kernel.Height, c.Kernel.Width),
                        stride: (c.Stride.Height, c.Stride.Width), padding: (c.Padding.Height, c.Padding.Width),
                        dilation: (c.Dilation.Height, c.Dilation.Width), groups: c.Groups, bias: c.HasBias));
                    Load(conv.weight!, weights.Tensor($"{name}.weight"));
                    if (c.HasBias) Load(conv.bias!, weights.Tensor($"{name}.bias"));
                    return x => conv.call(x[0]);
                }
                case BatchNorm2d b:
                {
                    var norm = Register(name, nn.BatchNorm2d(b.Channels, eps: b.Epsilon));
                    Load(norm.weight!, weights.Tensor($"{name}.weight"));
                    Load(norm.bias!, weights.Tensor($"{name}.bias"));
                    Load(norm.running_mean!, weights.Tensor($"{name}.running_mean"));
                    Load(norm.running_var!, weights.Tensor($"{name}.running_var"));
                    return x => norm.call(x[0]);
                }
                case Linear l:
                {
                    var linear = Register(name, nn.Linear(l.InFeatures, l.OutFeatures, hasBias: l.HasBias));
                    Load(linear.weight!, weights.Tensor($"{name}.weight"));
                    if (l.HasBias) Load(linear.bias!, weights.Tensor($"{name}.bias"));
                    return x => linear.call(x[0]);
                }
                case Activation a:
                {
                    nn.Module<Tensor, Tensor> activation = a.Function switch
                    {
                        ActivationFunction.Relu => nn.ReLU(),
                        ActivationFunction.Relu6 => nn.ReLU6(),
                        ActivationFunction.Silu => nn.SiLU(),
                        ActivationFunction.Sigmoid => nn.Sigmoid(),
                        _ => throw new NotSupportedException($"no TorchSharp module for activation {a.Function}"),
                    };
                    Register(name, activation);
                    return x => activation.call(x[0]);
                }
                case MaxPool2d p:
                {
                    var pool = Register(name, nn.MaxPool2d((p.Kernel.Height, p.Kernel.Width), stride: (p.Stride.Height, p.Stride.Width),
                        padding: (p.Padding.Height, p.Padding.Width), ceil_mode: p.CeilMode));
                    return x => pool.call(x[0]);
                }
                case AvgPool2d p:
                {
                    var pool = Register(name, nn.AvgPool2d((p.Kernel.Height, p.Kernel.Width), stride: (p.Stride.Height, p.Stride.Width),
                        padding: (p.Padding.Height, p.Padding.Width), ceil_mode: p.CeilMode, count_include_pad: p.CountIncludePad));
                    return x => pool.call(x[0]);
                }
                case GlobalAvgPool:
                {
                    var pool = Register(name, nn.AdaptiveAvgPool2d((1, 1)));
                    return x => pool.call(x[0]);
                }
                case AdaptiveAvgPool2d p:
                {
                    var pool = Register(name, nn.AdaptiveAvgPool2d((p.OutputSize.Height, p.OutputSize.Width)));
                    return x => pool.call(x[0]);
                }
                case Flatten:
                {
                    var flatten = Register(name, nn.Flatten(start_dim: 1));
                    return x => flatten.call(x[0]);
                }
                case Identity:
                    // A new handle on the same storage, so that freeing the input never frees the output.
                    return x => x[0].alias();
                case Add:
                    return x => Sum(x);
                case Multiply:
                    return x => x[0].mul(x[1]);
                case Concat:
                    return x => cat(x, 1);
                case SpatialCrop crop:
                {
                    var shape = network.ShapeOf(node.Inputs[0]);
                    return x => x[0].narrow(2, crop.Top, shape.Height - crop.Top).narrow(3, crop.Left, shape.Width - crop.Left);
                }
                case ZeroPad2d pad:
                    // F.pad lists the last dimension first: (left, right, top, bottom).
                    return x => nn.functional.pad(x[0], [0, pad.Right, 0, pad.Bottom]);
                // Layers of imported model files (Description/TensorLayers.cs).
                case ConstantTensor:
                {
                    var value = Buffer(name, weights.Tensor($"{name}.value"));
                    // A new handle each run, so that freeing it after its last use never frees the buffer.
                    return _ => value.alias();
                }
                case MatMul:
                    return x => x[0].matmul(x[1]);
                case ConvTranspose2d t:
                {
                    var conv = Register(name, nn.ConvTranspose2d(t.InChannels, t.OutChannels, (t.Kernel.Height, t.Kernel.Width),
                        stride: (t.Stride.Height, t.Stride.Width), padding: (t.Padding.Height, t.Padding.Width),
                        output_padding: (t.OutputPadding.Height, t.OutputPadding.Width), dilation: (t.Dilation.Height, t.Dilation.Width),
                        groups: t.Groups, bias: t.HasBias));
                    Load(conv.weight!, weights.Tensor($"{name}.weight"));
                    if (t.HasBias) Load(conv.bias!, weights.Tensor($"{name}.bias"));
                    return x => conv.call(x[0]);
                }
                case Broadcast b:
                    return b.Operator switch
                    {
                        BinaryOperator.Add => x => x[0].add(x[1]),
                        BinaryOperator.Sub => x => x[0].sub(x[1]),
                        BinaryOperator.Mul => x => x[0].mul(x[1]),
                        BinaryOperator.Div => x => x[0].div(x[1]),
                        BinaryOperator.Pow => x => x[0].pow(x[1]),
                        BinaryOperator.PRelu => x => where(x[0].ge(0), x[0], x[0].mul(x[1])),
                        BinaryOperator.Max => x => x[0].maximum(x[1]),
                        BinaryOperator.Min => x => x[0].minimum(x[1]),
                        _ => throw new NotSupportedException($"no TorchSharp operation for {b.Operator}"),
                    };
                case Pointwise p:
                    return p.Operator switch
                    {
                        PointwiseOperator.Sqrt => x => x[0].sqrt(),
                        PointwiseOperator.Reciprocal => x => x[0].reciprocal(),
                        PointwiseOperator.Log => x => x[0].log(),
                        PointwiseOperator.Tanh => x => x[0].tanh(),
                        PointwiseOperator.Erf => x => x[0].erf(),
                        PointwiseOperator.Gelu => x => nn.functional.gelu(x[0]),
                        PointwiseOperator.GeluTanh => x => x[0].mul(0.5).mul(x[0].add(x[0].pow(3).mul(0.044715)).mul(Math.Sqrt(2 / Math.PI)).tanh().add(1)),
                        PointwiseOperator.HardSigmoid => x => x[0].mul(p.A).add(p.B).clamp(0, 1),
                        PointwiseOperator.HardSwish => x => nn.functional.hardswish(x[0]),
                        PointwiseOperator.LeakyRelu => x => nn.functional.leaky_relu(x[0], p.A),
                        PointwiseOperator.Clip => x => x[0].clamp(double.IsNegativeInfinity(p.A) ? null : p.A, double.IsPositiveInfinity(p.B) ? null : p.B),
                        _ => throw new NotSupportedException($"no TorchSharp operation for {p.Operator}"),
                    };
                case Softmax softmax:
                    return x => x[0].softmax(softmax.Axis);
                case LayerNorm norm:
                {
                    var weight = Buffer($"{name}.weight", weights.Tensor($"{name}.weight"));
                    var bias = norm.HasBias ? Buffer($"{name}.bias", weights.Tensor($"{name}.bias")) : null;
                    long[] shape = [.. norm.Normalized.Dimensions.Select(d => (long)d)];
                    return x => nn.functional.layer_norm(x[0], shape, weight, bias, norm.Epsilon);
                }
                case Reduction reduce:
                {
                    long[] axes = [.. reduce.Axes.Select(a => (long)a)];
                    long[] result = [.. node.OutputShape.Dimensions.Select(d => (long)d)];
                    return reduce.Function == ReduceFunction.Mean
                        ? x => x[0].mean(axes, reduce.KeepDims).reshape(result)
                        : x => x[0].amax(axes, reduce.KeepDims).reshape(result);
                }
                case Resize2d resize:
                {
                    long[] size = [resize.OutputSize.Height, resize.OutputSize.Width];
                    return resize.Mode switch
                    {
                        ResizeMode.Nearest => x => nn.functional.interpolate(x[0], size, mode: InterpolationMode.Nearest),
                        ResizeMode.Bilinear => x => nn.functional.interpolate(x[0], size, mode: InterpolationMode.Bilinear, align_corners: false),
                        _ => x => nn.functional.interpolate(x[0], size, mode: InterpolationMode.Bilinear, align_corners: true),
                    };
                }
                case Pad pad:
                {
                    int rank = pad.Pads.Length / 2;
                    // torch lists (begin, end) pairs from the last axis backwards; reflect and edge pad the spatial axes only.
                    int axes = pad.Mode == PadMode.Constant ? rank : 2;
                    long[] pairs = [.. Enumerable.Range(0, axes).SelectMany(k => new long[] { pad.Pads[rank - 1 - k], pad.Pads[2 * rank - 1 - k] })];
                    var mode = pad.Mode switch { PadMode.Reflect => PaddingModes.Reflect, PadMode.Edge => PaddingModes.Replicate, _ => PaddingModes.Constant };
                    return x => nn.functional.pad(x[0], pairs, mode, pad.Value);
                }
                case Slice slice:
                    return x => x[0].slice(slice.Axis, slice.Start, slice.End, slice.Step);
                case ConcatAxis concat:
                    return x => cat(x, concat.Axis);
                case Select select:
                {
                    long[] result = [.. node.OutputShape.Dimensions.Select(d => (long)d)];
                    return x => x[0].select(select.Axis, select.Index).reshape(result);
                }
                case Transpose transpose:
                {
                    long[] permutation = [.. transpose.Permutation.Select(p => (long)p)];
                    return x => x[0].permute(permutation).contiguous();
                }
                case Reshape reshape:
                {
                    long[] shape = [.. reshape.Target.Dimensions.Select(d => (long)d)];
                    return x => x[0].reshape(shape);
                }
                case Expand expand:
                {
                    long[] shape = [.. expand.Target.Dimensions.Select(d => (long)d)];
                    return x => x[0].expand(shape).contiguous();
                }
                default:
                    throw new NotSupportedException($"{network.Id}: the TorchSharp builder has no mapping for {node.Layer.Kind} layer '{name}'");
            }
        }

        /// <summary>x[0] + x[1] + ...: one call for two terms (residual adds), in order for more.</summary>
        private static Tensor Sum(Tensor[] terms)
        {
            if (terms.Length == 1) return terms[0];
            var sum = terms[0].add(terms[1]);
            for (int i = 2; i < terms.Length; i++)
            {
                var next = sum.add(terms[i]);
                sum.Dispose();
                sum = next;
            }
            return sum;
        }

        private T Register<T>(string node, T module) where T : nn.Module
        {
            register_module(node.Replace('.', '_'), module);
            return module;
        }

        /// <summary>A constant of the module (a buffer, owned and freed with it) holding <paramref name="source"/>'s values.</summary>
        private Tensor Buffer(string node, WeightTensor source)
        {
            var value = zeros([.. source.Shape.Dimensions.Select(d => (long)d)], ScalarType.Float32);
            source.RawData.Span.CopyTo(value.bytes);
            register_buffer(node.Replace('.', '_'), value);
            return value;
        }

        /// <summary>Copies the weight's bytes straight into the tensor's native storage (same float32 layout).</summary>
        private static void Load(Tensor destination, WeightTensor source)
        {
            var expected = source.Shape.Dimensions.Select(d => (long)d).ToArray();
            if (!destination.shape.SequenceEqual(expected) || destination.dtype != ScalarType.Float32 || !destination.is_contiguous())
                throw new InvalidOperationException(
                    $"cannot load '{source.Name}' ({source.Shape}) into a tensor of shape {string.Join('x', destination.shape)} ({destination.dtype})");
            source.RawData.Span.CopyTo(destination.bytes);
        }
    }
}
