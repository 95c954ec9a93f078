using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Counting;

/// <summary>
/// Counts a network description analytically: parameters, MACs, FLOPs, weight bytes and activation
/// memory, per node and in total. Nothing runs; the counts follow from layer types and shapes alone.
/// </summary>
public static class NetworkCounter
{
    public static NetworkCounts Count(Network network)
    {
        var live = LiveBytesPerNode(network);
        var layers = network.Nodes.Select((node, i) =>
        {
            var (macs, otherFlops) = LayerArithmetic.Of(node.Layer, [.. network.InputShapesOf(node)], node.OutputShape);
            long parameters = node.Layer.Parameters.Where(p => p.IsTrainable).Sum(p => p.ElementCount);
            long weightBytes = node.Layer.Parameters.Sum(p => p.Shape.ByteCount);
            return new LayerCounts(node, parameters, macs, 2 * macs + otherFlops, weightBytes, node.OutputShape.ByteCount, live[i]);
        });
        return new NetworkCounts(network.Id, network.InputShape, network.OutputShape, [.. layers]);
    }

    /// <summary>
    /// Bytes alive while each node runs, for sequential execution in node order without in-place
    /// reuse. A tensor is alive from the step that produces it (step 0 for the network input) through
    /// the step of its last consumer; the network output stays alive to the end; a tensor nothing
    /// consumes is alive only during its own step.
    /// </summary>
    public static long[] LiveBytesPerNode(Network network)
    {
        var nodes = network.Nodes;
        var lastUse = new Dictionary<string, int> { [Network.InputName] = 0 };
        for (int i = 0; i < nodes.Length; i++)
        {
            lastUse.TryAdd(nodes[i].Name, i);
            foreach (var input in nodes[i].Inputs) lastUse[input] = i;
        }
        lastUse[network.OutputName] = nodes.Length - 1;

        // Difference array: +bytes where a tensor becomes alive, -bytes after its last step.
        var delta = new long[nodes.Length + 1];
        delta[0] += network.InputShape.ByteCount;
        delta[lastUse[Network.InputName] + 1] -= network.InputShape.ByteCount;
        for (int i = 0; i < nodes.Length; i++)
        {
            long bytes = nodes[i].OutputShape.ByteCount;
            delta[i] += bytes;
            delta[lastUse[nodes[i].Name] + 1] -= bytes;
        }
        var live = new long[nodes.Length];
        long running = 0;
        for (int i = 0; i < nodes.Length; i++) live[i] = running += delta[i];
        return live;
    }
}
