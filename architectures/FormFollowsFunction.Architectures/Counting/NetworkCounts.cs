using System.Collections.Immutable;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Counting;

/// <summary>What one node of a network costs (conventions in <see cref="LayerArithmetic"/> and docs/architectures.md).</summary>
/// <param name="Node">The node counted.</param>
/// <param name="Parameters">Trainable parameters, as PyTorch counts them (batch norm running statistics excluded).</param>
/// <param name="Macs">Multiply-accumulates of convolutions and fully connected layers, for the whole batch.</param>
/// <param name="Flops">2 · MACs plus the node's other arithmetic, for the whole batch.</param>
/// <param name="WeightBytes">float32 bytes of every weight tensor the node owns, running statistics included.</param>
/// <param name="OutputBytes">float32 bytes of the node's output tensor.</param>
/// <param name="LiveBytes">float32 bytes of every tensor alive while the node runs: its inputs, its output and
/// whatever later nodes still need (see <see cref="NetworkCounter"/>).</param>
public sealed record LayerCounts(Node Node, long Parameters, long Macs, long Flops, long WeightBytes, long OutputBytes, long LiveBytes);

/// <summary>Per-node and total analytic counts of a network at its input shape.</summary>
public sealed record NetworkCounts(string ModelId, TensorShape InputShape, TensorShape OutputShape, ImmutableArray<LayerCounts> Layers)
{
    /// <summary>Trainable parameters.</summary>
    public long Parameters { get; } = Layers.Sum(l => l.Parameters);

    /// <summary>Multiply-accumulates of convolutions and fully connected layers, for the whole batch.</summary>
    public long Macs { get; } = Layers.Sum(l => l.Macs);

    /// <summary>2 · MACs plus every other layer's arithmetic, for the whole batch.</summary>
    public long Flops { get; } = Layers.Sum(l => l.Flops);

    /// <summary>float32 bytes of all weight tensors, batch norm running statistics included: what an ONNX file's initializers hold.</summary>
    public long WeightBytes { get; } = Layers.Sum(l => l.WeightBytes);

    /// <summary>float32 bytes of every node's output, summed (the network input is not a node output and is not included).</summary>
    public long ActivationBytes { get; } = Layers.Sum(l => l.OutputBytes);

    /// <summary>
    /// The most float32 bytes of activations alive at once when the nodes run one after another in
    /// order, each tensor (the network input included) living from its producer until its last consumer.
    /// </summary>
    public long PeakActivationBytes { get; } = Layers.IsEmpty ? InputShape.ByteCount : Layers.Max(l => l.LiveBytes);
}
