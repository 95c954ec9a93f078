using System.Runtime.InteropServices;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Weights;

/// <summary>One named float32 weight tensor of a network: <c>layer1.0.conv1.weight</c>, <c>bn1.running_var</c>, ...</summary>
public sealed class WeightTensor
{
    private readonly byte[] _data;

    internal WeightTensor(string name, TensorShape shape, ParameterRole role)
    {
        Name = name;
        Shape = shape;
        Role = role;
        _data = GC.AllocateUninitializedArray<byte>(checked((int)(shape.ElementCount * TensorShape.BytesPerElement)));
    }

    public string Name { get; }

    public TensorShape Shape { get; }

    public ParameterRole Role { get; }

    public ReadOnlySpan<float> Values => MemoryMarshal.Cast<byte, float>(_data);

    /// <summary>The values as little-endian float32 bytes, as ONNX's <c>raw_data</c> stores them.</summary>
    public ReadOnlyMemory<byte> RawData => _data;

    internal Span<float> Writable => MemoryMarshal.Cast<byte, float>(_data.AsSpan());
}

/// <summary>
/// Every weight tensor of one network, drawn once from an integer seed and shared by the ONNX
/// exporter and the TorchSharp builder so that both run on exactly the same numbers.
/// </summary>
/// <remarks>
/// <para>Values are a pure function of (description, seed): each tensor's elements come from a
/// counter-based SplitMix64 stream keyed by XxHash64(tensor name, seed), so they do not depend on the
/// machine, the thread count or the order in which tensors are drawn. Convolution and fully connected
/// weights are Kaiming-uniform, U(-b, b) with b = √(6 / fan_in) (variance 2 / fan_in); biases are
/// PyTorch's default U(-1/√fan_in, 1/√fan_in); batch-norm β is 0 and γ is 1, except that the last
/// batch norm of a residual branch is scaled down (<see cref="ResidualBranches"/>). Batch-norm running
/// statistics are the per-channel mean and variance that <see cref="SignalPropagation"/> predicts for the
/// layer's input, so activations stay of order one at any depth. docs/export.md explains the choices.</para>
/// </remarks>
public sealed class NetworkWeights
{
    /// <summary>The seed <c>fff</c> uses when none is given.</summary>
    public const int DefaultSeed = 0;

    /// <summary>One line naming the initialisation scheme; written into exported files' metadata.</summary>
    public const string Scheme =
        "SplitMix64 counter streams keyed by XxHash64(name, seed); Kaiming-uniform weights, PyTorch-default biases, " +
        "BN gamma 1 (residual branches 1/sqrt(R)), beta 0, running statistics from signal propagation";

    // Below this many elements a tensor is drawn as one work item; larger ones are split so that
    // one huge matrix (VGG's 25088x4096 classifier) does not run on a single core.
    private const int ChunkElements = 1 << 16;

    private readonly Dictionary<string, WeightTensor> _byName;

    private NetworkWeights(string networkId, int seed, IReadOnlyList<WeightTensor> tensors)
    {
        NetworkId = networkId;
        Seed = seed;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name);
    }

    public string NetworkId { get; }

    public int Seed { get; }

    /// <summary>Every tensor, in the order of <see cref="Network.Parameters"/>.</summary>
    public IReadOnlyList<WeightTensor> Tensors { get; }

    /// <summary>Elements of all tensors, running statistics included.</summary>
    public long ElementCount => Tensors.Sum(t => t.Shape.ElementCount);

    public ReadOnlySpan<float> this[string name] => Tensor(name).Values;

    public WeightTensor Tensor(string name) => _byName.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"the weights of '{NetworkId}' have no tensor named '{name}'");

    /// <summary>Draws the weights of <paramref name="network"/> from <paramref name="seed"/>.</summary>
    public static NetworkWeights Initialize(Network network, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        var tensors = network.Parameters.Select(p => new WeightTensor(p.Name, p.Spec.Shape, p.Spec.Role)).ToArray();
        var weights = new NetworkWeights(network.Id, seed, tensors);

        DrawRandomTensors(network, weights);
        var branchScales = ResidualBranches.NormScales(network);
        foreach (var (name, node, spec) in network.Parameters)
        {
            if (spec.Role == ParameterRole.NormScale)
                weights.Tensor(name).Writable.Fill((float)branchScales.GetValueOrDefault(node.Name, 1.0));
            else if (spec.Role == ParameterRole.NormShift)
                weights.Tensor(name).Writable.Clear();
        }
        SignalPropagation.SetRunningStatistics(network, weights);
        return weights;
    }

    /// <summary>Throws when these weights were not drawn for a network with <paramref name="network"/>'s parameters.</summary>
    public void EnsureFits(Network network)
    {
        var expected = network.Parameters.ToList();
        if (expected.Count != Tensors.Count)
            throw new ArgumentException($"weights of '{NetworkId}' have {Tensors.Count} tensors; network '{network.Id}' needs {expected.Count}");
        foreach (var (name, _, spec) in expected)
        {
            if (!_byName.TryGetValue(name, out var tensor))
                throw new ArgumentException($"weights of '{NetworkId}' lack tensor '{name}' of network '{network.Id}'");
            if (tensor.Shape != spec.Shape)
                throw new ArgumentException($"weight '{name}' has shape {tensor.Shape}; network '{network.Id}' needs {spec.Shape}");
        }
    }

    internal Span<float> Writable(string name) => Tensor(name).Writable;

    /// <summary>
    /// Weights given rather than drawn: the tensors of an imported model file, one per parameter of
    /// <paramref name="network"/>, named as <see cref="Network.Parameters"/> names them. <see cref="Seed"/> is -1.
    /// </summary>
    internal static NetworkWeights FromValues(Network network, IReadOnlyDictionary<string, float[]> values)
    {
        var tensors = network.Parameters.Select(p =>
        {
            var tensor = new WeightTensor(p.Name, p.Spec.Shape, p.Spec.Role);
            var source = values.TryGetValue(p.Name, out var v) ? v : throw new ArgumentException($"no values given for '{p.Name}'");
            if (source.Length != tensor.Writable.Length)
                throw new ArgumentException($"'{p.Name}' has {source.Length} values; its shape {p.Spec.Shape} needs {tensor.Writable.Length}");
            source.CopyTo(tensor.Writable);
            return tensor;
        }).ToArray();
        return new NetworkWeights(network.Id, -1, tensors);
    }

    private static void DrawRandomTensors(Network network, NetworkWeights weights)
    {
        var work = new List<(WeightTensor Tensor, ulong Key, float Bound, int Start, int Length)>();
        foreach (var (name, node, spec) in network.Parameters)
        {
            if (spec.Role is not (ParameterRole.Weight or ParameterRole.Bias)) continue;
            long fanIn = node.Layer switch
            {
                Conv2d conv => conv.FanIn,
                Linear linear => linear.InFeatures,
                _ => throw new NotSupportedException($"no initialisation rule for {spec.Role} of {node.Layer.Kind} layer '{node.Name}'"),
            };
            float bound = spec.Role == ParameterRole.Weight ? MathF.Sqrt(6f / fanIn) : 1f / MathF.Sqrt(fanIn);
            var tensor = weights.Tensor(name);
            ulong key = CounterRandom.StreamKey(weights.Seed, name);
            int count = checked((int)spec.Shape.ElementCount);
            for (int start = 0; start < count; start += ChunkElements)
                work.Add((tensor, key, bound, start, Math.Min(ChunkElements, count - start)));
        }

        Parallel.ForEach(work, item =>
            CounterRandom.FillSymmetric(item.Tensor.Writable.Slice(item.Start, item.Length), item.Key, item.Start, item.Bound));
    }
}
