using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>Planning a sweep's time from a run measured before (<c>fff run --dry-run --estimate-from</c>), on hand-made numbers.</summary>
public sealed class SweepTimeEstimateTests
{
    private const string Model = "residual-d2-w0.5";

    private static readonly TimingPolicy SourceTiming = new() { WarmupSeconds = 0.1, WarmupIterations = 3, MinIterations = 5, MaxIterations = 2000, MaxSeconds = 0.3 };

    /// <summary>
    /// A two-launch run of one model: ort-cpu at 2 ms and torch-cpu at 8 ms per inference, 100 timed inferences per launch,
    /// warm-up 0.1 s (the source's minimum), and launch walls that leave 0.4 / 0.2 s (ort-cpu) and 1.0 / 0.6 s
    /// (torch-cpu) for a cell's first and later launch beyond warm-up and timing; 3 s of the run outside launches.
    /// </summary>
    private static RunFolder Source(TemporaryFolder temp)
    {
        var folder = new RunFolder(temp.Combine("source"));
        Directory.CreateDirectory(folder.Path);
        var configuration = SweepPresets.Quick with { Models = [Model], Patterns = [], Backends = ["torch-cpu", "ort-cpu"], Launches = 2, Timing = SourceTiming };
        var created = new DateTime(2026, 12, 4, 3, 0, 0, DateTimeKind.Utc);
        var launches = new List<LaunchRow>();
        var rows = new List<ResultRow>();
        foreach (var (backend, latency, first, later) in new[] { ("ort-cpu", 2.0, 400.0, 200.0), ("torch-cpu", 8.0, 1000.0, 600.0) })
        {
            var row = new ResultRow { Model = Model, Backend = backend, Threads = 2, Batch = 1, Resolution = 224, Status = "ok", MedianMs = latency, MeanMs = latency, Iterations = 100, Macs = 1_000_000 };
            rows.Add(row);
            foreach (var (round, fixedMs) in new[] { (1, first), (2, later) })
            {
                var measurement = row.Copy();
                launches.Add(new LaunchRow { Round = round, Launch = round, WorkerWallMs = fixedMs + Math.Max(100, 3 * latency) + 100 * latency, Measurement = measurement });
            }
        }
        double launchSeconds = launches.Sum(l => l.WorkerWallMs!.Value) / 1000;
        folder.WriteManifest(new RunManifest
        {
            RunId = "source", CreatedUtc = created, FinishedUtc = created.AddSeconds(launchSeconds + 3),
            Configuration = SweepConfigurationLayers.ToJson(configuration),
        });
        using (var results = new ResultsCsvWriter(folder.ResultsFile))
            foreach (var row in rows) results.Append(row);
        using (var file = new AppendOnlyCsv<LaunchRow>(folder.LaunchesFile))
            foreach (var launch in launches) file.Append(launch);
        return folder;
    }

    [Fact]
    public void Launch_costs_are_what_a_launch_took_beyond_its_warm_up_and_timing_for_first_and_later_launches_apart()
    {
        using var temp = new TemporaryFolder();
        var folder = Source(temp);

        var costs = SweepTimeEstimator.Costs(folder.ReadLaunches(), folder.ReadResults(), SourceTiming);

        Assert.Equal(["ort-cpu", "torch-cpu"], costs.Select(c => c.Backend));
        Assert.Equal((400, 200), (costs[0].FirstLaunchMs, costs[0].LaterLaunchMs));
        Assert.Equal((1000, 600), (costs[1].FirstLaunchMs, costs[1].LaterLaunchMs));
        Assert.All(costs, c => Assert.Null(c.LatencyFit)); // one MAC count: nothing to fit
    }

    [Fact]
    public void A_plan_is_timed_from_the_measured_latencies_and_costs_with_every_launch_at_its_caps()
    {
        using var temp = new TemporaryFolder();
        var folder = Source(temp);
        var target = SweepPresets.Quick with
        {
            Models = [Model], Patterns = [], Backends = ["torch-cpu", "ort-cpu"], Launches = 3, Threads = [2],
            Timing = new TimingPolicy { WarmupSeconds = 0.5, WarmupIterations = 5, MinIterations = 10, MaxIterations = 10_000, MaxSeconds = 3 },
        };
        var plan = SweepPlan.Whole(target, ModelCatalog.Default);

        var estimate = SweepTimeEstimator.Estimate(plan, target, folder);

        // Per launch: warm-up max(0.5 s, 5 inferences) + timing min(3 s, 10,000 inferences) = 3.5 s at 2 and at 8 ms.
        // ort-cpu: 0.4 + 3.5 + 2 x (0.2 + 3.5) = 11.3 s; torch-cpu: 1.0 + 3.5 + 2 x (0.6 + 3.5) = 12.7 s; one model group: 3 s.
        Assert.Equal(27.0, estimate.Seconds, 6);
        Assert.Equal((2, 6, 2), (estimate.Cells, estimate.Launches, estimate.MeasuredLatencies));
        Assert.Equal(3.0, estimate.PerModelSeconds, 6);
        Assert.Empty(estimate.Unestimated);
    }

    [Fact]
    public void The_timed_phase_is_capped_by_time_or_iterations_and_never_below_the_minimum()
    {
        var timing = new TimingPolicy { WarmupSeconds = 0.5, WarmupIterations = 5, MinIterations = 10, MaxIterations = 100, MaxSeconds = 3 };

        Assert.Equal(100, SweepTimeEstimator.TimedMs(timing, 1));      // 100 inferences of 1 ms come before 3 s
        Assert.Equal(3000, SweepTimeEstimator.TimedMs(timing, 50));    // 3 s come before 100 inferences of 50 ms
        Assert.Equal(5000, SweepTimeEstimator.TimedMs(timing, 500));   // at least 10 inferences, even past 3 s
        Assert.Equal(500, SweepTimeEstimator.WarmupMs(timing, 1));
        Assert.Equal(1000, SweepTimeEstimator.WarmupMs(timing, 200));
    }
}
