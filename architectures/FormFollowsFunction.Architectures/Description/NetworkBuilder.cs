using System.Collections.Immutable;

namespace FormFollowsFunction.Architectures.Description;

/// <summary>
/// Builds a <see cref="Network"/> one layer at a time, inferring and checking each layer's output
/// shape as it is added, so that an inconsistent network fails at the layer that is wrong.
/// Node names are hierarchical like torchvision's (<c>layer1.0.conv1</c>); <see cref="Scope"/> adds a prefix.
/// </summary>
public sealed class NetworkBuilder
{
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<string, TensorShape> _shapes = [];
    private readonly Stack<string> _scopes = new();

    public NetworkBuilder(string networkId, TensorShape inputShape) : this(networkId, inputShape, anyRank: false)
    {
    }

    /// <param name="anyRank">Accept an input of any rank (imported model files); generators always give NCHW.</param>
    internal NetworkBuilder(string networkId, TensorShape inputShape, bool anyRank)
    {
        if ((!anyRank && !inputShape.IsFeatureMap) || inputShape.Dimensions.Any(d => d <= 0))
            throw new NetworkDefinitionException($"{networkId}: input shape must be a positive NCHW shape, got {inputShape}");
        NetworkId = networkId;
        Input = new TensorRef(Network.InputName, inputShape);
        _shapes[Network.InputName] = inputShape;
    }

    public string NetworkId { get; }

    public TensorRef Input { get; }

    /// <summary>Prefixes the names of nodes added until the returned scope is disposed: <c>using var _ = b.Scope("layer1");</c>.</summary>
    public IDisposable Scope(string name)
    {
        _scopes.Push(name);
        return new ScopeExit(_scopes);
    }

    /// <summary>Adds a layer applied to <paramref name="inputs"/>; the node is named <c>scope.name</c>.</summary>
    public TensorRef Add(string name, Layer layer, params TensorRef[] inputs)
    {
        string fullName = _scopes.Count == 0 ? name : $"{string.Join('.', _scopes.Reverse())}.{name}";
        if (string.IsNullOrWhiteSpace(name)) throw Fail(fullName, layer, "a node needs a name");
        if (_shapes.ContainsKey(fullName)) throw Fail(fullName, layer, "a node of that name already exists");
        if (inputs.Length == 0 && layer.Arity != 0) throw Fail(fullName, layer, "a layer needs at least one input");
        if (layer.Arity is int arity ? inputs.Length != arity : inputs.Length < 2)
            throw Fail(fullName, layer, $"takes {(layer.Arity?.ToString() ?? "two or more")} inputs, got {inputs.Length}");
        foreach (var input in inputs)
            if (!_shapes.TryGetValue(input.Name, out var known) || known != input.Shape)
                throw Fail(fullName, layer, $"input '{input.Name}' is not a tensor of this network");

        TensorShape shape;
        try
        {
            shape = layer.InferShape(inputs.Select(i => i.Shape).ToArray());
        }
        catch (ShapeMismatchException e)
        {
            throw Fail(fullName, layer, e.Message);
        }
        _nodes.Add(new Node(fullName, layer, [.. inputs.Select(i => i.Name)], shape));
        _shapes[fullName] = shape;
        return new TensorRef(fullName, shape);
    }

    public Network Build(TensorRef output)
    {
        if (!_shapes.ContainsKey(output.Name) || output.Name == Network.InputName)
            throw new NetworkDefinitionException($"{NetworkId}: output '{output.Name}' is not a layer of this network");
        return new Network(NetworkId, Input.Shape, [.. _nodes], output.Name);
    }

    // Conveniences for the layers generators use most; each is Add with a typed layer.

    /// <summary>Convolution; padding defaults to "same" for odd kernels at stride 1: dilation·(kernel-1)/2.</summary>
    public TensorRef Conv2d(string name, TensorRef x, int outChannels, int kernel, int stride = 1,
        int? padding = null, int dilation = 1, int groups = 1, bool bias = false) =>
        Add(name, new Conv2d(x.Channels, outChannels, kernel, stride, padding ?? dilation * (kernel - 1) / 2, dilation, groups, bias), x);

    public TensorRef BatchNorm(string name, TensorRef x, double epsilon = 1e-5) =>
        Add(name, new BatchNorm2d(x.Channels, epsilon), x);

    public TensorRef Activation(string name, TensorRef x, ActivationFunction function) =>
        Add(name, new Activation(function), x);

    public TensorRef Relu(string name, TensorRef x) => Activation(name, x, ActivationFunction.Relu);

    public TensorRef MaxPool(string name, TensorRef x, int kernel, int stride, int padding = 0, bool ceilMode = false) =>
        Add(name, new MaxPool2d(kernel, stride, padding, ceilMode), x);

    public TensorRef AvgPool(string name, TensorRef x, int kernel, int stride, int padding = 0, bool countIncludePad = true) =>
        Add(name, new AvgPool2d(kernel, stride, padding, countIncludePad), x);

    public TensorRef GlobalAvgPool(string name, TensorRef x) => Add(name, new GlobalAvgPool(), x);

    public TensorRef Flatten(string name, TensorRef x) => Add(name, new Flatten(), x);

    public TensorRef Linear(string name, TensorRef x, int outFeatures, bool bias = true) =>
        Add(name, new Linear(x.Channels, outFeatures, bias), x);

    public TensorRef Sum(string name, params TensorRef[] terms) => Add(name, new Add(), terms);

    public TensorRef Multiply(string name, TensorRef x, TensorRef gate) => Add(name, new Multiply(), x, gate);

    public TensorRef Concat(string name, params TensorRef[] parts) => Add(name, new Concat(), parts);

    public TensorRef Identity(string name, TensorRef x) => Add(name, new Identity(), x);

    private NetworkDefinitionException Fail(string node, Layer layer, string reason) =>
        new($"{NetworkId}: layer '{node}' ({layer.Kind}): {reason}");

    private sealed class ScopeExit(Stack<string> scopes) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            scopes.Pop();
        }
    }
}
