using FormFollowsFunction.Results;

namespace FormFollowsFunction.Tests.Results;

/// <summary>Which launches a cell's figures come from: none that something else on the machine slowed, one machine state's.</summary>
public sealed class DisturbedLaunchesTests
{
    [Fact]
    public void A_launch_far_slower_than_its_cells_others_is_set_aside_and_the_rest_keep_their_order()
    {
        double[] launches = [1.00, 21.1, 0.98, 1.03];

        Assert.Equal([1.00, 0.98, 1.03], DisturbedLaunches.Without(launches, m => m));
    }

    [Fact]
    public void A_few_percent_is_never_a_disturbance_however_tightly_the_others_agree()
    {
        double[] tight = [1.000, 1.001, 0.999, 1.08];
        Assert.Equal(tight, DisturbedLaunches.Without(tight, m => m));
        // Faster is never disturbed: noise only slows a process.
        double[] fast = [1.0, 1.01, 0.99, 0.5];
        Assert.Equal(fast, DisturbedLaunches.Without(fast, m => m));
        // Two launches cannot say which one was disturbed.
        double[] two = [1.0, 5.0];
        Assert.Equal(two, DisturbedLaunches.Without(two, m => m));
    }

    [Fact]
    public void A_multi_threaded_cell_keeps_its_majority_state_then_drops_disturbed_launches()
    {
        ResultRow Launch(double median, double coreNs, int threads) => new() { Threads = threads, MedianMs = median, CoreLatencyNs = coreNs };
        var two = new[] { Launch(1.0, 105, 2), Launch(2.0, 420, 2), Launch(1.02, 110, 2), Launch(9.0, 104, 2), Launch(0.99, 100, 2) };
        Assert.Equal([1.0, 1.02, 0.99], LaunchSelection.Chosen(two).Select(l => l.MedianMs!.Value));

        var one = new[] { Launch(1.0, 105, 1), Launch(1.1, 420, 1), Launch(1.02, 110, 1), Launch(9.0, 104, 1), Launch(0.99, 100, 1) };
        Assert.Equal([1.0, 1.1, 1.02, 0.99], LaunchSelection.Chosen(one).Select(l => l.MedianMs!.Value));
    }

    [Fact]
    public void A_launch_during_which_the_machine_state_changed_is_set_aside_in_a_multi_threaded_cell_only()
    {
        // The build VM's case: the probe read the far state (352 ns), the host then moved the CPUs, and the
        // launch ran as fast as the near state; the sweep's probe after it read 97 ns.
        ResultRow Launch(double median, double before, double? after, int threads) =>
            new() { Threads = threads, MedianMs = median, CoreLatencyNs = before, CoreLatencyAfterNs = after };
        var two = new[] { Launch(0.237, 440, 430, 2), Launch(0.147, 352, 97, 2), Launch(0.237, 419, 415, 2), Launch(0.235, 411, null, 2) };
        Assert.Equal([0.237, 0.237, 0.235], LaunchSelection.Chosen(two).Select(l => l.MedianMs!.Value));

        var one = two.Select(l => Launch(l.MedianMs!.Value, l.CoreLatencyNs!.Value, l.CoreLatencyAfterNs, 1)).ToArray();
        Assert.Equal(4, LaunchSelection.Chosen(one).Count);

        // When the state changed during every launch, none is set aside for it (the cell keeps an estimate), and the
        // states the launches began in decide as before: a tie, so the faster state's launch.
        var all = new[] { Launch(1.0, 420, 100, 2), Launch(1.1, 100, 420, 2) };
        Assert.Equal(2, CoreLatencyStates.WithoutChanges(all, l => l.CoreLatencyNs, l => l.CoreLatencyAfterNs).Count);
        Assert.Equal([1.1], LaunchSelection.Chosen(all).Select(l => l.MedianMs!.Value));
    }
}
