using Onnx;

namespace FormFollowsFunction.Architectures.Onnx;

/// <summary>One ONNX node's share of the counts.</summary>
/// <param name="Parameters">Elements of the weight initializers this node is the first to read.</param>
public sealed record OnnxNodeCount(string Name, string OpType, IReadOnlyList<long> OutputShape, long Macs, long Parameters);

/// <summary>
/// Counts recomputed from an ONNX graph alone. MACs (multiply-accumulates, not FLOPs) are for the
/// graph's whole input batch: Conv N·M·(output positions)·(C/group)·(kernel area), Gemm M·K·N,
/// MatMul (batch)·n·k·m. Bias additions, normalisation, activations and pooling are not counted.
/// </summary>
/// <param name="Parameters">Elements of float initializers other than batch-norm running statistics.</param>
/// <param name="Buffers">Elements of batch-norm running statistics (mean and variance).</param>
/// <param name="Macs">Conv + Gemm + MatMul with a weight initializer operand: the convention of torchvision's "GFLOPS".</param>
/// <param name="OtherMatMulMacs">MatMuls without an initializer operand (products of activations, or with constant
/// matrices such as the exact adaptive-average-pool map the exporter writes): computed but not in <see cref="Macs"/>.</param>
/// <param name="AssumedDimensions">Symbolic input dimensions (<c>dim_param</c>) that were taken as 1.</param>
public sealed record OnnxGraphCounts(
    long Parameters,
    long Buffers,
    long Macs,
    long ConvMacs,
    long GemmMacs,
    long WeightMatMulMacs,
    long OtherMatMulMacs,
    IReadOnlyList<string> AssumedDimensions,
    IReadOnlyList<OnnxNodeCount> Nodes);

/// <summary>
/// What the ONNX graph alone tells of a file whose network description cannot be built (operators the importer
/// lacks): what it holds is always countable, what it computes only when shapes can be inferred through every node.
/// Null is not known, never zero.
/// </summary>
/// <param name="Parameters">Elements of the floating-point tensors the file holds (initializers and Constant nodes' values,
/// in every graph, subgraphs included) with more than one element, batch-norm running statistics excluded: the
/// importer's convention, where scalars (an epsilon, hard-swish's 3) are helpers, not parameters.</param>
/// <param name="WeightBytes">Bytes of all those floating-point tensors as stored (float32: 4 per element), scalars and running statistics included: what the file holds.</param>
/// <param name="Macs">Multiply-accumulates of convolutions, Gemms and every MatMul (<see cref="OnnxGraphCounts.Macs"/> plus
/// <see cref="OnnxGraphCounts.OtherMatMulMacs"/>: the importer's convention for a user's file) at the given input shape;
/// null when the shape walk stops at a node it has no rule for.</param>
/// <param name="MacsUnknown">Why <see cref="Macs"/> is null; null when it is known.</param>
public sealed record OnnxFileCounts(long Parameters, long WeightBytes, long? Macs, string? MacsUnknown);

/// <summary>Thrown when a graph cannot be counted (an operator whose shape rule is unknown here, a dynamic shape).</summary>
public sealed class OnnxCountingException(string message) : Exception(message);

/// <summary>
/// An independent recount of parameters and MACs from an ONNX file: shapes are inferred by walking
/// the ONNX graph itself, never the description it came from, so it checks the exporter and the
/// analytic counts against each other and also counts ONNX files made elsewhere.
/// </summary>
public static class OnnxGraphCounter
{
    public static OnnxGraphCounts Count(string path) => Count(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)));

    public static OnnxGraphCounts Count(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new Walk(model.Graph ?? throw new OnnxCountingException("the model has no graph")).Run();
    }

    /// <summary>
    /// Counts what <paramref name="model"/>'s graph tells without a network description (<see cref="OnnxFileCounts"/>),
    /// with the input's dimensions set to <paramref name="inputShape"/> when given. MACs are left unknown, with the
    /// reason, where the shape walk of <see cref="Count(ModelProto)"/> stops or would have to assume a dimension.
    /// </summary>
    public static OnnxFileCounts CountFile(ModelProto model, IReadOnlyList<long>? inputShape = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new OnnxCountingException("the model has no graph");
        var graphs = WithSubgraphs(graph).ToList();
        var runningStatistics = graphs.SelectMany(g => g.Node).Where(n => n.OpType == "BatchNormalization")
            .SelectMany(n => n.Input.Skip(3).Take(2)).ToHashSet();
        var held = graphs.SelectMany(g => g.Initializer
            .Concat(g.Node.Where(n => n.OpType == "Constant").Select(n => n.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t
                ? new TensorProto(t) { Name = n.Output.FirstOrDefault() ?? "" }
                : null).OfType<TensorProto>()));
        long parameters = 0, bytes = 0;
        foreach (var tensor in held)
        {
            if (FloatingElementBytes(tensor.DataType) is not int size) continue;
            long elements = tensor.Dims.Aggregate(1L, (p, d) => p * d);
            bytes += elements * size;
            if (elements > 1 && !runningStatistics.Contains(tensor.Name)) parameters += elements;
        }

        var shaped = model.Clone();
        if (inputShape is not null)
        {
            var initializers = shaped.Graph.Initializer.Select(i => i.Name).ToHashSet();
            var shape = new TensorShapeProto();
            shape.Dim.AddRange(inputShape.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
            shaped.Graph.Input.First(i => !initializers.Contains(i.Name)).Type.TensorType.Shape = shape;
        }
        try
        {
            var counts = Count(shaped);
            return counts.AssumedDimensions.Count > 0
                ? new OnnxFileCounts(parameters, bytes, null, $"the input has dynamic dimensions ({string.Join(", ", counts.AssumedDimensions)})")
                : new OnnxFileCounts(parameters, bytes, counts.Macs + counts.OtherMatMulMacs, null);
        }
        catch (Exception e) when (e is OnnxCountingException or IndexOutOfRangeException or KeyNotFoundException)
        {
            return new OnnxFileCounts(parameters, bytes, null, e is OnnxCountingException ? e.Message : $"the shape walk failed ({e.Message})");
        }
    }

    private static IEnumerable<GraphProto> WithSubgraphs(GraphProto graph) =>
        graph.Node.SelectMany(n => n.Attribute).SelectMany(a => a.G is { } g ? [g, .. a.Graphs] : a.Graphs)
            .SelectMany(WithSubgraphs).Prepend(graph);

    /// <summary>Bytes per element of a floating-point tensor type; null for the other types (shapes, indices, masks), which are not weights.</summary>
    private static int? FloatingElementBytes(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float => 4,
        TensorProto.Types.DataType.Double => 8,
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 => 2,
        _ => null,
    };

    private sealed class Walk(GraphProto graph)
    {
        private readonly Dictionary<string, long[]> _shapes = [];
        private readonly Dictionary<string, long[]> _integers = [];
        private readonly Dictionary<string, TensorProto> _initializers = [];
        private readonly HashSet<string> _counted = [];
        private readonly List<string> _assumed = [];

        public OnnxGraphCounts Run()
        {
            foreach (var initializer in graph.Initializer)
            {
                _initializers[initializer.Name] = initializer;
                _shapes[initializer.Name] = [.. initializer.Dims];
                RecordIntegers(initializer.Name, initializer);
            }
            foreach (var input in graph.Input.Where(i => !_initializers.ContainsKey(i.Name)))
                _shapes[input.Name] = InputShape(input);

            var runningStatistics = graph.Node.Where(n => n.OpType == "BatchNormalization")
                .SelectMany(n => n.Input.Skip(3).Take(2)).ToHashSet();
            long conv = 0, gemm = 0, weightMatMul = 0, otherMatMul = 0, parameters = 0, buffers = 0;
            var nodes = new List<OnnxNodeCount>();
            foreach (var node in graph.Node)
            {
                var (shape, macs) = Infer(node);
                _shapes[node.Output[0]] = shape;
                switch (node.OpType)
                {
                    case "Conv": conv += macs; break;
                    case "Gemm": gemm += macs; break;
                    case "MatMul" when node.Input.Any(_initializers.ContainsKey): weightMatMul += macs; break;
                    case "MatMul": otherMatMul += macs; macs = 0; break;
                }
                long nodeParameters = 0;
                foreach (var input in node.Input.Where(i => _initializers.ContainsKey(i) && _counted.Add(i)))
                {
                    var initializer = _initializers[input];
                    if (initializer.DataType != (int)TensorProto.Types.DataType.Float) continue;
                    long elements = initializer.Dims.Aggregate(1L, (p, d) => p * d);
                    if (runningStatistics.Contains(input)) buffers += elements;
                    else nodeParameters += elements;
                }
                parameters += nodeParameters;
                nodes.Add(new OnnxNodeCount(node.Name, node.OpType, shape, macs, nodeParameters));
            }
            return new OnnxGraphCounts(parameters, buffers, conv + gemm + weightMatMul, conv, gemm, weightMatMul, otherMatMul, _assumed, nodes);
        }

        private long[] InputShape(ValueInfoProto input)
        {
            var dims = input.Type?.TensorType?.Shape?.Dim
                       ?? throw new OnnxCountingException($"graph input '{input.Name}' has no tensor shape");
            return [.. dims.Select((d, i) =>
            {
                if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue) return d.DimValue;
                _assumed.Add($"{input.Name}[{i}]={(d.DimParam is { Length: > 0 } p ? p : "?")}");
                return 1L;
            })];
        }

        private long[] ShapeOf(string name) => _shapes.TryGetValue(name, out var shape)
            ? shape
            : throw new OnnxCountingException($"tensor '{name}' is used before it is defined (the graph is not in topological order)");

        private long[] IntegersOf(NodeProto node, int input) =>
            input < node.Input.Count && node.Input[input].Length > 0 && _integers.TryGetValue(node.Input[input], out var values)
                ? values
                : throw new OnnxCountingException($"{node.OpType} node '{node.Name}': input {input} must be a constant to infer the shape");

        private void RecordIntegers(string name, TensorProto tensor)
        {
            if (tensor.DataType == (int)TensorProto.Types.DataType.Int64)
                _integers[name] = tensor.Int64Data.Count > 0
                    ? [.. tensor.Int64Data]
                    : [.. Enumerable.Range(0, tensor.RawData.Length / 8).Select(i => BitConverter.ToInt64(tensor.RawData.Span.Slice(i * 8, 8)))];
        }

        private (long[] Shape, long Macs) Infer(NodeProto node)
        {
            var x = node.Input.Count > 0 && node.Input[0].Length > 0 ? ShapeOf(node.Input[0]) : [];
            switch (node.OpType)
            {
                case "Conv":
                {
                    var w = ShapeOf(node.Input[1]);
                    long group = Attribute(node, "group", 1);
                    var output = Window(node, x, [.. w.Skip(2)], x.Length - 2);
                    output[1] = w[0];
                    long positions = output.Skip(2).Aggregate(1L, (p, d) => p * d);
                    return (output, x[0] * w[0] * positions * (x[1] / group) * w.Skip(2).Aggregate(1L, (p, d) => p * d));
                }
                case "MaxPool" or "AveragePool" or "LpPool":
                    return (Window(node, x, Ints(node, "kernel_shape") ?? throw Missing(node, "kernel_shape"), x.Length - 2), 0);
                case "GlobalAveragePool" or "GlobalMaxPool":
                    return ([x[0], x[1], .. Enumerable.Repeat(1L, x.Length - 2)], 0);
                case "Gemm":
                {
                    var a = ShapeOf(node.Input[0]);
                    var b = ShapeOf(node.Input[1]);
                    var (m, k) = Attribute(node, "transA", 0) == 1 ? (a[1], a[0]) : (a[0], a[1]);
                    long n = Attribute(node, "transB", 0) == 1 ? b[0] : b[1];
                    return ([m, n], m * k * n);
                }
                case "MatMul":
                    return MatMul(ShapeOf(node.Input[0]), ShapeOf(node.Input[1]));
                case "Relu" or "Sigmoid" or "Tanh" or "Clip" or "LeakyRelu" or "HardSigmoid" or "HardSwish" or "Elu" or "Selu"
                    or "Gelu" or "Erf" or "Exp" or "Log" or "Sqrt" or "Reciprocal" or "Neg" or "Abs" or "Identity" or "Dropout"
                    or "BatchNormalization" or "InstanceNormalization" or "LayerNormalization" or "Softmax" or "LogSoftmax"
                    or "Cast" or "PRelu" or "Softplus" or "Mish":
                    return (x, 0);
                case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Sum" or "Max" or "Min" or "Mean":
                    return (node.Input.Select(ShapeOf).Aggregate(Broadcast), 0);
                case "Concat":
                {
                    var shapes = node.Input.Select(ShapeOf).ToArray();
                    int axis = Axis(Attribute(node, "axis", 0), x.Length);
                    var output = (long[])x.Clone();
                    output[axis] = shapes.Sum(s => s[axis]);
                    return (output, 0);
                }
                case "Flatten":
                {
                    int axis = Axis(Attribute(node, "axis", 1), x.Length);
                    return ([x.Take(axis).Aggregate(1L, (p, d) => p * d), x.Skip(axis).Aggregate(1L, (p, d) => p * d)], 0);
                }
                case "Reshape":
                    return (Reshape(node, x, IntegersOf(node, 1)), 0);
                case "Transpose":
                {
                    var perm = Ints(node, "perm") ?? [.. Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i)];
                    return ([.. perm.Select(p => x[p])], 0);
                }
                case "Slice":
                    return (Slice(node, x), 0);
                case "Pad":
                {
                    var pads = IntegersOf(node, 1);
                    return ([.. x.Select((d, i) => d + pads[i] + pads[i + x.Length])], 0);
                }
                case "ReduceMean" or "ReduceMax" or "ReduceSum" or "ReduceMin":
                {
                    var axes = (node.Input.Count > 1 ? IntegersOf(node, 1) : Ints(node, "axes"))
                               ?? [.. Enumerable.Range(0, x.Length).Select(i => (long)i)];
                    var reduced = axes.Select(a => Axis(a, x.Length)).ToHashSet();
                    bool keep = Attribute(node, "keepdims", 1) == 1;
                    return ([.. x.Select((d, i) => (d, i)).Where(p => keep || !reduced.Contains(p.i)).Select(p => reduced.Contains(p.i) ? 1 : p.d)], 0);
                }
                case "Squeeze":
                {
                    var axes = node.Input.Count > 1 ? IntegersOf(node, 1) : Ints(node, "axes");
                    var removed = axes?.Select(a => Axis(a, x.Length)).ToHashSet()
                                  ?? [.. Enumerable.Range(0, x.Length).Where(i => x[i] == 1)];
                    return ([.. x.Where((_, i) => !removed.Contains(i))], 0);
                }
                case "Unsqueeze":
                {
                    var axes = (node.Input.Count > 1 ? IntegersOf(node, 1) : Ints(node, "axes")) ?? throw Missing(node, "axes");
                    int rank = x.Length + axes.Length;
                    var inserted = axes.Select(a => Axis(a, rank)).ToHashSet();
                    var output = new long[rank];
                    for (int i = 0, j = 0; i < rank; i++) output[i] = inserted.Contains(i) ? 1 : x[j++];
                    return (output, 0);
                }
                case "Constant":
                {
                    var value = node.Attribute.FirstOrDefault(a => a.Name == "value")?.T
                                ?? throw new OnnxCountingException($"Constant node '{node.Name}' has no tensor 'value' (other forms are not supported)");
                    RecordIntegers(node.Output[0], value);
                    return ([.. value.Dims], 0);
                }
                default:
                    throw new OnnxCountingException(
                        $"cannot infer shapes through {node.OpType} node '{node.Name}': the counter knows the operators of CNNs " +
                        "(Conv, Gemm, MatMul, pooling, normalisation, activations, element-wise and shape operators)");
            }
        }

        /// <summary>Sliding-window output shape (Conv and pooling), with ONNX's pads, auto_pad, dilations and ceil_mode.</summary>
        private static long[] Window(NodeProto node, long[] x, long[] kernel, int spatial)
        {
            var strides = Ints(node, "strides") ?? [.. Enumerable.Repeat(1L, spatial)];
            var dilations = Ints(node, "dilations") ?? [.. Enumerable.Repeat(1L, spatial)];
            var pads = Ints(node, "pads") ?? new long[2 * spatial];
            string autoPad = node.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
            bool ceil = Attribute(node, "ceil_mode", 0) == 1;
            var output = (long[])x.Clone();
            for (int i = 0; i < spatial; i++)
            {
                long input = x[2 + i], span = dilations[i] * (kernel[i] - 1) + 1;
                output[2 + i] = autoPad switch
                {
                    "SAME_UPPER" or "SAME_LOWER" => (input + strides[i] - 1) / strides[i],
                    "VALID" => (input - span) / strides[i] + 1,
                    _ => Sliding(input, pads[i], pads[i + spatial], span, strides[i], ceil),
                };
            }
            return output;
        }

        private static long Sliding(long input, long padBegin, long padEnd, long span, long stride, bool ceil)
        {
            long numerator = input + padBegin + padEnd - span;
            long output = (ceil ? (numerator + stride - 1) / stride : numerator / stride) + 1;
            // As in PyTorch and ONNX Runtime: a last window that would start inside the end padding is dropped.
            if (ceil && (output - 1) * stride >= input + padBegin) output--;
            return output;
        }

        private static (long[] Shape, long Macs) MatMul(long[] a, long[] b)
        {
            bool vectorA = a.Length == 1, vectorB = b.Length == 1;
            if (vectorA) a = [1, a[0]];
            if (vectorB) b = [b[0], 1];
            long n = a[^2], k = a[^1], m = b[^1];
            var batch = Broadcast(a[..^2], b[..^2]);
            long[] shape = [.. batch, .. vectorA ? Array.Empty<long>() : [n], .. vectorB ? Array.Empty<long>() : [m]];
            return (shape, batch.Aggregate(1L, (p, d) => p * d) * n * k * m);
        }

        private static long[] Broadcast(long[] a, long[] b)
        {
            int rank = Math.Max(a.Length, b.Length);
            var output = new long[rank];
            for (int i = 0; i < rank; i++)
            {
                long da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
                long db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
                if (da != db && da != 1 && db != 1)
                    throw new OnnxCountingException($"shapes {string.Join('x', a)} and {string.Join('x', b)} do not broadcast");
                output[i] = Math.Max(da, db);
            }
            return output;
        }

        private static long[] Reshape(NodeProto node, long[] x, long[] target)
        {
            var output = new long[target.Length];
            long known = 1;
            int inferred = -1;
            for (int i = 0; i < target.Length; i++)
            {
                output[i] = target[i] == 0 && Attribute(node, "allowzero", 0) == 0 ? x[i] : target[i];
                if (output[i] == -1) inferred = i;
                else known *= output[i];
            }
            if (inferred >= 0) output[inferred] = x.Aggregate(1L, (p, d) => p * d) / known;
            return output;
        }

        private long[] Slice(NodeProto node, long[] x)
        {
            var starts = IntegersOf(node, 1);
            var ends = IntegersOf(node, 2);
            var axes = node.Input.Count > 3 && node.Input[3].Length > 0 ? IntegersOf(node, 3) : [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
            var steps = node.Input.Count > 4 && node.Input[4].Length > 0 ? IntegersOf(node, 4) : [.. Enumerable.Repeat(1L, starts.Length)];
            var output = (long[])x.Clone();
            for (int i = 0; i < axes.Length; i++)
            {
                int axis = Axis(axes[i], x.Length);
                long size = x[axis], step = steps[i];
                if (step <= 0) throw new OnnxCountingException($"Slice node '{node.Name}': only positive steps are supported");
                long start = Math.Clamp(starts[i] < 0 ? starts[i] + size : starts[i], 0, size);
                long end = Math.Clamp(ends[i] < 0 ? ends[i] + size : ends[i], 0, size);
                output[axis] = end > start ? (end - start + step - 1) / step : 0;
            }
            return output;
        }

        private static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

        private static long Attribute(NodeProto node, string name, long fallback) =>
            node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

        private static long[]? Ints(NodeProto node, string name) =>
            node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? [.. a.Ints] : null;

        private static OnnxCountingException Missing(NodeProto node, string attribute) =>
            new($"{node.OpType} node '{node.Name}' lacks the attribute '{attribute}'");
    }
}
