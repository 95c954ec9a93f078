using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Weights;

/// <summary>
/// Finds the batch norm that ends each branch of a sum and chooses its γ, so that sums of
/// normalised branches do not make activations grow with depth.
/// </summary>
/// <remarks>
/// <para>A sum input is <em>scalable</em> when it is a batch norm's output reached through layers that
/// are positively homogeneous (ReLU, Identity, the feature-map side of a Multiply), each used by
/// nothing else: scaling that batch norm's γ then scales exactly this input and nothing more
/// (β is 0, so BN(x)·γ is linear in γ). Other inputs (identity shortcuts, tensors that feed several
/// layers) are <em>fixed</em>.</para>
/// <para>A sum with a fixed input is a residual connection: its scalable branches get γ = 1/√R, R being the
/// number of such residual sums in the network (SkipInit, De &amp; Smith 2020, with a non-zero scale so the
/// branches still carry signal). The trunk's variance then grows from v₀ to at most about v₀ + 1 over all
/// R blocks instead of v₀ + R. A sum of k scalable inputs only (a projection-shortcut block, a DARTS node
/// of two convolutions) gets γ = 1/√k, so the sum has the variance of one branch.</para>
/// </remarks>
internal static class ResidualBranches
{
    /// <summary>γ for each batch norm (by node name) that ends a branch of a sum; absent means 1.</summary>
    public static IReadOnlyDictionary<string, double> NormScales(Network network)
    {
        var consumers = CountConsumers(network);
        var sums = new List<(List<string> Scalable, bool HasFixed, int Inputs)>();
        foreach (var node in network.Nodes)
        {
            if (node.Layer is not Add) continue;
            var scalable = new List<string>();
            bool hasFixed = false;
            foreach (var input in node.Inputs)
            {
                if (EndingNorm(network, input, consumers) is { } norm && !scalable.Contains(norm)) scalable.Add(norm);
                else hasFixed = true;
            }
            sums.Add((scalable, hasFixed, node.Inputs.Length));
        }

        int residualSums = sums.Count(s => s.HasFixed && s.Scalable.Count > 0);
        var scales = new Dictionary<string, double>();
        foreach (var (scalable, hasFixed, inputs) in sums)
        {
            double scale = hasFixed ? 1 / Math.Sqrt(residualSums) : 1 / Math.Sqrt(inputs);
            foreach (var norm in scalable) scales[norm] = scale;
        }
        return scales;
    }

    private static string? EndingNorm(Network network, string tensor, IReadOnlyDictionary<string, int> consumers)
    {
        while (tensor != Network.InputName && consumers.GetValueOrDefault(tensor) == 1)
        {
            var node = network[tensor];
            switch (node.Layer)
            {
                case BatchNorm2d:
                    return node.Name;
                case Activation { Function: ActivationFunction.Relu } or Identity or Multiply:
                    tensor = node.Inputs[0];
                    break;
                default:
                    return null;
            }
        }
        return null;
    }

    private static Dictionary<string, int> CountConsumers(Network network)
    {
        var consumers = new Dictionary<string, int> { [network.OutputName] = 1 };
        foreach (var node in network.Nodes)
            foreach (var input in node.Inputs)
                consumers[input] = consumers.GetValueOrDefault(input) + 1;
        return consumers;
    }
}
