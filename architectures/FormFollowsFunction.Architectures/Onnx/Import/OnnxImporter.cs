using System.Collections.Immutable;
using System.Security.Cryptography;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Weights;
using Onnx;
using DescriptionIdentity = FormFollowsFunction.Architectures.Description.Identity;

namespace FormFollowsFunction.Architectures.Onnx.Import;

/// <summary>An ONNX file imported into the network description, with the file's own weights.</summary>
/// <param name="Producer">The file's producer_name and producer_version, for example <c>pytorch 2.1.0</c>.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
public sealed record ImportedModel(Network Network, NetworkWeights Weights, string Producer, long Opset, string Sha256, string InputName);

/// <summary>What an ONNX file says of itself, whatever operators it holds.</summary>
/// <param name="Producer">The file's producer_name and producer_version, for example <c>pytorch 2.1.0</c>; <c>unknown</c> when empty.</param>
/// <param name="Opset">The highest opset of the default domain it imports.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
public sealed record OnnxFileFacts(string Producer, long Opset, string Sha256)
{
    public static OnnxFileFacts Of(ModelProto model, byte[] bytes)
    {
        string producer = $"{model.ProducerName} {model.ProducerVersion}".Trim();
        long opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        return new OnnxFileFacts(producer.Length > 0 ? producer : "unknown", opset, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }
}

/// <summary>
/// Imports an ONNX file (float32, opsets 9 to 21) into a <see cref="Network"/>, in the manner of onnx2torch:
/// every node becomes a typed layer with an inferred shape, the catalog's own layer types wherever one fits
/// exactly (so counting and the TorchSharp builder treat them as they treat catalog models). Shape-only
/// subgraphs (Shape, Gather, Cast, Slice, Concat, Unsqueeze, ConstantOfShape, ...) are folded for the input
/// shape; weights come from initializers or Constant nodes. What cannot be imported is refused with one line.
/// </summary>
public static class OnnxImporter
{
    /// <summary>Operators that may run on activations; each has a case in <see cref="Importer.Node"/>.</summary>
    public static readonly ImmutableSortedSet<string> SupportedOperators = ImmutableSortedSet.Create(StringComparer.Ordinal,
        "Conv", "ConvTranspose", "BatchNormalization", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt",
        "Reciprocal", "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Gelu",
        "Softmax", "MaxPool", "AveragePool", "GlobalAveragePool", "ReduceMean", "Resize", "Upsample", "Pad", "Concat",
        "Split", "Slice", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Shape", "Gather", "Cast", "Constant",
        "ConstantOfShape", "Identity", "Dropout", "LayerNormalization", "Expand", "Max", "Min", "Log", "ReduceMax");

    /// <summary>Operators accepted only where they compute shapes (all inputs known at import), as exporters emit them around Reshape.</summary>
    public static readonly ImmutableSortedSet<string> ShapeOnlyOperators = ImmutableSortedSet.Create(StringComparer.Ordinal,
        "Equal", "Where", "Range", "ReduceProd", "Floor", "Ceil", "Neg", "Less", "Greater", "Not", "Size");

    /// <summary>Operator types of <paramref name="model"/>'s graph that are in neither set, sorted.</summary>
    public static IReadOnlyList<string> UnsupportedOperators(ModelProto model) =>
        [.. model.Graph.Node.Select(n => n.OpType).Distinct().Where(op => !SupportedOperators.Contains(op) && !ShapeOnlyOperators.Contains(op)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The one line that refuses a file with operators outside both sets wherever its network description is
    /// needed (TorchSharp, per-layer counts and profiles), naming every such operator type and the route that
    /// measures the file without a description: ONNX Runtime alone, with its CPU provider as the reference.
    /// </summary>
    public static string UnsupportedOperatorsProblem(string file, IReadOnlyList<string> operators) =>
        $"{file}: unsupported ONNX operators: {string.Join(", ", operators)}; measure it on ONNX Runtime alone with " +
        "--backends ort-cpu --baseline ort-cpu, or see docs/user-models.md for the supported set";

    /// <summary>Reads and parses <paramref name="path"/>; a file that cannot be read or is not an ONNX model with a graph is refused with one line.</summary>
    public static ModelProto Read(string path) => Parse(ReadBytes(path), path);

    /// <summary>
    /// Imports <paramref name="path"/>. <paramref name="inputShape"/> fixes the input's dynamic dimensions and must
    /// agree with its static ones; without it every dimension must be static.
    /// </summary>
    public static ImportedModel Import(string path, TensorShape? inputShape, string networkId)
    {
        byte[] bytes = ReadBytes(path);
        var model = Parse(bytes, path);
        string file = Path.GetFileName(path);
        var unsupported = UnsupportedOperators(model);
        if (unsupported.Count > 0) throw new OnnxImportException(UnsupportedOperatorsProblem(file, unsupported));
        var facts = OnnxFileFacts.Of(model, bytes);
        if (facts.Opset is < 7 or > 21) throw new OnnxImportException($"{file}: opset {facts.Opset} is outside the supported 9 to 21; convert it with onnx.version_converter");
        var importer = new Importer(model.Graph, facts.Opset, file, networkId);
        var (network, values, inputName) = importer.Run(inputShape);
        return new ImportedModel(network, NetworkWeights.FromValues(network, values), facts.Producer, facts.Opset, facts.Sha256, inputName);
    }

    internal static byte[] ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxImportException($"{path}: cannot read the file ({e.Message})");
        }
    }

    internal static ModelProto Parse(byte[] bytes, string path)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new OnnxImportException($"{path} is not an ONNX model ({e.Message})");
        }
        if (model.Graph is null || model.Graph.Node.Count == 0) throw new OnnxImportException($"{path} holds no graph");
        return model;
    }

    /// <summary>One pass over the graph in node order, folding constants and adding layers.</summary>
    private sealed class Importer(GraphProto graph, long opset, string file, string networkId)
    {
        private readonly Dictionary<string, ConstantValue> _constants = [];
        private readonly Dictionary<string, TensorRef> _tensors = [];
        private readonly Dictionary<string, float[]> _weights = [];
        private readonly HashSet<string> _usedNames = [Network.InputName];
        private NetworkBuilder _builder = null!;
        private NodeProto? _current;

        public (Network, Dictionary<string, float[]>, string) Run(TensorShape? given)
        {
            foreach (var init in graph.Initializer) _constants[init.Name] = ConstantValue.FromProto(init, $"{file}: initializer '{init.Name}'");
            var inputs = graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
            if (inputs.Count != 1)
                throw new OnnxImportException($"{file} has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); the suite measures models with one input");
            if (graph.Output.Count != 1)
                throw new OnnxImportException($"{file} has {graph.Output.Count} outputs ({string.Join(", ", graph.Output.Select(o => o.Name))}); the suite measures models with one output");
            var input = inputs[0];
            var shape = InputShape(input, given);
            _builder = new NetworkBuilder(networkId, shape, anyRank: true);
            _tensors[input.Name] = _builder.Input;

            foreach (var node in graph.Node)
            {
                try
                {
                    _current = node;
                    Node(node);
                }
                catch (ShapeMismatchException e)
                {
                    throw new OnnxImportException($"{file}: {node.OpType} node '{node.Name}': {e.Message}");
                }
                catch (NetworkDefinitionException e) when (e is not OnnxImportException)
                {
                    throw new OnnxImportException($"{file}: {node.OpType} node '{node.Name}': {e.Message}");
                }
            }
            string output = graph.Output[0].Name;
            if (!_tensors.TryGetValue(output, out var result) || result.Name == Network.InputName)
                throw new OnnxImportException($"{file}: output '{output}' does not depend on the input; there is nothing to measure");
            return (_builder.Build(result), _weights, input.Name);
        }

        private TensorShape InputShape(ValueInfoProto input, TensorShape? given)
        {
            var type = input.Type?.TensorType ?? throw new OnnxImportException($"{file}: input '{input.Name}' is not a tensor");
            if (type.ElemType != (int)TensorProto.Types.DataType.Float)
                throw new OnnxImportException($"{file}: input '{input.Name}' is {(TensorProto.Types.DataType)type.ElemType}; the suite measures float32 models");
            var dims = type.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue > 0 ? (int?)d.DimValue : null).ToArray()
                       ?? throw new OnnxImportException($"{file}: input '{input.Name}' has no shape; give one with --input-shape");
            string written = string.Join('x', type.Shape.Dim.Select(d => d.DimValue > 0 ? d.DimValue.ToString() : d.DimParam is { Length: > 0 } p ? p : "?"));
            if (given is null)
            {
                if (dims.Any(d => d is null))
                    throw new OnnxImportException($"{file}: input '{input.Name}' has dynamic dimensions ({written}); give them with --input-shape, for example --input-shape {string.Join('x', dims.Select((d, i) => d ?? (i == 0 ? 1 : 224)))}");
                return TensorShape.Of([.. dims.Select(d => d!.Value)]);
            }
            if (given.Rank != dims.Length)
                throw new OnnxImportException($"{file}: input '{input.Name}' has rank {dims.Length} ({written}); --input-shape {given} has rank {given.Rank}");
            for (int i = 0; i < dims.Length; i++)
                if (dims[i] is int fixedSize && fixedSize != given.Dimensions[i])
                    throw new OnnxImportException($"{file}: input '{input.Name}' is {written}; --input-shape {given} differs in static dimension {i} ({fixedSize})");
            return given;
        }

        // ---- values -------------------------------------------------------------------------------

        private bool Has(NodeProto node, int i) => i < node.Input.Count && node.Input[i].Length > 0;

        private bool IsConstant(string name) => name.Length == 0 || _constants.ContainsKey(name);

        private ConstantValue Constant(NodeProto node, int i) => Has(node, i) && _constants.TryGetValue(node.Input[i], out var c)
            ? c
            : throw new OnnxImportException($"{file}: {node.OpType} node '{node.Name}': input {i} ('{(Has(node, i) ? node.Input[i] : "")}') must be known at import (a constant or a shape computation); computing it from the input is not supported");

        private ConstantValue? OptionalConstant(NodeProto node, int i) => Has(node, i) ? Constant(node, i) : null;

        /// <summary>The activation an input names; a constant becomes a <see cref="ConstantTensor"/> layer owning its values.</summary>
        private TensorRef Tensor(NodeProto node, int i)
        {
            string name = node.Input[i];
            if (_tensors.TryGetValue(name, out var tensor)) return tensor;
            if (_constants.TryGetValue(name, out var c))
            {
                if (!c.IsFloat) throw new OnnxImportException($"{file}: {node.OpType} node '{node.Name}' reads integer tensor '{name}' as data; the suite measures float32 models");
                var shape = c.Rank == 0 ? TensorShape.Of(1) : TensorShape.Of(c.Dims);
                // Scalars (hard-swish's 3 and 6, a LayerNorm epsilon) are helpers, not parameters.
                var layer = new ConstantTensor(shape, IsParameter: shape.ElementCount > 1);
                var added = Add(name, layer, []);
                _weights[$"{added.Name}.value"] = c.Floats;
                return _tensors[name] = added;
            }
            throw new OnnxImportException($"{file}: {node.OpType} node '{node.Name}': tensor '{name}' is not produced by any earlier node (is it a second output, or is the graph out of order?)");
        }

        private TensorRef Add(string onnxName, Layer layer, params TensorRef[] inputs)
        {
            // Layers are named after their ONNX node (its name, else its first output), as exporters name them.
            if (_current is { Name.Length: > 0, Output.Count: 1 } && onnxName.StartsWith(_current.Output[0], StringComparison.Ordinal))
                onnxName = _current.Name + onnxName[_current.Output[0].Length..];
            string name = UniqueName(onnxName);
            return _builder.Add(name, layer, inputs);
        }

        private string UniqueName(string onnxName)
        {
            var clean = new string([.. onnxName.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' ? ch : '_')]).Trim('_');
            if (clean.Length == 0) clean = "node";
            string name = clean;
            for (int k = 1; !_usedNames.Add(name); k++) name = $"{clean}_{k}";
            return name;
        }

        private void Output(NodeProto node, TensorRef value, int index = 0) => _tensors[node.Output[index]] = value;

        private void Output(NodeProto node, ConstantValue value, int index = 0) => _constants[node.Output[index]] = value;

        // ---- attributes ---------------------------------------------------------------------------

        private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

        private static long Int(NodeProto node, string name, long fallback) => Attribute(node, name) is { } a ? a.I : fallback;

        private static float Float(NodeProto node, string name, float fallback) => Attribute(node, name) is { } a ? a.F : fallback;

        private static string Text(NodeProto node, string name, string fallback) => Attribute(node, name) is { } a ? a.S.ToStringUtf8() : fallback;

        private static long[]? Ints(NodeProto node, string name) => Attribute(node, name) is { } a ? [.. a.Ints] : null;

        private static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

        private OnnxImportException Refuse(NodeProto node, string reason) => new($"{file}: {node.OpType} node '{node.Name}': {reason}");

        // ---- nodes --------------------------------------------------------------------------------

        private void Node(NodeProto node)
        {
            string op = node.OpType;
            if (op == "Shape" && _tensors.TryGetValue(node.Input[0], out var shaped))
            {
                var dims = shaped.Shape.Dimensions.Select(d => (long)d).ToArray();
                int rank = dims.Length, start = Axis(Int(node, "start", 0), rank), end = Axis(Int(node, "end", rank), rank);
                Output(node, ConstantValue.Vector(dims[Math.Clamp(start, 0, rank)..Math.Clamp(end, 0, rank)]));
                return;
            }
            if (op == "Constant") { Output(node, ConstantNode(node)); return; }
            if (op == "ConstantOfShape")
            {
                var shape = Constant(node, 0).Longs.Select(d => (int)d).ToArray();
                var value = Attribute(node, "value") is { } v ? ConstantValue.FromProto(v.T, $"{file}: node '{node.Name}' value") : ConstantValue.Scalar(0, true);
                Output(node, new ConstantValue(shape, Enumerable.Repeat(value.Data[0], shape.Aggregate(1, (p, d) => p * d)).ToArray(), value.IsFloat));
                return;
            }
            bool allConstant = node.Input.All(IsConstant);
            if (allConstant && Fold(node) is { } folded) { Output(node, folded); return; }
            if (ShapeOnlyOperators.Contains(op))
                throw Refuse(node, $"{op} is supported only on shape values, and here it reads the input's data");
            Activation(node);
        }

        private ConstantValue ConstantNode(NodeProto node)
        {
            var a = node.Attribute.Count == 1 ? node.Attribute[0] : throw Refuse(node, "a Constant node needs exactly one value attribute");
            string what = $"{file}: Constant node '{node.Name}'";
            return a.Name switch
            {
                "value" => ConstantValue.FromProto(a.T, what),
                "value_float" => ConstantValue.Scalar(a.F, true),
                "value_floats" => new ConstantValue([a.Floats.Count], [.. a.Floats.Select(f => (double)f)], true),
                "value_int" => ConstantValue.Scalar(a.I, false),
                "value_ints" => ConstantValue.Vector(a.Ints),
                _ => throw Refuse(node, $"constant attribute '{a.Name}' is not supported (sparse or string constants)"),
            };
        }

        /// <summary>Evaluates a node whose inputs are all known; null when the operator is not folded (it becomes a layer of constants).</summary>
        private ConstantValue? Fold(NodeProto node)
        {
            ConstantValue In(int i) => Constant(node, i);
            switch (node.OpType)
            {
                case "Identity" or "Dropout": return In(0);
                case "Cast":
                {
                    var to = (TensorProto.Types.DataType)Int(node, "to", 1);
                    bool isFloat = to is TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Float16;
                    return In(0).Map(v => isFloat ? v : to == TensorProto.Types.DataType.Bool ? (v != 0 ? 1 : 0) : Math.Truncate(v), isFloat);
                }
                case "Add": return ConstantValue.Binary(In(0), In(1), (a, b) => a + b);
                case "Sub": return ConstantValue.Binary(In(0), In(1), (a, b) => a - b);
                case "Mul": return ConstantValue.Binary(In(0), In(1), (a, b) => a * b);
                case "Div":
                {
                    var (x, y) = (In(0), In(1));
                    bool integer = !x.IsFloat && !y.IsFloat;
                    return ConstantValue.Binary(x, y, (a, b) => integer ? Math.Truncate(a / b) : a / b);
                }
                case "Pow": return ConstantValue.Binary(In(0), In(1), Math.Pow);
                case "Equal": return ConstantValue.Binary(In(0), In(1), (a, b) => a == b ? 1 : 0, false);
                case "Less": return ConstantValue.Binary(In(0), In(1), (a, b) => a < b ? 1 : 0, false);
                case "Greater": return ConstantValue.Binary(In(0), In(1), (a, b) => a > b ? 1 : 0, false);
                case "Min": return node.Input.Skip(1).Select((_, i) => In(i + 1)).Aggregate(In(0), (a, b) => ConstantValue.Binary(a, b, Math.Min));
                case "Max": return node.Input.Skip(1).Select((_, i) => In(i + 1)).Aggregate(In(0), (a, b) => ConstantValue.Binary(a, b, Math.Max));
                case "Not": return In(0).Map(v => v == 0 ? 1 : 0);
                case "Neg": return In(0).Map(v => -v);
                case "Floor": return In(0).Map(Math.Floor);
                case "Ceil": return In(0).Map(Math.Ceiling);
                case "Sqrt": return In(0).Map(Math.Sqrt);
                case "Reciprocal": return In(0).Map(v => 1 / v);
                case "Size": return ConstantValue.Scalar(In(0).Data.Length, false);
                case "ReduceProd":
                {
                    var x = In(0);
                    if (x.Rank > 1) return null;
                    return Int(node, "keepdims", 1) == 1 ? new ConstantValue([1], [x.Data.Aggregate(1.0, (p, v) => p * v)], x.IsFloat) : ConstantValue.Scalar(x.Data.Aggregate(1.0, (p, v) => p * v), x.IsFloat);
                }
                case "Where":
                {
                    var (c, a, b) = (In(0), In(1), In(2));
                    var picked = ConstantValue.Binary(ConstantValue.Binary(c, a, (cv, av) => cv != 0 ? av : double.NaN), b, (v, bv) => double.IsNaN(v) ? bv : v);
                    return picked with { IsFloat = a.IsFloat };
                }
                case "Range":
                {
                    var (start, limit, delta) = (In(0).Data[0], In(1).Data[0], In(2).Data[0]);
                    int count = Math.Max((int)Math.Ceiling((limit - start) / delta), 0);
                    return new ConstantValue([count], [.. Enumerable.Range(0, count).Select(i => start + i * delta)], In(0).IsFloat);
                }
                case "Gather":
                {
                    var x = In(0);
                    return x.Gather(Axis(Int(node, "axis", 0), x.Rank), In(1));
                }
                case "Unsqueeze" or "Squeeze" or "Reshape" or "Flatten":
                {
                    var x = In(0);
                    var shape = ReshapeTarget(node, x.Dims);
                    return x.Reshaped(shape);
                }
                case "Concat":
                {
                    var parts = node.Input.Select((_, i) => In(i)).Where(p => p.Data.Length > 0 || p.Rank > 0).ToList();
                    var x = parts[0];
                    return ConstantValue.Concat([.. parts.Select(p => p.Rank == 0 ? p.Reshaped([1]) : p)], Axis(Int(node, "axis", 0), Math.Max(x.Rank, 1)));
                }
                case "Slice":
                {
                    var x = In(0);
                    foreach (var (axis, start, end, step) in SliceRanges(node, x.Dims, allowNegativeSteps: true))
                        x = x.SliceAxis(axis, start, end, step);
                    return x;
                }
                case "Transpose":
                {
                    var x = In(0);
                    return x.Transposed([.. (Ints(node, "perm") ?? [.. Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i)]).Select(p => (int)p)]);
                }
                case "Expand": return In(0).Expanded([.. In(1).Longs.Select(d => (int)d)]);
                default: return null;
            }
        }

        /// <summary>The output dimensions of a Reshape, Flatten, Squeeze or Unsqueeze of an input of <paramref name="dims"/>.</summary>
        private int[] ReshapeTarget(NodeProto node, int[] dims)
        {
            int rank = dims.Length;
            switch (node.OpType)
            {
                case "Flatten":
                {
                    int axis = Axis(Int(node, "axis", 1), rank);
                    return [dims[..axis].Aggregate(1, (p, d) => p * d), dims[axis..].Aggregate(1, (p, d) => p * d)];
                }
                case "Squeeze":
                {
                    var axes = (opset >= 13 ? OptionalConstant(node, 1)?.Longs : Ints(node, "axes"))?.Select(a => Axis(a, rank)).ToHashSet();
                    return [.. dims.Where((d, i) => axes is null ? d != 1 : !axes.Contains(i))];
                }
                case "Unsqueeze":
                {
                    var raw = opset >= 13 ? Constant(node, 1).Longs : Ints(node, "axes") ?? throw Refuse(node, "Unsqueeze needs axes");
                    int outRank = rank + raw.Length;
                    var axes = raw.Select(a => Axis(a, outRank)).ToHashSet();
                    var result = new List<int>();
                    int source = 0;
                    for (int i = 0; i < outRank; i++) result.Add(axes.Contains(i) ? 1 : dims[source++]);
                    return [.. result];
                }
                default:
                {
                    var target = Constant(node, 1).Longs;
                    bool allowZero = Int(node, "allowzero", 0) == 1;
                    var shape = target.Select((d, i) => d == 0 && !allowZero ? dims[i] : (int)d).ToArray();
                    long known = shape.Where(d => d != -1).Aggregate(1L, (p, d) => p * d);
                    long total = dims.Aggregate(1L, (p, d) => p * d);
                    return [.. shape.Select(d => d == -1 ? (int)(total / Math.Max(known, 1)) : d)];
                }
            }
        }

        private IEnumerable<(int Axis, long Start, long End, long Step)> SliceRanges(NodeProto node, int[] dims, bool allowNegativeSteps)
        {
            long[] starts, ends, axes, steps;
            if (opset < 10)
            {
                starts = Ints(node, "starts") ?? throw Refuse(node, "Slice needs starts");
                ends = Ints(node, "ends") ?? throw Refuse(node, "Slice needs ends");
                axes = Ints(node, "axes") ?? [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
                steps = [.. starts.Select(_ => 1L)];
            }
            else
            {
                starts = Constant(node, 1).Longs;
                ends = Constant(node, 2).Longs;
                axes = OptionalConstant(node, 3)?.Longs ?? [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
                steps = OptionalConstant(node, 4)?.Longs ?? [.. starts.Select(_ => 1L)];
            }
            for (int i = 0; i < starts.Length; i++)
            {
                int axis = Axis(axes[i], dims.Length);
                long size = dims[axis], step = steps[i];
                if (step == 0 || (step < 0 && !allowNegativeSteps)) throw Refuse(node, $"slice step {step} is not supported on activations");
                long start = starts[i] < 0 ? starts[i] + size : starts[i];
                long end = ends[i] < 0 ? ends[i] + size : ends[i];
                if (step > 0) { start = Math.Clamp(start, 0, size); end = Math.Clamp(end, 0, size); }
                else { start = Math.Clamp(start, 0, size - 1); end = Math.Clamp(end, -1, size - 1); }
                yield return (axis, start, end, step);
            }
        }

        // ---- layers on activations ----------------------------------------------------------------

        private void Activation(NodeProto node)
        {
            string name = node.Output[0];
            switch (node.OpType)
            {
                case "Conv": Convolution(node); break;
                case "ConvTranspose": TransposedConvolution(node); break;
                case "BatchNormalization":
                {
                    var x = Tensor(node, 0);
                    if (!x.Shape.IsFeatureMap) throw Refuse(node, $"batch normalisation of a rank-{x.Shape.Rank} tensor is not supported (NCHW only)");
                    var norm = Add(name, new BatchNorm2d(x.Channels, Float(node, "epsilon", 1e-5f)), x);
                    Weights(norm, ("weight", Constant(node, 1)), ("bias", Constant(node, 2)), ("running_mean", Constant(node, 3)), ("running_var", Constant(node, 4)));
                    Output(node, norm);
                    break;
                }
                case "Gemm": Gemm(node); break;
                case "MatMul": Output(node, Add(name, new MatMul(), Tensor(node, 0), Tensor(node, 1))); break;
                case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "PRelu": Binary(node); break;
                case "Max" or "Min" when node.Input.Count == 2: Binary(node); break;
                case "Max" or "Min" when node.Input.Count == 1: Output(node, Add(name, new DescriptionIdentity(), Tensor(node, 0))); break;
                case "Relu": Output(node, Add(name, new Description.Activation(ActivationFunction.Relu), Tensor(node, 0))); break;
                case "Sigmoid": Output(node, Add(name, new Description.Activation(ActivationFunction.Sigmoid), Tensor(node, 0))); break;
                case "Clip" when opset >= 11 && !node.Input.Skip(1).All(IsConstant):
                {
                    // Bounds computed from the data (a spectrogram's floor below its maximum): max(x, lo), then min(., hi).
                    var clipped = Tensor(node, 0);
                    if (Has(node, 1)) clipped = Add(name + (Has(node, 2) ? "_min" : ""), new Broadcast(BinaryOperator.Max), clipped, Tensor(node, 1));
                    if (Has(node, 2)) clipped = Add(name, new Broadcast(BinaryOperator.Min), clipped, Tensor(node, 2));
                    Output(node, clipped);
                    break;
                }
                case "Clip":
                {
                    double min = opset < 11 ? Float(node, "min", float.MinValue) : OptionalConstant(node, 1)?.Data[0] ?? double.NegativeInfinity;
                    double max = opset < 11 ? Float(node, "max", float.MaxValue) : OptionalConstant(node, 2)?.Data[0] ?? double.PositiveInfinity;
                    Layer layer = min == 0 && max == 6 ? new Description.Activation(ActivationFunction.Relu6)
                        : min == 0 && double.IsPositiveInfinity(max) ? new Description.Activation(ActivationFunction.Relu)
                        : new Pointwise(PointwiseOperator.Clip, min, max);
                    Output(node, Add(name, layer, Tensor(node, 0)));
                    break;
                }
                case "LeakyRelu": Unary(node, PointwiseOperator.LeakyRelu, Float(node, "alpha", 0.01f)); break;
                case "HardSigmoid": Unary(node, PointwiseOperator.HardSigmoid, Float(node, "alpha", 0.2f), Float(node, "beta", 0.5f)); break;
                case "HardSwish": Unary(node, PointwiseOperator.HardSwish); break;
                case "Tanh": Unary(node, PointwiseOperator.Tanh); break;
                case "Erf": Unary(node, PointwiseOperator.Erf); break;
                case "Sqrt": Unary(node, PointwiseOperator.Sqrt); break;
                case "Log": Unary(node, PointwiseOperator.Log); break;
                case "Reciprocal": Unary(node, PointwiseOperator.Reciprocal); break;
                case "Gelu": Unary(node, Text(node, "approximate", "none") == "tanh" ? PointwiseOperator.GeluTanh : PointwiseOperator.Gelu); break;
                case "Softmax": SoftmaxNode(node); break;
                case "MaxPool" or "AveragePool": Pooling(node); break;
                case "GlobalAveragePool":
                {
                    var x = Tensor(node, 0);
                    if (!x.Shape.IsFeatureMap) throw Refuse(node, "global pooling is supported on NCHW feature maps only");
                    Output(node, Add(name, new GlobalAvgPool(), x));
                    break;
                }
                case "ReduceMean" or "ReduceMax":
                {
                    var x = Tensor(node, 0);
                    var function = node.OpType == "ReduceMean" ? ReduceFunction.Mean : ReduceFunction.Max;
                    var raw = opset >= 18 ? OptionalConstant(node, 1)?.Longs : Ints(node, "axes");
                    var axes = (raw is null || raw.Length == 0 ? Enumerable.Range(0, x.Shape.Rank) : raw.Select(a => Axis(a, x.Shape.Rank))).Order().ToImmutableArray();
                    bool keep = Int(node, "keepdims", 1) == 1;
                    Layer layer = function == ReduceFunction.Mean && keep && x.Shape.IsFeatureMap && axes.SequenceEqual([2, 3]) ? new GlobalAvgPool() : new Reduction(function, axes, keep);
                    Output(node, Add(name, layer, x));
                    break;
                }
                case "Resize" or "Upsample": Resizing(node); break;
                case "Pad": Padding(node); break;
                case "Concat":
                {
                    var parts = node.Input.Select((_, i) => Tensor(node, i)).ToArray();
                    int axis = Axis(Int(node, "axis", 1), parts[0].Shape.Rank);
                    if (parts.Length == 1) { Output(node, Add(name, new DescriptionIdentity(), parts)); break; }
                    Layer layer = axis == 1 && parts.All(p => p.Shape.IsFeatureMap) ? new Description.Concat() : new ConcatAxis(axis);
                    Output(node, Add(name, layer, parts));
                    break;
                }
                case "Split": Splitting(node); break;
                case "Slice":
                {
                    var x = Tensor(node, 0);
                    var current = x;
                    foreach (var (axis, start, end, step) in SliceRanges(node, [.. x.Shape.Dimensions], allowNegativeSteps: false))
                        if (!(start == 0 && end == current.Shape.Dimensions[axis] && step == 1))
                            current = Add(name, new Description.Slice(axis, (int)start, (int)end, (int)step), current);
                    Output(node, current.Name == x.Name ? Add(name, new DescriptionIdentity(), x) : current);
                    break;
                }
                case "Reshape" or "Squeeze" or "Unsqueeze" or "Flatten":
                {
                    var x = Tensor(node, 0);
                    var target = TensorShape.Of(ReshapeTarget(node, [.. x.Shape.Dimensions]));
                    Layer layer = node.OpType == "Flatten" && Int(node, "axis", 1) == 1 ? new Description.Flatten() : new Reshape(target);
                    Output(node, Add(name, layer, x));
                    break;
                }
                case "Transpose":
                {
                    var x = Tensor(node, 0);
                    var perm = (Ints(node, "perm") ?? [.. Enumerable.Range(0, x.Shape.Rank).Reverse().Select(i => (long)i)]).Select(p => (int)p).ToImmutableArray();
                    Output(node, Add(name, new Transpose(perm), x));
                    break;
                }
                case "Gather":
                {
                    var x = Tensor(node, 0);
                    var indices = Constant(node, 1);
                    int axis = Axis(Int(node, "axis", 0), x.Shape.Rank);
                    int size = x.Shape.Dimensions[axis];
                    var picks = indices.Longs.Select(i => (int)(i < 0 ? i + size : i)).ToArray();
                    if (indices.Rank == 0) Output(node, Add(name, new Select(axis, picks[0]), x));
                    else if (indices.Rank == 1 && picks.Length > 0 && picks.Select((p, i) => p - i).Distinct().Count() == 1)
                        Output(node, Add(name, new Description.Slice(axis, picks[0], picks[0] + picks.Length), x));
                    else throw Refuse(node, "gathering activations by a tensor of indices is supported only for one index or a contiguous range");
                    break;
                }
                case "Cast":
                {
                    var to = (TensorProto.Types.DataType)Int(node, "to", 1);
                    if (to != TensorProto.Types.DataType.Float) throw Refuse(node, $"casting activations to {to} is not supported; the suite measures float32 models");
                    Output(node, Add(name, new DescriptionIdentity(), Tensor(node, 0)));
                    break;
                }
                case "Identity" or "Dropout": Output(node, Add(name, new DescriptionIdentity(), Tensor(node, 0))); break;
                case "LayerNormalization":
                {
                    var x = Tensor(node, 0);
                    int axis = Axis(Int(node, "axis", -1), x.Shape.Rank);
                    var normalized = TensorShape.Of([.. x.Shape.Dimensions[axis..]]);
                    var bias = OptionalConstant(node, 2);
                    var norm = Add(name, new LayerNorm(normalized, Float(node, "epsilon", 1e-5f), bias is not null), x);
                    var dims = normalized.Dimensions.ToArray();
                    Weights(norm, ("weight", Constant(node, 1).Expanded(dims)));
                    if (bias is not null) Weights(norm, ("bias", bias.Expanded(dims)));
                    Output(node, norm);
                    break;
                }
                case "Expand":
                {
                    var x = Tensor(node, 0);
                    var target = Broadcast.Shape(x.Shape, TensorShape.Of([.. Constant(node, 1).Longs.Select(d => (int)d)]));
                    Output(node, Add(name, target == x.Shape ? new DescriptionIdentity() : new Expand(target), x));
                    break;
                }
                default:
                    throw Refuse(node, "this operator is not supported on activations");
            }
        }

        private void Weights(TensorRef layer, params (string Parameter, ConstantValue Value)[] values)
        {
            foreach (var (parameter, value) in values)
            {
                if (!value.IsFloat) throw new OnnxImportException($"{file}: weight '{parameter}' of '{layer.Name}' is not float32");
                _weights[$"{layer.Name}.{parameter}"] = value.Floats;
            }
        }

        private void Unary(NodeProto node, PointwiseOperator op, double a = 0, double b = 0) =>
            Output(node, Add(node.Output[0], new Pointwise(op, a, b), Tensor(node, 0)));

        private void Binary(NodeProto node)
        {
            var (x, y) = (Tensor(node, 0), Tensor(node, 1));
            var op = Enum.Parse<BinaryOperator>(node.OpType);
            Layer layer = op switch
            {
                BinaryOperator.Add when x.Shape == y.Shape => new Description.Add(),
                BinaryOperator.Mul when x.Shape == y.Shape || (x.Shape.IsFeatureMap && y.Shape.IsFeatureMap && y.Shape.Batch == x.Shape.Batch
                    && y.Shape.Channels == x.Shape.Channels && y.Shape.Height == 1 && y.Shape.Width == 1) => new Multiply(),
                _ => new Broadcast(op),
            };
            Output(node, Add(node.Output[0], layer, x, y));
        }

        /// <summary>Explicit begin/end pads of a 2-D window operator, from pads or auto_pad.</summary>
        private (int Top, int Left, int Bottom, int Right) WindowPads(NodeProto node, TensorShape x, Size2d kernel, Size2d stride, Size2d dilation)
        {
            string auto = Text(node, "auto_pad", "NOTSET");
            if (auto is "SAME_UPPER" or "SAME_LOWER")
            {
                int Total(int size, int k, int s, int d) => Math.Max(((size + s - 1) / s - 1) * s + (k - 1) * d + 1 - size, 0);
                int th = Total(x.Height, kernel.Height, stride.Height, dilation.Height), tw = Total(x.Width, kernel.Width, stride.Width, dilation.Width);
                return auto == "SAME_UPPER" ? (th / 2, tw / 2, th - th / 2, tw - tw / 2) : (th - th / 2, tw - tw / 2, th / 2, tw / 2);
            }
            var pads = Ints(node, "pads") ?? [0, 0, 0, 0];
            if (pads.Length != 4) throw Refuse(node, "only 2-D windows (NCHW) are supported");
            return ((int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
        }

        /// <summary>Symmetric padding for the layer; an explicit Pad layer first takes whatever is asymmetric.</summary>
        private (TensorRef Input, Size2d Padding) SplitPadding(NodeProto node, TensorRef x, (int Top, int Left, int Bottom, int Right) p, float value)
        {
            if (p.Top == p.Bottom && p.Left == p.Right) return (x, new Size2d(p.Top, p.Left));
            int h = Math.Min(p.Top, p.Bottom), w = Math.Min(p.Left, p.Right);
            var pads = ImmutableArray.Create(0, 0, p.Top - h, p.Left - w, 0, 0, p.Bottom - h, p.Right - w);
            return (Add(node.Output[0] + "_pad", new Pad(pads, PadMode.Constant, value), x), new Size2d(h, w));
        }

        private static Size2d Pair(long[]? values, int fallback) => values is { Length: 2 } v ? new Size2d((int)v[0], (int)v[1]) : fallback;

        private void Convolution(NodeProto node)
        {
            var x = Tensor(node, 0);
            var weight = Constant(node, 1);
            if (weight.Rank == 3 && x.Shape.Rank == 3)
            {
                // A 1-D convolution (an STFT written as Conv1d, a temporal convolution) is a 2-D one over a height of 1.
                var (n, c, length) = (x.Shape.Dimensions[0], x.Shape.Dimensions[1], x.Shape.Dimensions[2]);
                var image = Add(node.Output[0] + "_2d", new Reshape(TensorShape.Of(n, c, 1, length)), x);
                long[] Widen(string attribute, long fill) => Ints(node, attribute) is { Length: 1 } v ? [fill, v[0]] : [fill, 1];
                var pads = Ints(node, "pads") is { Length: 2 } p ? new long[] { 0, p[0], 0, p[1] } : [0, 0, 0, 0];
                var (padded, padding1d) = SplitPadding(node, image, ((int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]), 0);
                if (Text(node, "auto_pad", "NOTSET") != "NOTSET") throw Refuse(node, "auto_pad on a 1-D convolution is not supported; export with explicit pads");
                var kernel1d = new Size2d(1, weight.Dims[2]);
                var stride1d = new Size2d(1, (int)Widen("strides", 1)[1]);
                var dilation1d = new Size2d(1, (int)Widen("dilations", 1)[1]);
                var bias1d = OptionalConstant(node, 2);
                var conv1d = Add(node.Output[0] + "_conv", new Conv2d(c, weight.Dims[0], kernel1d, stride1d, padding1d, dilation1d, (int)Int(node, "group", 1), bias1d is not null), padded);
                Weights(conv1d, ("weight", weight.Reshaped([weight.Dims[0], weight.Dims[1], 1, weight.Dims[2]])));
                if (bias1d is not null) Weights(conv1d, ("bias", bias1d));
                var o = conv1d.Shape;
                Output(node, Add(node.Output[0], new Reshape(TensorShape.Of(o.Batch, o.Channels, o.Width)), conv1d));
                return;
            }
            if (weight.Rank != 4 || !x.Shape.IsFeatureMap) throw Refuse(node, $"only 2-D convolutions are supported (weight [{string.Join(',', weight.Dims)}])");
            var kernel = new Size2d(weight.Dims[2], weight.Dims[3]);
            var (stride, dilation) = (Pair(Ints(node, "strides"), 1), Pair(Ints(node, "dilations"), 1));
            var (input, padding) = SplitPadding(node, x, WindowPads(node, x.Shape, kernel, stride, dilation), 0);
            int groups = (int)Int(node, "group", 1);
            var bias = OptionalConstant(node, 2);
            var conv = Add(node.Output[0], new Conv2d(x.Channels, weight.Dims[0], kernel, stride, padding, dilation, groups, bias is not null), input);
            Weights(conv, ("weight", weight));
            if (bias is not null) Weights(conv, ("bias", bias));
            Output(node, conv);
        }

        private void TransposedConvolution(NodeProto node)
        {
            var x = Tensor(node, 0);
            var weight = Constant(node, 1);
            if (weight.Rank != 4 || !x.Shape.IsFeatureMap) throw Refuse(node, "only 2-D transposed convolutions are supported");
            if (Attribute(node, "output_shape") is not null || Text(node, "auto_pad", "NOTSET") != "NOTSET")
                throw Refuse(node, "output_shape and auto_pad are not supported; export with explicit pads");
            var pads = Ints(node, "pads") ?? [0, 0, 0, 0];
            if (pads[0] != pads[2] || pads[1] != pads[3]) throw Refuse(node, "asymmetric pads are not supported");
            int groups = (int)Int(node, "group", 1);
            var bias = OptionalConstant(node, 2);
            var layer = new ConvTranspose2d(x.Channels, weight.Dims[1] * groups, new Size2d(weight.Dims[2], weight.Dims[3]), Pair(Ints(node, "strides"), 1),
                new Size2d((int)pads[0], (int)pads[1]), Pair(Ints(node, "output_padding"), 0), Pair(Ints(node, "dilations"), 1), groups, bias is not null);
            var conv = Add(node.Output[0], layer, x);
            Weights(conv, ("weight", weight));
            if (bias is not null) Weights(conv, ("bias", bias));
            Output(node, conv);
        }

        private void Gemm(NodeProto node)
        {
            var x = Tensor(node, 0);
            var b = Constant(node, 1);
            if (x.Shape.Rank != 2 || b.Rank != 2 || Int(node, "transA", 0) != 0)
                throw Refuse(node, "Gemm is supported as a fully connected layer: a [batch, features] input, a constant B, transA = 0");
            double alpha = Float(node, "alpha", 1), beta = Float(node, "beta", 1);
            var weight = Int(node, "transB", 0) == 1 ? b : b.Transposed([1, 0]);
            if (alpha != 1) weight = weight.Map(v => v * alpha);
            int outFeatures = weight.Dims[0];
            var c = OptionalConstant(node, 2);
            if (c is not null && c.Data.Length != 1 && c.Data.Length != outFeatures)
                throw Refuse(node, $"bias of shape [{string.Join(',', c.Dims)}] is not per output feature");
            var linear = Add(node.Output[0], new Linear(weight.Dims[1], outFeatures, c is not null), x);
            Weights(linear, ("weight", weight));
            if (c is not null) Weights(linear, ("bias", c.Reshaped([c.Data.Length]).Expanded([outFeatures]).Map(v => v * beta)));
            Output(node, linear);
        }

        private void SoftmaxNode(NodeProto node)
        {
            var x = Tensor(node, 0);
            int rank = x.Shape.Rank;
            int axis = Axis(Int(node, "axis", opset >= 13 ? -1 : 1), rank);
            if (opset >= 13 || axis == rank - 1) { Output(node, Add(node.Output[0], new Softmax(axis), x)); return; }
            // Before opset 13, Softmax normalises over all axes from 'axis' on, as one flattened axis.
            var dims = x.Shape.Dimensions;
            var flat = Add(node.Output[0] + "_flat", new Reshape(TensorShape.Of(dims[..axis].Aggregate(1, (p, d) => p * d), dims[axis..].Aggregate(1, (p, d) => p * d))), x);
            var soft = Add(node.Output[0] + "_softmax", new Softmax(1), flat);
            Output(node, Add(node.Output[0], new Reshape(x.Shape), soft));
        }

        private void Pooling(NodeProto node)
        {
            var x = Tensor(node, 0);
            if (!x.Shape.IsFeatureMap) throw Refuse(node, "only 2-D pooling (NCHW) is supported");
            if (node.Output.Count > 1 && node.Output[1].Length > 0) throw Refuse(node, "the indices output of MaxPool is not supported");
            var kernel = Pair(Ints(node, "kernel_shape"), 1);
            var stride = Pair(Ints(node, "strides"), 1);
            if (Pair(Ints(node, "dilations"), 1) != new Size2d(1, 1)) throw Refuse(node, "dilated pooling is not supported");
            bool ceil = Int(node, "ceil_mode", 0) == 1;
            var pads = WindowPads(node, x.Shape, kernel, stride, 1);
            Layer layer;
            if (node.OpType == "MaxPool")
            {
                var (input, padding) = SplitPadding(node, x, pads, float.NegativeInfinity);
                Output(node, Add(node.Output[0], new MaxPool2d(kernel, stride, padding, ceil), input));
                return;
            }
            bool includePad = Int(node, "count_include_pad", 0) == 1;
            if (!includePad && (pads.Top != pads.Bottom || pads.Left != pads.Right))
                throw Refuse(node, "average pooling with asymmetric pads that are not counted is not supported");
            var (padded, symmetric) = SplitPadding(node, x, pads, 0);
            layer = new AvgPool2d(kernel, stride, symmetric, includePad, ceil);
            Output(node, Add(node.Output[0], layer, padded));
        }

        private void Resizing(NodeProto node)
        {
            var x = Tensor(node, 0);
            if (!x.Shape.IsFeatureMap) throw Refuse(node, "resizing is supported on NCHW feature maps only");
            string mode = Text(node, "mode", "nearest");
            ConstantValue? scales, sizes = null;
            if (node.OpType == "Upsample") scales = opset < 9 ? new ConstantValue([4], [.. (Attribute(node, "scales")?.Floats ?? []).Select(f => (double)f)], true) : Constant(node, 1);
            else if (opset < 11) scales = Constant(node, 1);
            else
            {
                scales = OptionalConstant(node, 2) is { Data.Length: > 0 } s ? s : null;
                sizes = OptionalConstant(node, 3);
            }
            int h, w;
            if (sizes is { Data.Length: 4 })
                (h, w) = ((int)sizes.Data[2], (int)sizes.Data[3]);
            else if (scales is { Data.Length: 4 } && scales.Data[0] == 1 && scales.Data[1] == 1)
                (h, w) = ((int)Math.Floor(x.Shape.Height * scales.Data[2]), (int)Math.Floor(x.Shape.Width * scales.Data[3]));
            else throw Refuse(node, "resizing needs 4 scales or sizes that keep batch and channels");
            string transform = node.OpType == "Upsample" || opset < 11 ? "asymmetric" : Text(node, "coordinate_transformation_mode", "half_pixel");
            string nearest = node.OpType == "Upsample" || opset < 11 ? "floor" : Text(node, "nearest_mode", "round_prefer_floor");
            bool integerUpscale = h % x.Shape.Height == 0 && w % x.Shape.Width == 0;
            ResizeMode resize = mode switch
            {
                "nearest" when transform == "asymmetric" && nearest == "floor" => ResizeMode.Nearest,
                // For whole-number upscaling, half-pixel centres with rounding pick floor(i / scale) too.
                "nearest" when integerUpscale && transform is "half_pixel" or "pytorch_half_pixel" or "tf_half_pixel_for_nn" && nearest.StartsWith("round", StringComparison.Ordinal) => ResizeMode.Nearest,
                "nearest" when integerUpscale && transform == "asymmetric" && nearest.StartsWith("round", StringComparison.Ordinal) && h == x.Shape.Height && w == x.Shape.Width => ResizeMode.Nearest,
                "linear" or "bilinear" when transform is "half_pixel" || (transform == "pytorch_half_pixel" && h > 1 && w > 1) => ResizeMode.Bilinear,
                "linear" or "bilinear" when transform == "align_corners" => ResizeMode.BilinearAlignCorners,
                _ => throw Refuse(node, $"resize mode '{mode}' with coordinate transformation '{transform}' and nearest mode '{nearest}' is not supported"),
            };
            Output(node, Add(node.Output[0], new Resize2d(new Size2d(h, w), resize), x));
        }

        private void Padding(NodeProto node)
        {
            var x = Tensor(node, 0);
            int rank = x.Shape.Rank;
            long[] pads;
            float value;
            if (opset < 11)
            {
                pads = Ints(node, "pads") ?? throw Refuse(node, "Pad needs pads");
                value = Float(node, "value", 0);
            }
            else
            {
                pads = Constant(node, 1).Longs;
                value = (float)(OptionalConstant(node, 2)?.Data[0] ?? 0);
                if (OptionalConstant(node, 3) is { } axesValue)
                {
                    var axes = axesValue.Longs.Select(a => Axis(a, rank)).ToArray();
                    var full = new long[2 * rank];
                    for (int i = 0; i < axes.Length; i++) { full[axes[i]] = pads[i]; full[axes[i] + rank] = pads[i + axes.Length]; }
                    pads = full;
                }
            }
            if (pads.Any(p => p < 0)) throw Refuse(node, "negative pads (cropping) are not supported");
            var mode = Text(node, "mode", "constant") switch
            {
                "constant" => PadMode.Constant,
                "reflect" => PadMode.Reflect,
                "edge" => PadMode.Edge,
                var other => throw Refuse(node, $"pad mode '{other}' is not supported"),
            };
            if (mode != PadMode.Constant && (!x.Shape.IsFeatureMap || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0))
                throw Refuse(node, $"{mode} padding is supported on the spatial axes of NCHW feature maps only");
            Output(node, Add(node.Output[0], new Pad([.. pads.Select(p => (int)p)], mode, value), x));
        }

        private void Splitting(NodeProto node)
        {
            var x = Tensor(node, 0);
            int axis = Axis(Int(node, "axis", 0), x.Shape.Rank);
            int size = x.Shape.Dimensions[axis], parts = node.Output.Count;
            long[] lengths = (opset >= 13 ? OptionalConstant(node, 1)?.Longs : Ints(node, "split"))
                             ?? [.. Enumerable.Range(0, parts).Select(i => (long)((size + parts - 1) / parts)).Select((l, i) => Math.Min(l, Math.Max(size - i * l, 0)))];
            int start = 0;
            for (int i = 0; i < parts; i++)
            {
                int end = start + (int)lengths[i];
                if (node.Output[i].Length > 0)
                    Output(node, Add(node.Output[i], new Description.Slice(axis, start, end), x), i);
                start = end;
            }
        }
    }
}
