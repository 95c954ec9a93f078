namespace FormFollowsFunction.Architectures.Blocks;

/// <summary>
/// Channel counts under a width multiplier, by torchvision's <c>_make_divisible</c> rule (from the
/// TensorFlow MobileNet code): round to the nearest multiple of the divisor, never below the divisor,
/// and never more than 10% below the unrounded value.
/// </summary>
public static class ChannelRounding
{
    public const int Divisor = 8;

    public static int MakeDivisible(double value, int divisor = Divisor)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "a channel count must be positive and finite");
        int rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }

    /// <summary><paramref name="channels"/> times <paramref name="width"/>, made divisible by 8 (at least 8).</summary>
    public static int Scale(int channels, double width) => MakeDivisible(channels * width);
}
