using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Weights;

/// <summary>The input tensor every backend is given: standard-normal values drawn from a seed.</summary>
public static class ModelInput
{
    /// <summary>
    /// <paramref name="shape"/>'s elements, N(0, 1), from the SplitMix64 stream keyed by
    /// XxHash64("input", seed) via the Box-Muller transform (in double precision, rounded to float32).
    /// </summary>
    /// <remarks>
    /// The same seed gives the same array in every process on a platform; across C libraries a
    /// logarithm or cosine may differ in its last double bit, which rounding to float32 almost always hides.
    /// </remarks>
    public static float[] Create(TensorShape shape, int seed)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var values = new float[checked((int)shape.ElementCount)];
        ulong key = CounterRandom.StreamKey(seed, Network.InputName);
        for (int i = 0; i < values.Length; i += 2)
        {
            double radius = Math.Sqrt(-2 * Math.Log(CounterRandom.OpenUnit(CounterRandom.Bits(key, i))));
            double angle = 2 * Math.PI * CounterRandom.OpenUnit(CounterRandom.Bits(key, i + 1));
            values[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < values.Length) values[i + 1] = (float)(radius * Math.Sin(angle));
        }
        return values;
    }
}
