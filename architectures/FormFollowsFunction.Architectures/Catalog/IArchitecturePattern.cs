using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Catalog;

/// <summary>
/// A macro-architecture pattern that generates a network at any depth and width on the common
/// skeleton (stem, stages with down-sampling, global pooling, classifier).
/// Identifiers read <c>{Name}-d{depth}-w{width}</c>, for example <c>residual-d8-w1.0</c>.
/// </summary>
public interface IArchitecturePattern
{
    /// <summary>Lower-case name used in identifiers: <c>plain</c>, <c>residual</c>, <c>dwbottleneck</c>, <c>darts</c>.</summary>
    string Name { get; }

    /// <summary>One line: what the pattern's blocks are.</summary>
    string Summary { get; }

    /// <summary>What depth counts, in a sentence (for <c>fff list</c> and the docs).</summary>
    string DepthMeaning { get; }

    /// <summary>What width multiplies, in a sentence.</summary>
    string WidthMeaning { get; }

    /// <summary>A depth worth showing as an example identifier in <c>fff list</c> and the docs.</summary>
    int ExampleDepth => 8;

    /// <param name="id">The canonical identifier to give the network.</param>
    /// <param name="depth">Positive; validated by the caller.</param>
    /// <param name="width">Positive; validated by the caller.</param>
    Network Build(string id, int depth, double width, InputSpec input);
}
