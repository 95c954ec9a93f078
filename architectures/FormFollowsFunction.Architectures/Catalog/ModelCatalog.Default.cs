namespace FormFollowsFunction.Architectures.Catalog;

public sealed partial class ModelCatalog
{
    /// <summary>
    /// Every pattern and reference network the suite ships. A new architecture plugs in by
    /// implementing <see cref="IArchitecturePattern"/> or <see cref="IReferenceNetwork"/> and being listed here.
    /// </summary>
    public static ModelCatalog Default { get; } = new(
        patterns: [],
        references: []);
}
