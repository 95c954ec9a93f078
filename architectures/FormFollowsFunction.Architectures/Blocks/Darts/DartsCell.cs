using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Blocks.Darts;

/// <summary>
/// One DARTS cell (model.py's <c>Cell</c>): both inputs are preprocessed to <c>channels</c>
/// (the older one by FactorizedReduce when the previous cell halved the resolution, else by a 1x1
/// ReLUConvBN), each intermediate node sums two operations applied to earlier states, and the
/// output concatenates the states the genotype names. In a reduction cell the operations reading
/// the two inputs have stride 2. Drop-path is a training-time regulariser and is left out.
/// </summary>
public static class DartsCell
{
    /// <param name="previousPrevious">Output of the cell two back (state 0 before preprocessing).</param>
    /// <param name="previous">Output of the previous cell (state 1 before preprocessing).</param>
    /// <param name="channels">The cell's channel count C; its output has <c>multiplier · C</c>.</param>
    public static TensorRef Append(NetworkBuilder b, string scope, Genotype genotype, TensorRef previousPrevious, TensorRef previous,
        int channels, bool reduction, bool reductionPrevious)
    {
        using var _ = b.Scope(scope);
        var s0 = reductionPrevious
            ? DartsOperations.FactorizedReduce(b, "preprocess0", previousPrevious, channels)
            : DartsOperations.ReluConvBn(b, "preprocess0", previousPrevious, channels, kernel: 1, stride: 1, padding: 0);
        var s1 = DartsOperations.ReluConvBn(b, "preprocess1", previous, channels, kernel: 1, stride: 1, padding: 0);

        List<TensorRef> states = [s0, s1];
        var edges = genotype.Edges(reduction);
        for (int node = 0; node < edges.Length / 2; node++)
        {
            var terms = new TensorRef[2];
            for (int k = 0; k < 2; k++)
            {
                int index = 2 * node + k;
                var edge = edges[index];
                int stride = reduction && edge.Input < 2 ? 2 : 1;
                terms[k] = DartsOperations.Append(b, $"_ops.{index}", edge.Operation, states[edge.Input], channels, stride);
            }
            states.Add(b.Sum(node == 0 ? "add" : $"add_{node}", terms));
        }
        return b.Concat("cat", [.. genotype.Concat(reduction).Select(i => states[i])]);
    }
}
