using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Hardware.Roofline;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>The core-to-core round-trip probe, and how round trips are grouped into machine states.</summary>
public sealed class CoreLatencyTests
{
    [Fact]
    public void The_probe_measures_a_positive_round_trip_between_two_processors_where_the_process_has_two()
    {
        var placement = CorePlacement.Local();
        var latency = CoreLatencyProbe.Measure(out string whyNot, placement);

        if (placement.Processors.Count < 2)
        {
            Assert.Null(latency);
            Assert.NotEmpty(whyNot);
            return;
        }
        Assert.NotNull(latency);
        Assert.Equal("", whyNot);
        Assert.Equal((placement.Processors[0], placement.Processors[1]), (latency.FirstProcessor, latency.SecondProcessor));
        // A round trip is at least two cache-line transfers: far above a nanosecond, far below the one-second answer timeout.
        Assert.InRange(latency.RoundTripNs, 1, 1e9);
    }

    [Fact]
    public void Without_two_processors_to_pin_to_the_probe_says_why_and_measures_nothing()
    {
        using var folder = new TemporaryFolder();
        string topology = Path.Combine(folder.Path, "cpu0", "topology");
        Directory.CreateDirectory(topology);
        File.WriteAllText(Path.Combine(topology, "core_cpus_list"), "0\n");

        Assert.Null(CoreLatencyProbe.Measure(out string one, CorePlacement.FromTopology(folder.Path, new HashSet<int> { 0 })));
        Assert.Contains("one processor", one);
        Assert.Null(CoreLatencyProbe.Measure(out string unpinned, CorePlacement.Unpinned("no topology")));
        Assert.Contains("no topology", unpinned);
    }

    [Fact]
    public void Round_trips_within_the_ratio_are_one_state_named_by_its_median_and_a_jump_starts_another()
    {
        var states = CoreLatencyStates.Of([105, 420, 110, null, 98, 404, 430]);

        Assert.Equal([105, 420, 105, null, 105, 420, 420], states);
        // Chained neighbours within 1.5x stay one state; 2x apart do not.
        Assert.Single(CoreLatencyStates.Of([100, 140, 190]).Distinct());
        Assert.Equal(2, CoreLatencyStates.Of([100, 200]).Distinct().Count());
    }

    [Fact]
    public void The_majority_state_keeps_its_items_in_order_ties_go_to_the_faster_state_and_unknown_figures_keep_all()
    {
        (string Name, double? Ns)[] launches = [("a", 420), ("b", 105), ("c", 110), ("d", 400), ("e", 100)];
        Assert.Equal(["b", "c", "e"], CoreLatencyStates.Majority(launches, l => l.Ns).Select(l => l.Name));

        (string Name, double? Ns)[] tie = [("a", 420), ("b", 105), ("c", 400), ("d", 100)];
        Assert.Equal(["b", "d"], CoreLatencyStates.Majority(tie, l => l.Ns).Select(l => l.Name));

        (string Name, double? Ns)[] unknown = [("a", 420), ("b", null), ("c", 100)];
        Assert.Equal(3, CoreLatencyStates.Majority(unknown, l => l.Ns).Count);
    }

    [Fact]
    public void The_state_changed_during_a_launch_only_when_both_round_trips_are_known_and_belong_to_different_states()
    {
        Assert.True(CoreLatencyStates.ChangedDuring(352, 97));
        Assert.True(CoreLatencyStates.ChangedDuring(105, 420));
        Assert.False(CoreLatencyStates.ChangedDuring(400, 440));
        // One reading can stray by 1.5x within a state (the build VM's near state read 61-170 ns); the states are 4x apart.
        Assert.False(CoreLatencyStates.ChangedDuring(106, 170));
        Assert.False(CoreLatencyStates.ChangedDuring(103, 68));
        Assert.False(CoreLatencyStates.ChangedDuring(400, null));
        Assert.False(CoreLatencyStates.ChangedDuring(null, 100));
    }
}
