using System.Runtime.CompilerServices;

namespace FormFollowsFunction.Hardware.Counters;

/// <summary>A known amount of pure CPU work (no allocation, no system calls) for probing and checking counters.</summary>
internal static class BusyWork
{
    /// <summary>
    /// Runs a xorshift generator for the given number of steps and returns its state, so the work cannot be
    /// optimised away. Compiled fully optimised at once, so no tiered re-compilation runs during a measurement.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static ulong Spin(long steps)
    {
        ulong x = 0x9E3779B97F4A7C15UL;
        for (long i = 0; i < steps; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        return x;
    }
}
