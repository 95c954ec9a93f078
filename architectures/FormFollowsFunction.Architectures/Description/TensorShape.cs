using System.Collections.Immutable;

namespace FormFollowsFunction.Architectures.Description;

/// <summary>
/// The shape of one float32 tensor: NCHW (rank 4) for feature maps, [N, F] (rank 2) after flattening.
/// Compared by value.
/// </summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    public const int BytesPerElement = sizeof(float);

    private TensorShape(ImmutableArray<int> dimensions) => Dimensions = dimensions;

    public ImmutableArray<int> Dimensions { get; }

    public int Rank => Dimensions.Length;

    public static TensorShape Nchw(int batch, int channels, int height, int width) =>
        Of(batch, channels, height, width);

    public static TensorShape Of(params int[] dimensions)
    {
        if (dimensions.Length == 0) throw new ArgumentException("a tensor shape needs at least one dimension");
        return new TensorShape(dimensions.ToImmutableArray());
    }

    public int Batch => Dimensions[0];

    /// <summary>Channels of a feature map, or features of a rank-2 tensor.</summary>
    public int Channels => Dimensions[1];

    public int Height => FeatureMapDimension(2);

    public int Width => FeatureMapDimension(3);

    public bool IsFeatureMap => Rank == 4;

    public long ElementCount => Dimensions.Aggregate(1L, (product, d) => product * d);

    public long ByteCount => ElementCount * BytesPerElement;

    public TensorShape WithChannels(int channels) => new(Dimensions.SetItem(1, channels));

    private int FeatureMapDimension(int index) => IsFeatureMap
        ? Dimensions[index]
        : throw new InvalidOperationException($"shape {this} is not a feature map (NCHW)");

    public bool Equals(TensorShape? other) =>
        other is not null && Dimensions.AsSpan().SequenceEqual(other.Dimensions.AsSpan());

    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in Dimensions) hash.Add(d);
        return hash.ToHashCode();
    }

    public static bool operator ==(TensorShape? a, TensorShape? b) => a?.Equals(b) ?? b is null;

    public static bool operator !=(TensorShape? a, TensorShape? b) => !(a == b);

    /// <summary>For example <c>1x64x56x56</c>.</summary>
    public override string ToString() => string.Join('x', Dimensions);
}
