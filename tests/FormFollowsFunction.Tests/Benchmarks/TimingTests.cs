using FormFollowsFunction.Benchmarks.Timing;

namespace FormFollowsFunction.Tests.Benchmarks;

public sealed class LatencyStatisticsTests
{
    [Fact]
    public void Summary_of_one_to_ten_matches_hand_computed_values()
    {
        var stats = LatencyStatistics.From([7, 3, 10, 1, 5, 2, 9, 4, 8, 6]);

        Assert.Equal(10, stats.Count);
        Assert.Equal(5.5, stats.Median, 12);
        Assert.Equal(5.5, stats.Mean, 12);
        // Sample standard deviation of 1..10: sqrt(82.5 / 9).
        Assert.Equal(Math.Sqrt(82.5 / 9), stats.StandardDeviation, 12);
        Assert.Equal(1, stats.Min);
        Assert.Equal(10, stats.Max);
        // Hyndman-Fan type 7: h = (n - 1) p + 1; p90 -> h = 9.1 -> 9 + 0.1 x (10 - 9); p99 -> 9.91.
        Assert.Equal(9.1, stats.P90, 12);
        Assert.Equal(9.91, stats.P99, 12);
    }

    [Fact]
    public void Median_interval_brackets_the_median_and_narrows_with_more_samples()
    {
        var random = new Random(7);
        double[] Draw(int n) => Enumerable.Range(0, n).Select(_ => 10 + random.NextDouble()).ToArray();

        var small = LatencyStatistics.From(Draw(20));
        var large = LatencyStatistics.From(Draw(2000));

        Assert.InRange(small.Median, small.Ci95Lower, small.Ci95Upper);
        Assert.InRange(large.Median, large.Ci95Lower, large.Ci95Upper);
        Assert.True(large.Ci95Upper - large.Ci95Lower < (small.Ci95Upper - small.Ci95Lower) / 4,
            $"2000 samples should give a CI at least 4x narrower than 20 (sqrt(100) = 10x expected): {large} vs {small}");
    }
}

public sealed class StoppingRuleTests
{
    private static Measurement Run(TimingPolicy policy, Func<int, double> latencyOfIteration)
    {
        var clock = new ScriptedClock();
        int i = 0;
        var engine = new TimingEngine(policy, clock);
        return engine.Measure(() => clock.Advance(latencyOfIteration(i++)));
    }

    [Fact]
    public void Steady_latencies_stop_on_the_confidence_target_soon_after_the_minimum()
    {
        var policy = new TimingPolicy { MinIterations = 10, MaxIterations = 1000, MaxSeconds = 100, TargetRelativeCi = 0.01 };
        // 2 ms with a deterministic ±0.2% wobble.
        var m = Run(policy, i => 2.0 * (1 + 0.002 * Math.Sin(i)));

        Assert.Equal(StopReason.CiTarget, m.StopReason);
        Assert.InRange(m.SamplesMs.Count, 10, 20);
        Assert.True(m.Statistics.RelativeCiHalfWidth <= 0.01);
        Assert.Equal(2.0, m.Statistics.Median, 2);
    }

    [Fact]
    public void Noisy_latencies_hit_the_iteration_cap_and_say_so()
    {
        var policy = new TimingPolicy { MinIterations = 10, MaxIterations = 60, MaxSeconds = 1000, TargetRelativeCi = 0.001 };
        var random = new Random(3);
        var m = Run(policy, _ => 1 + 9 * random.NextDouble());

        Assert.Equal(StopReason.MaxIterations, m.StopReason);
        Assert.Equal(60, m.SamplesMs.Count);
        Assert.True(m.Statistics.RelativeCiHalfWidth > 0.001);
    }

    [Fact]
    public void Slow_noisy_inferences_hit_the_time_cap_and_say_so()
    {
        var policy = new TimingPolicy { MinIterations = 10, MaxIterations = 10_000, MaxSeconds = 2, TargetRelativeCi = 0.001 };
        var random = new Random(5);
        // About 100 ms each: the 2 s cap is reached after about 20 iterations.
        var m = Run(policy, _ => 50 + 100 * random.NextDouble());

        Assert.Equal(StopReason.MaxTime, m.StopReason);
        Assert.InRange(m.SamplesMs.Count, 10, 60);
    }

    [Fact]
    public void The_time_cap_never_cuts_below_the_minimum_iterations()
    {
        var policy = new TimingPolicy { MinIterations = 10, MaxIterations = 100, MaxSeconds = 0.001, TargetRelativeCi = 0.0001 };
        var random = new Random(9);
        var m = Run(policy, _ => 5 + random.NextDouble());

        Assert.Equal(StopReason.MaxTime, m.StopReason);
        Assert.Equal(10, m.SamplesMs.Count);
    }

    [Fact]
    public void Samples_are_the_scripted_latencies_in_milliseconds()
    {
        var policy = new TimingPolicy { MinIterations = 3, MaxIterations = 5, MaxSeconds = 100, TargetRelativeCi = 1e-9 };
        double[] script = [1.5, 2.5, 3.5, 4.5, 5.5];
        var m = Run(policy, i => script[i]);

        Assert.Equal(script, m.SamplesMs.Select(s => Math.Round(s, 6)));
        Assert.Equal(script.Sum(), m.MeasuredMs, 6);
    }

    [Fact]
    public void The_measured_region_is_left_for_every_stopping_check_and_at_the_end()
    {
        var policy = new TimingPolicy { MinIterations = 5, MaxIterations = 40, MaxSeconds = 100, TargetRelativeCi = 1e-9 };
        var clock = new ScriptedClock();
        var region = new CountingRegion();
        var random = new Random(1);
        new TimingEngine(policy, clock).Measure(() =>
        {
            Assert.True(region.IsOpen, "an inference ran outside the measured region");
            clock.Advance(1 + random.NextDouble());
        }, region);

        Assert.False(region.IsOpen);
        Assert.Equal(region.Enters, region.Leaves);
        // Checks at 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 21, 24, 27, 30, 33, 37 and the cap at 40: far fewer than 40 iterations.
        Assert.InRange(region.Leaves, 2, 25);
    }

    [Fact]
    public void A_check_is_due_on_the_schedule_and_at_either_cap_so_it_runs_outside_the_measured_region()
    {
        var rule = new StoppingRule(new TimingPolicy { MinIterations = 10, MaxIterations = 100, MaxSeconds = 2 });
        Assert.False(rule.IsCheckDue(5, elapsedSeconds: 0.1));
        Assert.True(rule.IsCheckDue(10, elapsedSeconds: 0.1));   // the first scheduled check
        Assert.True(rule.IsCheckDue(100, elapsedSeconds: 0.1));  // the iteration cap
        Assert.True(rule.IsCheckDue(10, elapsedSeconds: 2.5));   // the time cap
        Assert.False(rule.IsCheckDue(9, elapsedSeconds: 2.5));   // never before the minimum
    }

    [Fact]
    public void Warm_up_meets_both_the_time_and_the_count_minimum()
    {
        var clock = new ScriptedClock();
        var engine = new TimingEngine(new TimingPolicy { WarmupIterations = 3, WarmupSeconds = 0.1 }, clock);
        Assert.Equal(10, engine.Warmup(() => clock.Advance(10)));   // 10 x 10 ms reaches 0.1 s
        Assert.Equal(3, engine.Warmup(() => clock.Advance(100)));  // 3 iterations is the floor
    }

    private sealed class CountingRegion : IMeasuredRegion
    {
        public int Enters { get; private set; }
        public int Leaves { get; private set; }
        public bool IsOpen => Enters > Leaves;

        public void Enter() => Enters++;

        public void Leave() => Leaves++;
    }
}
