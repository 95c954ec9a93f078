using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>
/// Times each layer of a forward pass that reports the end of every step
/// (<c>TorchNetwork.ForwardObserved</c>): a layer's time is the clock from the end of the previous
/// step (or the start of the pass) to the end of its own, so it holds its operator, the freeing of the
/// tensors the previous step was the last user of, and the module's bookkeeping between them, and the
/// layers' times add up to the whole instrumented pass. Each layer's time is its mean over the typical
/// passes (<see cref="TypicalPasses"/>), so the layers add up to a typical instrumented pass.
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
        var passes = new double[iterations][];
        double tickMs = 1000.0 / _clock.TimestampFrequency;
        for (int i = -warmup; i < iterations; i++)
        {
            var pass = new double[nodes.Count];
            var reported = new Node[nodes.Count];
            int seen = 0;
            long previous = _clock.GetTimestamp();
            // The hook only reads the clock and stores: which node it was is checked after the pass.
            forwardObserved(node =>
            {
                long now = _clock.GetTimestamp();
                if (seen < pass.Length)
                {
                    pass[seen] = (now - previous) * tickMs;
                    reported[seen] = node;
                }
                previous = now;
                seen++;
            });
            if (seen != nodes.Count)
                throw new InvalidOperationException($"the forward pass reported {seen} steps; the network has {nodes.Count} nodes");
            if (Enumerable.Range(0, seen).FirstOrDefault(k => reported[k].Name != nodes[k].Name, -1) is int wrong and >= 0)
                throw new InvalidOperationException($"the forward pass reported {reported[wrong].Name} as step {wrong + 1}; the network runs {nodes[wrong].Name} there");
            if (i >= 0) passes[i] = pass;
        }
        var means = TypicalPasses.LayerMeans(passes);
        return [.. nodes.Select((n, i) => new LayerTime(n.Name, means[i], LayerTimeSource.Measured))];
    }
}
