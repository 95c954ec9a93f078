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
/// <para>A description node missing from the profile was fused into the node that produced its input
/// (walking back through other missing nodes), or, when it has no such producer, into the first
/// profiled node that consumes it.</para>
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

        foreach (var node in network.Nodes.Where(n => !owner.ContainsKey(n.Name)))
            if (FusedInto(network, node, owner) is int group)
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

    private static int? FusedInto(Network network, Node node, IReadOnlyDictionary<string, int> owner)
    {
        for (var current = node; current.Inputs.Length > 0 && current.Inputs[0] != Network.InputName;)
        {
            var producer = network[current.Inputs[0]];
            if (owner.TryGetValue(producer.Name, out int group)) return group;
            current = producer;
        }
        foreach (var consumer in network.Nodes.Where(n => n.Inputs.Contains(node.Name)))
            if (owner.TryGetValue(consumer.Name, out int group)) return group;
        return null;
    }
}
