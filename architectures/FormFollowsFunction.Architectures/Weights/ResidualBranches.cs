using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Weights;

/// <summary>
/// Finds the batch norm that ends each branch of a sum and chooses its γ, so that sums of
/// normalised branches do not make activations grow with depth.
/// </summary>
/// <remarks>
/// <para>A sum input is <em>scalable</em> when it is a batch norm's output reached through layers that
/// belong to the branch (ReLU, Identity, the feature-map side of a Multiply), each used by nothing
/// else except the layers that compute that Multiply's gate: scaling that batch norm's γ then scales
/// this input and nothing outside the branch (β is 0, and ReLU is positively homogeneous; a
/// squeeze-and-excitation gate also changes, which the signal propagation then accounts for). Other
/// inputs (identity shortcuts, tensors that feed several layers) are <em>fixed</em>.</para>
/// <para>A sum with a fixed input is a residual connection: its scalable branches get γ = 1/√R, R being the
/// number of residual sums on the same trunk, that is, not separated by a re-normalising layer (SkipInit,
/// De &amp; Smith 2020, with a non-zero scale so the branches still carry signal). The trunk's variance then
/// grows from v₀ to at most about v₀ + 1 over its R blocks instead of v₀ + R. A sum of k scalable inputs only (a projection-shortcut block, a DARTS node
/// of two convolutions) gets γ = 1/√k, so the sum has the variance of one branch.</para>
/// </remarks>
internal static class ResidualBranches
{
    /// <summary>γ for each batch norm (by node name) that ends a branch of a sum; absent means 1.</summary>
    public static IReadOnlyDictionary<string, double> NormScales(Network network)
    {
        var consumers = Consumers(network);
        var sums = new Dictionary<string, (List<string> Scalable, List<string> Fixed)>();
        foreach (var node in network.Nodes.Where(n => n.Layer is Add))
        {
            var scalable = new List<string>();
            var fixedInputs = new List<string>();
            foreach (var input in node.Inputs)
            {
                if (EndingNorm(network, input, consumers) is { } norm && !scalable.Contains(norm)) scalable.Add(norm);
                else fixedInputs.Add(input);
            }
            sums[node.Name] = (scalable, fixedInputs);
        }

        var residual = sums.Where(s => s.Value.Fixed.Count > 0 && s.Value.Scalable.Count > 0).Select(s => s.Key).ToHashSet();
        var trunks = Trunks(network, residual, sums.ToDictionary(s => s.Key, s => s.Value.Fixed));
        var scales = new Dictionary<string, double>();
        foreach (var (sum, (scalable, fixedInputs)) in sums)
        {
            double scale = residual.Contains(sum) ? 1 / Math.Sqrt(trunks[sum]) : 1 / Math.Sqrt(scalable.Count + fixedInputs.Count);
            foreach (var norm in scalable) scales[norm] = scale;
        }
        return scales;
    }

    /// <summary>
    /// For each residual sum, how many residual sums share its trunk: those linked through their fixed inputs by
    /// layers that do not re-normalise (activations, identities, other sums, pooling, crops), so that their
    /// branches accumulate. A batch norm, convolution or fully connected layer ends a trunk.
    /// </summary>
    private static Dictionary<string, int> Trunks(Network network, HashSet<string> residual, Dictionary<string, List<string>> fixedInputs)
    {
        var root = residual.ToDictionary(s => s, s => s);
        string Find(string s) => root[s] == s ? s : root[s] = Find(root[s]);
        foreach (var sum in residual)
        {
            var pending = new Stack<string>(fixedInputs[sum]);
            var seen = new HashSet<string>();
            while (pending.TryPop(out var tensor))
            {
                if (tensor == Network.InputName || !seen.Add(tensor)) continue;
                var node = network[tensor];
                if (residual.Contains(tensor))
                {
                    root[Find(tensor)] = Find(sum);
                    continue;
                }
                if (node.Layer is BatchNorm2d or Conv2d or Linear) continue;
                var inputs = node.Layer is Add ? fixedInputs[tensor] : node.Layer is Multiply ? [node.Inputs[0]] : [.. node.Inputs];
                foreach (var input in inputs) pending.Push(input);
            }
        }
        var sizes = residual.GroupBy(Find).ToDictionary(g => g.Key, g => g.Count());
        return residual.ToDictionary(s => s, s => sizes[Find(s)]);
    }

    private static string? EndingNorm(Network network, string tensor, IReadOnlyDictionary<string, List<string>> consumers)
    {
        // Layers that only compute a gate for this branch (squeeze-and-excitation) may also read its tensors.
        var gateLayers = new HashSet<string>();
        while (tensor != Network.InputName
               && consumers.GetValueOrDefault(tensor, []).Count(c => !gateLayers.Contains(c)) == 1)
        {
            var node = network[tensor];
            switch (node.Layer)
            {
                case BatchNorm2d:
                    return node.Name;
                case Activation { Function: ActivationFunction.Relu } or Identity:
                    tensor = node.Inputs[0];
                    break;
                case Multiply:
                    gateLayers.UnionWith(Ancestors(network, node.Inputs[1]));
                    tensor = node.Inputs[0];
                    break;
                default:
                    return null;
            }
        }
        return null;
    }

    private static HashSet<string> Ancestors(Network network, string tensor)
    {
        var found = new HashSet<string>();
        var pending = new Stack<string>([tensor]);
        while (pending.TryPop(out var name))
            if (name != Network.InputName && found.Add(name))
                foreach (var input in network[name].Inputs) pending.Push(input);
        return found;
    }

    private static Dictionary<string, List<string>> Consumers(Network network)
    {
        var consumers = new Dictionary<string, List<string>> { [network.OutputName] = ["(network output)"] };
        foreach (var node in network.Nodes)
            foreach (var input in node.Inputs)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node.Name);
            }
        return consumers;
    }
}
