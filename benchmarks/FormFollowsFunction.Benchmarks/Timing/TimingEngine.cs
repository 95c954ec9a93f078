using System.Diagnostics;
using System.Runtime;

namespace FormFollowsFunction.Benchmarks.Timing;

/// <summary>
/// A region that must cover exactly the measured inferences: hardware counters are enabled on
/// <see cref="Enter"/> and disabled on <see cref="Leave"/>, so that warm-up and the engine's own
/// bookkeeping (the stopping rule) are not counted.
/// </summary>
public interface IMeasuredRegion
{
    void Enter();

    void Leave();
}

/// <summary>What the measured phase produced.</summary>
/// <param name="SamplesMs">Wall time of each measured inference, in milliseconds.</param>
/// <param name="MeasuredMs">Wall time the measured region was open (the inferences and the loop around them, not the stopping checks).</param>
public sealed record Measurement(IReadOnlyList<double> SamplesMs, StopReason StopReason, LatencyStatistics Statistics, double MeasuredMs);

/// <summary>
/// Runs the stages of one cell's timing after the model is loaded and the first inference is done:
/// warm-up, then measured iterations under a <see cref="StoppingRule"/>. Each inference is timed on
/// its own with the monotonic high-resolution clock; nothing is allocated inside the loop.
/// </summary>
public sealed class TimingEngine(TimingPolicy policy, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public TimingPolicy Policy { get; } = policy;

    /// <summary>Runs <paramref name="inference"/> until both warm-up minimums (time and count) are met; returns the count.</summary>
    public int Warmup(Action inference)
    {
        long start = _clock.GetTimestamp();
        int iterations = 0;
        while (iterations < Policy.WarmupIterations || Seconds(start, _clock.GetTimestamp()) < Policy.WarmupSeconds)
        {
            inference();
            iterations++;
        }
        return iterations;
    }

    public Measurement Measure(Action inference, IMeasuredRegion? region = null)
    {
        var samples = new List<double>(Policy.MaxIterations);
        var rule = new StoppingRule(Policy);
        double tickMs = 1000.0 / _clock.TimestampFrequency;
        var open = new OpenRegion(region, _clock);

        // Start from a collected heap and ask the GC to stay out of the way while timing.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var previousMode = GCSettings.LatencyMode;
        GCSettings.LatencyMode = GCLatencyMode.SustainedLowLatency;
        StopReason reason;
        try
        {
            long phaseStart = _clock.GetTimestamp();
            open.Enter();
            while (true)
            {
                long before = _clock.GetTimestamp();
                inference();
                long after = _clock.GetTimestamp();
                samples.Add((after - before) * tickMs);

                // The stopping rule's occasional O(n) check runs outside the measured region.
                double elapsed = Seconds(phaseStart, after);
                bool checking = rule.IsCheckDue(samples.Count, elapsed);
                if (checking) open.Leave();
                if (rule.Decide(samples, elapsed) is { } stop)
                {
                    reason = stop;
                    break;
                }
                if (checking) open.Enter();
            }
        }
        finally
        {
            open.Leave();
            GCSettings.LatencyMode = previousMode;
        }
        return new Measurement(samples, reason, LatencyStatistics.From(samples), open.OpenMs);
    }

    /// <summary>Tracks how long the measured region was open, so counter totals can be related to wall time.</summary>
    private sealed class OpenRegion(IMeasuredRegion? region, TimeProvider clock)
    {
        private long _openedAt = -1;
        private long _openTicks;

        public double OpenMs => _openTicks * 1000.0 / clock.TimestampFrequency;

        public void Enter()
        {
            if (_openedAt >= 0) return;
            region?.Enter();
            _openedAt = clock.GetTimestamp();
        }

        public void Leave()
        {
            if (_openedAt < 0) return;
            _openTicks += clock.GetTimestamp() - _openedAt;
            _openedAt = -1;
            region?.Leave();
        }
    }

    private double Seconds(long from, long to) => (to - from) / (double)_clock.TimestampFrequency;
}
