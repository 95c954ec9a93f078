using FormFollowsFunction.Architectures.Patterns;
using FormFollowsFunction.Architectures.References;

namespace FormFollowsFunction.Architectures.Catalog;

public sealed partial class ModelCatalog
{
    /// <summary>
    /// Every pattern and reference network the suite ships. A new architecture plugs in by
    /// implementing <see cref="IArchitecturePattern"/> or <see cref="IReferenceNetwork"/> and being listed here.
    /// </summary>
    public static ModelCatalog Default { get; } = new(
        patterns: [new PlainPattern(), new ResidualPattern(), new DepthwiseBottleneckPattern(), new DartsPattern()],
        references: [new Vgg16(), ResNet.ResNet18, ResNet.ResNet50, new MobileNetV2(), new MnasNet(), new EfficientNetB0(), new Darts()]);
}
