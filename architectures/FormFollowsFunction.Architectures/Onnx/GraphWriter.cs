using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Weights;
using Google.Protobuf;
using Onnx;

namespace FormFollowsFunction.Architectures.Onnx;

/// <summary>
/// Accumulates one ONNX graph: checks that every tensor name is defined once, names description
/// tensors after their nodes (the network's output tensor is <c>output</c>), and gives helper tensors
/// names of the form <c>node/what</c>.
/// </summary>
internal sealed class GraphWriter
{
    private readonly Network _network;
    private readonly GraphProto _graph;
    private readonly HashSet<string> _defined = [];
    private (string Min, string Max)? _relu6Bounds;

    public GraphWriter(Network network)
    {
        _network = network;
        _graph = new GraphProto { Name = network.Id };
        Define(OnnxExporter.InputName);
        _graph.Input.Add(ValueInfo(OnnxExporter.InputName, network.InputShape));
    }

    /// <summary>The ONNX name of the tensor a description node (or the network input) produces.</summary>
    public string TensorName(string descriptionName) =>
        descriptionName == _network.OutputName ? OnnxExporter.OutputName : descriptionName;

    public void AddInitializer(WeightTensor tensor)
    {
        Define(tensor.Name);
        var proto = new TensorProto
        {
            Name = tensor.Name,
            DataType = (int)TensorProto.Types.DataType.Float,
            // Zero-copy: the message refers to the weights' own little-endian bytes.
            RawData = UnsafeByteOperations.UnsafeWrap(tensor.RawData),
        };
        proto.Dims.AddRange(tensor.Shape.Dimensions.Select(d => (long)d));
        _graph.Initializer.Add(proto);
    }

    public NodeProto AddNode(string opType, string name, IEnumerable<string> inputs, string output, string? docString = null)
    {
        Define(output);
        var node = new NodeProto { OpType = opType, Name = name, DocString = docString ?? "" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        _graph.Node.Add(node);
        return node;
    }

    /// <summary>A <c>Constant</c> node (not an initializer: helper values are not parameters) named <paramref name="name"/>.</summary>
    public string Constant(string name, TensorProto value)
    {
        value.Name = "";
        AddNode("Constant", name, [], name).Attribute.Add(new AttributeProto
        {
            Name = "value",
            Type = AttributeProto.Types.AttributeType.Tensor,
            T = value,
        });
        return name;
    }

    public string Int64Constant(string name, params long[] values)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return Constant(name, tensor);
    }

    public string FloatConstant(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return Constant(name, tensor);
    }

    /// <summary>The scalar bounds 0 and 6 that every ReLU6's Clip reads, written once before their first use.</summary>
    public (string Min, string Max) Relu6Bounds() => _relu6Bounds ??=
        (FloatConstant("relu6/min", [0f]), FloatConstant("relu6/max", [6f]));

    public GraphProto Finish()
    {
        _graph.Output.Add(ValueInfo(OnnxExporter.OutputName, _network.OutputShape));
        return _graph;
    }

    private void Define(string name)
    {
        if (!_defined.Add(name))
            throw new NotSupportedException(
                $"{_network.Id}: the ONNX tensor name '{name}' would be defined twice; rename the description node " +
                $"(names '{OnnxExporter.OutputName}', 'relu6/...' and names containing '/' are reserved for the export)");
    }

    private static ValueInfoProto ValueInfo(string name, TensorShape shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (int d in shape.Dimensions)
            tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape },
            },
        };
    }
}

/// <summary>Attribute setters for ONNX nodes.</summary>
internal static class NodeAttributes
{
    public static NodeProto Int(this NodeProto node, string name, long value)
    {
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
        return node;
    }

    public static NodeProto Ints(this NodeProto node, string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        node.Attribute.Add(attribute);
        return node;
    }

    public static NodeProto Float(this NodeProto node, string name, float value)
    {
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });
        return node;
    }
}
