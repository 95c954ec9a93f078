namespace FormFollowsFunction.Architectures.Description;

/// <summary>A (height, width) pair: kernel sizes, strides, paddings, dilations.</summary>
public readonly record struct Size2d(int Height, int Width)
{
    public static Size2d Square(int size) => new(size, size);

    public static implicit operator Size2d(int size) => Square(size);

    public bool IsSquare => Height == Width;

    public override string ToString() => IsSquare ? $"{Height}" : $"{Height}x{Width}";
}
