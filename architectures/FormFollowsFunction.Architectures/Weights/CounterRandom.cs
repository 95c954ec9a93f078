using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;

namespace FormFollowsFunction.Architectures.Weights;

/// <summary>
/// Counter-based random numbers: SplitMix64 (Steele, Lea &amp; Flood, "Fast splittable pseudorandom
/// number generators", OOPSLA 2014; Java's <c>SplittableRandom</c>). SplitMix64's state is a Weyl
/// sequence, so its i-th output is a pure function of the stream key and i:
/// <c>mix64(key + (i + 1) · 0x9E3779B97F4A7C15)</c>. Any element can therefore be computed without
/// the ones before it, which makes the values independent of how the work is split across threads.
/// </summary>
/// <remarks>
/// Streams are keyed by XxHash64 (a published, platform-independent hash) of a UTF-8 name with the
/// user's seed as the hash seed, so every weight tensor and the model input get their own stream.
/// </remarks>
internal static class CounterRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15;

    /// <summary>The stream key of a named tensor drawn with <paramref name="seed"/>.</summary>
    public static ulong StreamKey(int seed, string name) =>
        XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(name), seed);

    /// <summary>The <paramref name="index"/>-th 64-bit output of stream <paramref name="key"/>.</summary>
    public static ulong Bits(ulong key, long index) => Mix(key + unchecked((ulong)(index + 1) * Golden));

    /// <summary>A float uniform on [-1, 1): the top 24 bits as a multiple of 2⁻²³, minus one (exact in float32).</summary>
    // Through int: a ulong-to-float conversion is a slow helper call on x64, and 24 bits fit an int exactly.
    public static float SymmetricUnit(ulong bits) => (int)(bits >> 40) * (1f / (1 << 23)) - 1f;

    /// <summary>
    /// Fills <paramref name="destination"/> with elements <paramref name="start"/>, <paramref name="start"/> + 1, ...
    /// of stream <paramref name="key"/>, each as <see cref="SymmetricUnit"/> times <paramref name="scale"/>.
    /// </summary>
    // Fully optimised from the first call: exporting a model calls it a few hundred times, too few for tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillSymmetric(Span<float> destination, ulong key, long start, float scale)
    {
        ulong state = key + unchecked((ulong)(start + 1) * Golden);
        for (int i = 0; i < destination.Length; i++, state += Golden)
            destination[i] = SymmetricUnit(Mix(state)) * scale;
    }

    /// <summary>A double uniform on (0, 1]: the top 53 bits, shifted away from zero so that a logarithm is finite.</summary>
    public static double OpenUnit(ulong bits) => ((bits >> 11) + 1) * (1.0 / (1UL << 53));

    // SplitMix64's finaliser (David Stafford's "Mix13" variant of MurmurHash3's fmix64).
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
