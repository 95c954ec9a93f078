using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>
/// Maps the nodes of ONNX Runtime's optimised graph back to the description's layers. The exporter
/// names every ONNX node after its description node (<c>LayerExport</c>); ONNX Runtime's rewrites keep
/// or extend those names (a Conv fused with its Relu, a node converted to the NCHWc layout) and drop
/// the nodes they fold away (a BatchNorm folded into its Conv, an Identity).
/// </summary>
/// <remarks>
/// <para>A profile node claims every description node whose name it contains on a name boundary (the
/// longest such name wins where one contains another); a node that claims none was inserted by the
/// engine (layout reorders) and is reported as a row of its own.</para>
/// <para>A description node missing from the profile was fused into a profiled neighbour. ONNX Runtime
/// names a fused node after the output it produces (<c>relu_nchwc</c> is conv1, bn1 and relu), so a
/// missing convolution or matrix product belongs to the nearest profiled node downstream of it (through
/// missing BatchNorm, activation and Add nodes), and any other missing node to the nearest profiled
/// producer upstream (a BatchNorm folded into its Conv, an Add and Relu fused into the Conv before them);
/// each falls back to the other direction.</para>
/// <para>A profile node that covers several layers is shared among them in proportion to their FLOPs
/// (the description's count; equally when all are zero), so that every millisecond is counted once,
/// the layers' times add up to the profiled total and their shares add up to 1. Each such layer is
/// marked fused: its time is an apportioned part, not a measurement of that layer alone.</para>
/// </remarks>
public static class OrtNodeAttribution
{
    public static IReadOnlyList<LayerTime> Attribute(Network network, NetworkCounts counts, IReadOnlyList<(string Node, double Ms)> profiled)
    {
        var flops = counts.Layers.ToDictionary(l => l.Node.Name, l => (double)l.Flops);
        var names = network.Nodes.Select(n => n.Name).ToArray();

        // Which description layers each profiled node covers.
        var groups = profiled.Select(p => Claims(p.Node, names)).ToList();
        var owner = new Dictionary<string, int>();
        for (int i = 0; i < groups.Count; i++)
            foreach (var layer in groups[i])
                owner.TryAdd(layer, i);

        // Convolutions and matrix products first (they absorb what follows them), then the rest.
        var missing = network.Nodes.Where(n => !owner.ContainsKey(n.Name)).OrderBy(n => IsAnchor(n.Layer) ? 0 : 1).ToList();
        foreach (var node in missing)
            if ((IsAnchor(node.Layer) ? Downstream(network, node, owner) ?? Upstream(network, node, owner) : Upstream(network, node, owner) ?? Downstream(network, node, owner)) is int group)
            {
                groups[group].Add(node.Name);
                owner[node.Name] = group;
            }

        var times = new Dictionary<string, (double Ms, bool Fused)>();
        var inserted = new List<LayerTime>();
        for (int i = 0; i < profiled.Count; i++)
        {
            var (nodeName, ms) = profiled[i];
            var group = groups[i];
            if (group.Count == 0)
            {
                inserted.Add(new LayerTime(nodeName, ms, LayerTimeSource.Inserted));
                continue;
            }
            double total = group.Sum(l => flops[l]);
            bool fused = group.Count > 1;
            foreach (var layer in group)
            {
                double part = total > 0 ? ms * flops[layer] / total : ms / group.Count;
                // A layer several engine nodes claim (rare) sums their times.
                times[layer] = times.TryGetValue(layer, out var was) ? (was.Ms + part, was.Fused || fused) : (part, fused);
            }
        }

        var rows = network.Nodes.Where(n => times.ContainsKey(n.Name))
            .Select(n => new LayerTime(n.Name, times[n.Name].Ms, times[n.Name].Fused ? LayerTimeSource.Fused : LayerTimeSource.Measured));
        return [.. rows, .. inserted];
    }

    /// <summary>The description names <paramref name="node"/> contains on name boundaries, without those inside a longer match.</summary>
    internal static List<string> Claims(string node, IReadOnlyList<string> names)
    {
        var matches = new List<(string Name, int Start)>();
        foreach (var name in names)
        {
            for (int at = node.IndexOf(name, StringComparison.Ordinal); at >= 0; at = node.IndexOf(name, at + 1, StringComparison.Ordinal))
            {
                int end = at + name.Length;
                bool startsClean = at == 0 || !IsNamePart(node[at - 1]);
                bool endsClean = end == node.Length || !(char.IsLetterOrDigit(node[end]));
                if (startsClean && endsClean)
                {
                    matches.Add((name, at));
                    break;
                }
            }
        }
        return [.. matches
            .Where(m => !matches.Any(o => o.Name.Length > m.Name.Length && o.Start <= m.Start && m.Start + m.Name.Length <= o.Start + o.Name.Length))
            .Select(m => m.Name)];
    }

    // '.' and '/' join the parts of one description name (layer1.0.conv1), so a match may not start right after them.
    private static bool IsNamePart(char c) => char.IsLetterOrDigit(c) || c is '.' or '/';

    /// <summary>The layers ONNX Runtime fuses others into: BatchNorm, activations and a following Add end up inside them.</summary>
    private static bool IsAnchor(Layer layer) => layer is Conv2d or Linear;

    /// <summary>The group of the nearest profiled producer, back through the first inputs of other missing nodes.</summary>
    private static int? Upstream(Network network, Node node, IReadOnlyDictionary<string, int> owner)
    {
        for (var current = node; current.Inputs.Length > 0 && current.Inputs[0] != Network.InputName;)
        {
            var producer = network[current.Inputs[0]];
            if (owner.TryGetValue(producer.Name, out int group)) return group;
            current = producer;
        }
        return null;
    }

    /// <summary>
    /// The group of the nearest profiled consumer, forward through missing non-anchor consumers: ONNX
    /// Runtime names a fused node after the output it produces, that of the last layer it absorbed
    /// (Conv, BatchNorm and Relu become one node named after the Relu's output).
    /// </summary>
    private static int? Downstream(Network network, Node node, IReadOnlyDictionary<string, int> owner)
    {
        for (var current = node; ;)
        {
            var consumer = network.Nodes.FirstOrDefault(n => n.Inputs.Contains(current.Name));
            if (consumer is null) return null;
            if (owner.TryGetValue(consumer.Name, out int group)) return group;
            if (IsAnchor(consumer.Layer)) return null;
            current = consumer;
        }
    }
}
