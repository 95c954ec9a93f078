using FormFollowsFunction.Hardware.Counters;

namespace FormFollowsFunction.Tests.Hardware;

public sealed class CounterScalingTests
{
    [Fact]
    public void A_count_that_ran_all_its_enabled_time_is_not_scaled() =>
        Assert.Equal(12345.0, CounterScaling.Scale(12345, 1_000_000, 1_000_000));

    [Theory]
    // value, enabled, running -> value * enabled / running
    [InlineData(1000UL, 200UL, 100UL, 2000.0)]
    [InlineData(1000UL, 300UL, 100UL, 3000.0)]
    [InlineData(3UL, 4UL, 3UL, 4.0)]
    [InlineData(0UL, 500UL, 250UL, 0.0)] // counted for half the time and saw nothing: a true zero
    public void A_multiplexed_count_is_extrapolated_to_the_enabled_time(ulong value, ulong enabled, ulong running, double expected) =>
        Assert.Equal(expected, CounterScaling.Scale(value, enabled, running)!.Value, precision: 9);

    [Fact]
    public void Large_counts_do_not_overflow()
    {
        // 2^63 events counted for half the time: the product value x enabled would overflow 64-bit integers.
        double? scaled = CounterScaling.Scale(1UL << 63, 2_000_000_000, 1_000_000_000);
        Assert.Equal(Math.Pow(2, 64), scaled!.Value, precision: 0);
    }

    [Theory]
    [InlineData(0UL, 0UL, 0UL)]
    [InlineData(0UL, 1000UL, 0UL)]
    [InlineData(77UL, 1000UL, 0UL)]
    public void An_event_that_never_ran_has_no_count_rather_than_zero(ulong value, ulong enabled, ulong running) =>
        Assert.Null(CounterScaling.Scale(value, enabled, running));

    [Fact]
    public void Running_longer_than_enabled_keeps_the_raw_count() =>
        Assert.Equal(500.0, CounterScaling.Scale(500, 100, 120));

    [Fact]
    public void The_running_fraction_is_running_over_enabled()
    {
        Assert.Equal(0.25, CounterScaling.RunningFraction(400, 100));
        Assert.Equal(1.0, CounterScaling.RunningFraction(400, 400));
        Assert.Null(CounterScaling.RunningFraction(0, 0));
    }
}
