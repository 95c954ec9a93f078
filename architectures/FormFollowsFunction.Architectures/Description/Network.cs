using System.Collections.Immutable;

namespace FormFollowsFunction.Architectures.Description;

/// <summary>One layer applied to named inputs; its output carries the node's name.</summary>
public sealed record Node(string Name, Layer Layer, ImmutableArray<string> Inputs, TensorShape OutputShape);

/// <summary>A tensor produced while a network is being built: the name of its node and its shape.</summary>
public readonly record struct TensorRef(string Name, TensorShape Shape)
{
    public int Channels => Shape.Channels;
}

/// <summary>
/// A network description: a single-input, single-output graph of typed layers whose nodes are in
/// execution order, every shape inferred and checked. Build one with <see cref="NetworkBuilder"/>.
/// </summary>
public sealed class Network
{
    public const string InputName = "input";

    private readonly Dictionary<string, Node> _byName;

    internal Network(string id, TensorShape inputShape, ImmutableArray<Node> nodes, string outputName)
    {
        Id = id;
        InputShape = inputShape;
        Nodes = nodes;
        OutputName = outputName;
        _byName = nodes.ToDictionary(n => n.Name);
    }

    /// <summary>The model identifier, for example <c>resnet50</c> or <c>residual-d8-w1.0</c>.</summary>
    public string Id { get; }

    public TensorShape InputShape { get; }

    /// <summary>Every node in an order in which it can be executed (each after its inputs).</summary>
    public ImmutableArray<Node> Nodes { get; }

    public string OutputName { get; }

    public TensorShape OutputShape => _byName[OutputName].OutputShape;

    public Node this[string name] => _byName[name];

    public TensorShape ShapeOf(string tensorName) =>
        tensorName == InputName ? InputShape : _byName[tensorName].OutputShape;

    public IEnumerable<TensorShape> InputShapesOf(Node node) => node.Inputs.Select(ShapeOf);

    /// <summary>Every weight tensor, named <c>node.parameter</c>, in node order.</summary>
    public IEnumerable<(string Name, Node Node, ParameterSpec Spec)> Parameters =>
        Nodes.SelectMany(n => n.Layer.Parameters.Select(p => ($"{n.Name}.{p.Name}", n, p)));

    public override string ToString() => $"{Id} ({Nodes.Length} layers, {InputShape} → {OutputShape})";
}
