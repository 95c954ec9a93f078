using Google.Protobuf;
using Onnx;

namespace FormFollowsFunction.Tests.Import;

/// <summary>
/// Writes small ONNX graphs the way third-party exporters do (weights as initializers or as Constant nodes,
/// symbolic input dimensions, helper subgraphs on shapes), for the importer's tests. Weights are drawn from
/// a fixed seed, uniform in ±<c>scale</c>, so that activations stay of order one.
/// </summary>
internal sealed class OnnxFileBuilder(long opset, string producer = "test-exporter")
{
    private readonly GraphProto _graph = new() { Name = "test" };
    private readonly Random _random = new(1234);
    private int _counter;

    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        _graph.Input.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } });
        return name;
    }

    public string Input(string name, params object[] dims) => Input(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>A random float weight: an initializer, or a Constant node when <paramref name="asConstantNode"/>.</summary>
    public string Weight(long[] dims, double scale, bool asConstantNode = false, double offset = 0)
    {
        long count = dims.Aggregate(1L, (p, d) => p * d);
        var values = Enumerable.Range(0, (int)count).Select(_ => (float)(offset + scale * (2 * _random.NextDouble() - 1))).ToArray();
        return Floats(dims, values, asConstantNode);
    }

    public string Floats(long[] dims, float[] values, bool asConstantNode = false)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return Tensor(tensor, asConstantNode);
    }

    public string Longs(long[] values, bool asConstantNode = true, bool scalar = false)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.AddRange(values);
        if (!scalar) tensor.Dims.Add(values.Length);
        return Tensor(tensor, asConstantNode);
    }

    public string Scalar(float value) => Floats([], [value], asConstantNode: true);

    private string Tensor(TensorProto tensor, bool asConstantNode)
    {
        string name = $"const_{_counter++}";
        if (asConstantNode)
        {
            Node("Constant", [], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = tensor }).Output.Clear();
            _graph.Node[^1].Output.Add(name);
            return name;
        }
        tensor.Name = name;
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node and returns its first output's name (outputs are named <c>op_N</c>).</summary>
    public string Op(string opType, string[] inputs, params AttributeProto[] attributes) => Node(opType, inputs, attributes).Output[0];

    public string[] Ops(string opType, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = Node(opType, inputs, attributes);
        for (int i = 1; i < outputs; i++) node.Output.Add($"{node.Name}_out{i}");
        return [.. node.Output];
    }

    private NodeProto Node(string opType, string[] inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"/{opType}_{_counter++}" };
        node.Input.AddRange(inputs);
        node.Output.Add($"{opType.ToLowerInvariant()}_{_counter++}");
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return node;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Text(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Floats(string name, params float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    /// <summary>Declares <paramref name="name"/> the graph's output and writes the model to <paramref name="path"/>.</summary>
    public string Save(string name, string path)
    {
        _graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        var model = new ModelProto { IrVersion = opset >= 21 ? 10 : 8, ProducerName = producer, Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
