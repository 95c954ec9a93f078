using System.Collections.Immutable;

namespace FormFollowsFunction.Architectures.Blocks.Darts;

/// <summary>
/// One edge of a DARTS cell: the operation applied to the state numbered <paramref name="Input"/>
/// (0 and 1 are the two preprocessed cell inputs, 2, 3, ... the cell's intermediate nodes).
/// </summary>
public sealed record GenotypeEdge(string Operation, int Input)
{
    public override string ToString() => $"({Operation}, {Input})";
}

/// <summary>
/// A discrete DARTS cell architecture (Liu, Simonyan, Yang, "DARTS: Differentiable Architecture
/// Search", ICLR 2019; genotypes.py): for the normal and the reduction cell, two edges per
/// intermediate node, and which states the cell's output concatenates.
/// </summary>
public sealed record Genotype
{
    /// <summary>The operations a genotype may name: DARTS' PRIMITIVES without <c>none</c>, which derived cells never keep.</summary>
    public static ImmutableArray<string> Operations { get; } =
        ["max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"];

    /// <summary>DARTS_V2 of genotypes.py: the second-order search result, the cell the paper's Table 2 evaluates on ImageNet.</summary>
    public static Genotype DartsV2 { get; } = new(
        "DARTS_V2",
        normal:
        [
            new("sep_conv_3x3", 0), new("sep_conv_3x3", 1),
            new("sep_conv_3x3", 0), new("sep_conv_3x3", 1),
            new("sep_conv_3x3", 1), new("skip_connect", 0),
            new("skip_connect", 0), new("dil_conv_3x3", 2),
        ],
        normalConcat: [2, 3, 4, 5],
        reduce:
        [
            new("max_pool_3x3", 0), new("max_pool_3x3", 1),
            new("skip_connect", 2), new("max_pool_3x3", 1),
            new("max_pool_3x3", 0), new("skip_connect", 2),
            new("skip_connect", 2), new("max_pool_3x3", 1),
        ],
        reduceConcat: [2, 3, 4, 5]);

    public Genotype(string name, ImmutableArray<GenotypeEdge> normal, ImmutableArray<int> normalConcat,
        ImmutableArray<GenotypeEdge> reduce, ImmutableArray<int> reduceConcat)
    {
        Name = name;
        Normal = Validated(normal, normalConcat, "normal");
        NormalConcat = normalConcat;
        Reduce = Validated(reduce, reduceConcat, "reduce");
        ReduceConcat = reduceConcat;
    }

    public string Name { get; }

    public ImmutableArray<GenotypeEdge> Normal { get; }

    public ImmutableArray<int> NormalConcat { get; }

    public ImmutableArray<GenotypeEdge> Reduce { get; }

    public ImmutableArray<int> ReduceConcat { get; }

    public ImmutableArray<GenotypeEdge> Edges(bool reduction) => reduction ? Reduce : Normal;

    public ImmutableArray<int> Concat(bool reduction) => reduction ? ReduceConcat : NormalConcat;

    /// <summary>How many states a cell's output concatenates: its output has this many times the cell's channels.</summary>
    public int Multiplier(bool reduction) => Concat(reduction).Length;

    private static ImmutableArray<GenotypeEdge> Validated(ImmutableArray<GenotypeEdge> edges, ImmutableArray<int> concat, string cell)
    {
        if (edges.IsDefaultOrEmpty || edges.Length % 2 != 0)
            throw new ArgumentException($"the {cell} cell needs two edges per intermediate node, got {edges.Length}");
        int states = 2 + edges.Length / 2;
        for (int i = 0; i < edges.Length; i++)
        {
            var edge = edges[i];
            if (!Operations.Contains(edge.Operation))
                throw new ArgumentException($"the {cell} cell names operation '{edge.Operation}'; known: {string.Join(", ", Operations)}");
            int node = 2 + i / 2;
            if (edge.Input < 0 || edge.Input >= node)
                throw new ArgumentException($"the {cell} cell's node {node} reads state {edge.Input}, which does not precede it");
        }
        if (concat.IsDefaultOrEmpty || concat.Length < 2 || concat.Distinct().Count() != concat.Length || concat.Any(s => s < 0 || s >= states))
            throw new ArgumentException($"the {cell} cell must concatenate two or more distinct states of 0..{states - 1}, got [{string.Join(", ", concat)}]");
        return edges;
    }
}
