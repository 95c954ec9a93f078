using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Catalog;

/// <summary>The counts a network's authors (or torchvision's model table) published, with where they come from.</summary>
/// <param name="Parameters">Trainable parameters at 224x224 and 1000 classes.</param>
/// <param name="GigaMacs">Multiply-accumulates in billions (torchvision's "GFLOPS" column counts these).</param>
/// <param name="Source">Citation: paper table or documentation page.</param>
public sealed record PublishedCounts(long Parameters, double GigaMacs, string Source);

/// <summary>A well-known hand-crafted or NAS-found network, faithful to its paper or torchvision definition.</summary>
public interface IReferenceNetwork
{
    /// <summary>Name used as model identifier: <c>resnet50</c>, <c>mobilenetv2</c>, ...</summary>
    string Name { get; }

    string Summary { get; }

    PublishedCounts Published { get; }

    Network Build(InputSpec input);
}
