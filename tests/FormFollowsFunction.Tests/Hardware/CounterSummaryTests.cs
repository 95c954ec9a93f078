using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>Per-inference figures and the counters_status line, from readings made up by hand.</summary>
public sealed class CounterSummaryTests
{
    private static CounterReading Counted(CounterEvent e, ulong value, ulong enabled = 1000, ulong running = 1000, bool userOnly = false) =>
        new(e, CounterState.Counted, value, enabled, running, userOnly, null);

    private static CounterReading Unavailable(CounterEvent e, string summary) =>
        new(e, CounterState.Unavailable, 0, 0, 0, false, new CounterUnavailability(summary, "reason", "fix"));

    private static CounterReadings AllCounted() => new(
    [
        Counted(CounterEvent.Instructions, 8_000_000),
        Counted(CounterEvent.Cycles, 4_000_000),
        Counted(CounterEvent.CacheReferences, 40_000),
        Counted(CounterEvent.CacheMisses, 10_000),
        Counted(CounterEvent.LlcLoads, 20_000),
        Counted(CounterEvent.LlcLoadMisses, 4_000),
        Counted(CounterEvent.TaskClock, 30_000_000), // 30 ms of CPU
        Counted(CounterEvent.ContextSwitches, 6),
        Counted(CounterEvent.PageFaults, 0),
    ]);

    [Fact]
    public void Counts_are_divided_by_the_inferences_and_ratios_taken_of_the_totals()
    {
        // 4 inferences in 10 ms of wall time.
        var s = CounterSummary.From(AllCounted(), inferences: 4, TimeSpan.FromMilliseconds(10));

        Assert.Equal(2_000_000, s.Instructions);
        Assert.Equal(1_000_000, s.Cycles);
        Assert.Equal(2.0, s.Ipc);
        Assert.Equal(10_000, s.CacheReferences);
        Assert.Equal(2_500, s.CacheMisses);
        Assert.Equal(5_000, s.LlcLoads);
        Assert.Equal(1_000, s.LlcLoadMisses);
        Assert.Equal(0.2, s.LlcMissRatio);
        Assert.Equal(0.5, s.LlcMpki!.Value, precision: 12); // 4000 misses per 8e6 instructions = 0.5 per 1000
        Assert.Equal(7.5, s.TaskClockMs); // 30 ms of CPU over 4 inferences
        Assert.Equal(3.0, s.CpuUtilisation!.Value, precision: 12); // 30 ms of CPU in 10 ms of wall time
        Assert.Equal(1.5, s.ContextSwitches);
        Assert.Equal(0.0, s.PageFaults); // counted and none happened: a true zero
        Assert.Equal("ok", s.Status);
    }

    [Fact]
    public void Unavailable_events_leave_their_figures_and_ratios_null_and_are_named_in_the_status()
    {
        const string noPmu = "no hardware PMU, virtual machine?";
        var readings = new CounterReadings(
        [
            Unavailable(CounterEvent.Instructions, noPmu),
            Unavailable(CounterEvent.Cycles, noPmu),
            Counted(CounterEvent.LlcLoads, 20_000),
            Unavailable(CounterEvent.LlcLoadMisses, noPmu),
            Counted(CounterEvent.TaskClock, 5_000_000),
            Unavailable(CounterEvent.ContextSwitches, "kernel-mode event, perf_event_paranoid=2"),
        ]);
        var s = CounterSummary.From(readings, 10, TimeSpan.FromMilliseconds(5));

        Assert.Null(s.Instructions);
        Assert.Null(s.Ipc);
        Assert.Null(s.LlcMissRatio); // loads counted, misses not: no ratio
        Assert.Null(s.LlcMpki);
        Assert.Null(s.CacheReferences); // not in the group at all
        Assert.Equal(2_000, s.LlcLoads);
        Assert.Equal(0.5, s.TaskClockMs);
        Assert.Equal(
            "partial; unavailable (no hardware PMU, virtual machine?): instructions,cycles,llc_load_misses; " +
            "unavailable (kernel-mode event, perf_event_paranoid=2): context_switches",
            s.Status);
    }

    [Fact]
    public void Multiplexed_events_are_scaled_and_their_share_of_time_is_reported()
    {
        var readings = new CounterReadings(
        [
            Counted(CounterEvent.Instructions, 3_000_000, enabled: 1000, running: 500),
            Counted(CounterEvent.Cycles, 1_000_000, enabled: 1000, running: 250),
            Counted(CounterEvent.TaskClock, 1_000_000),
        ]);
        var s = CounterSummary.From(readings, 1, TimeSpan.FromMilliseconds(1));

        Assert.Equal(6_000_000, s.Instructions);
        Assert.Equal(4_000_000, s.Cycles);
        Assert.Equal(1.5, s.Ipc);
        Assert.Equal("ok; multiplexed (share of time counted): instructions 50%,cycles 25%", s.Status);
    }

    [Fact]
    public void Events_that_never_ran_and_user_space_only_counting_are_reported()
    {
        var readings = new CounterReadings(
        [
            new CounterReading(CounterEvent.LlcLoads, CounterState.NotCounted, 0, 1000, 0, false, null),
            Counted(CounterEvent.PageFaults, 12, userOnly: true),
            Counted(CounterEvent.TaskClock, 1_000_000),
        ], userSpaceOnlyCause: "perf_event_paranoid=2");
        var s = CounterSummary.From(readings, 1, TimeSpan.FromMilliseconds(1));

        Assert.Null(s.LlcLoads);
        Assert.Equal("partial; not counted (never scheduled on a counter): llc_loads; user space only (perf_event_paranoid=2): page_faults", s.Status);
    }

    [Fact]
    public void Nothing_counted_says_none()
    {
        var readings = new CounterReadings([Unavailable(CounterEvent.TaskClock, "perf_event_open not available")]);
        Assert.Equal("none; unavailable (perf_event_open not available): task_clock", CounterStatus.Describe(readings));
        Assert.StartsWith("none", CounterStatus.Describe(new CounterReadings([])));
    }

    [Fact]
    public void A_zero_denominator_gives_no_ratio()
    {
        var readings = new CounterReadings([Counted(CounterEvent.LlcLoads, 0), Counted(CounterEvent.LlcLoadMisses, 0)]);
        var s = CounterSummary.From(readings, 1, TimeSpan.FromMilliseconds(1));
        Assert.Equal(0.0, s.LlcLoads);
        Assert.Null(s.LlcMissRatio);
    }

    [Fact]
    public void Configured_events_appear_per_inference_by_name()
    {
        var l3Hit = CounterEvent.Parse("raw:l3_hit=0x04d1");
        var s = CounterSummary.From(new CounterReadings([Counted(l3Hit, 900)]), 3, TimeSpan.FromMilliseconds(1));
        Assert.Equal(300.0, s.PerInferenceByEvent["l3_hit"]);
    }

    [Fact]
    public void Figures_hold_every_counter_per_inference_and_null_for_the_ones_not_counted()
    {
        var readings = new CounterReadings([Counted(CounterEvent.TaskClock, 4_000_000), Counted(CounterEvent.PageFaults, 8), Unavailable(CounterEvent.Instructions, "no hardware PMU, virtual machine?")]);
        var row = CounterSummary.From(readings, 2, TimeSpan.FromMilliseconds(4)).Figures;

        Assert.Null(row.Instructions);
        Assert.Null(row.Ipc);
        Assert.Null(row.LlcMpki);
        Assert.Null(row.Cycles);
        Assert.Equal(2.0, row.TaskClockMs);
        Assert.Equal(1.0, row.CpuUtilisation);
        Assert.Equal(4.0, row.PageFaults);
        Assert.Equal("partial; unavailable (no hardware PMU, virtual machine?): instructions", row.Status);
    }

    [Fact]
    public void Inferences_and_wall_time_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CounterSummary.From(AllCounted(), 0, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => CounterSummary.From(AllCounted(), 1, TimeSpan.Zero));
    }
}
