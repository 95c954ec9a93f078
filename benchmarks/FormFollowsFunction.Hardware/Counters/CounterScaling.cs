namespace FormFollowsFunction.Hardware.Counters;

/// <summary>
/// Multiplexing: when more events are open than the PMU has counters, the kernel rotates them and an
/// event counts only part of the time it was enabled. Its count is then extrapolated the way
/// <c>perf stat</c> does: value x time_enabled / time_running.
/// </summary>
public static class CounterScaling
{
    /// <summary>
    /// The scaled count, or null when the event never ran (time_running 0): it was not counted, which is
    /// not the same as counting zero.
    /// </summary>
    public static double? Scale(ulong value, ulong timeEnabledNs, ulong timeRunningNs)
    {
        if (timeRunningNs == 0) return null;
        // Running never exceeds enabled; should a kernel report it so, the raw count is the better figure.
        if (timeRunningNs >= timeEnabledNs) return value;
        return value * ((double)timeEnabledNs / timeRunningNs);
    }

    /// <summary>Fraction of the enabled time the event was on a counter (1 = not multiplexed), or null before it was enabled.</summary>
    public static double? RunningFraction(ulong timeEnabledNs, ulong timeRunningNs) =>
        timeEnabledNs == 0 ? null : Math.Min(1.0, (double)timeRunningNs / timeEnabledNs);
}
