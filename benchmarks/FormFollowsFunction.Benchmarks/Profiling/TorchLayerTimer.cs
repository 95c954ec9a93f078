using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>
/// Times each layer of a forward pass that reports the end of every step
/// (<c>TorchNetwork.ForwardObserved</c>): a layer's time is the clock from the end of the previous
/// step (or the start of the pass) to the end of its own, so it holds its operator, the freeing of the
/// tensors the previous step was the last user of, and the module's bookkeeping between them, and the
/// layers' times add up to the whole instrumented pass. The median over the iterations is taken per layer.
/// </summary>
/// <remarks>Valid on the CPU, where TorchSharp's operations are synchronous; a CUDA forward would need a synchronisation in the hook.</remarks>
public sealed class TorchLayerTimer(TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <param name="forwardObserved">Runs one forward pass, calling its argument after each node.</param>
    /// <param name="nodes">The description's nodes, in the order the pass runs them.</param>
    public IReadOnlyList<LayerTime> Time(Action<Action<Node>> forwardObserved, IReadOnlyList<Node> nodes, int warmup, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var samples = nodes.ToDictionary(n => n.Name, _ => new double[iterations]);
        double tickMs = 1000.0 / _clock.TimestampFrequency;
        for (int i = -warmup; i < iterations; i++)
        {
            int iteration = i;
            int seen = 0;
            long previous = _clock.GetTimestamp();
            forwardObserved(node =>
            {
                long now = _clock.GetTimestamp();
                if (iteration >= 0) samples[node.Name][iteration] = (now - previous) * tickMs;
                previous = now;
                seen++;
            });
            if (seen != nodes.Count)
                throw new InvalidOperationException($"the forward pass reported {seen} steps; the network has {nodes.Count} nodes");
        }
        return [.. nodes.Select(n => new LayerTime(n.Name, OrtNodeTimes.Median(samples[n.Name]), LayerTimeSource.Measured))];
    }
}
