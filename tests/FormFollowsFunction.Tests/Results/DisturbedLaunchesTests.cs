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
}
