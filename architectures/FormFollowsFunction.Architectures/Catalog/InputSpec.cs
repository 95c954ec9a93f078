namespace FormFollowsFunction.Architectures.Catalog;

/// <summary>What a network is built for: a square RGB-like input of <see cref="Resolution"/> pixels and <see cref="Classes"/> outputs.</summary>
public sealed record InputSpec(int Resolution = 224, int Batch = 1, int Classes = 1000, int Channels = 3)
{
    public static InputSpec Default { get; } = new();

    public Description.TensorShape Shape => Description.TensorShape.Nchw(Batch, Channels, Resolution, Resolution);
}
