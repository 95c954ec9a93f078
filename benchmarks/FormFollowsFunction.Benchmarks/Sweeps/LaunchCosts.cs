using FormFollowsFunction.Results;
using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// What a launch cost on one backend, medians over the run's launches: the set-up before the first
/// timed call (of it, runtime start-up and the backend's probe), the timed work (warm-up excluded:
/// iterations x mean latency), and the worker's whole life as the parent saw it. The difference
/// between the last two is what launches add over measuring in one process.
/// </summary>
public sealed record LaunchCost(string Backend, int Launches, double SetupMs, double? StartupMs, double? ProbeMs, double TimedMs, double WorkerMs)
{
    public static IReadOnlyList<LaunchCost> Of(IEnumerable<LaunchRow> launches) =>
        [.. launches.Where(l => l.SetupMs is not null && l.WorkerWallMs is not null && l.Measurement.Iterations is not null && l.Measurement.MeanMs is not null)
            .GroupBy(l => l.Key.Backend)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new LaunchCost(g.Key, g.Count(),
                g.Select(l => l.SetupMs!.Value).Median(),
                Median(g.Select(l => l.StartupMs)),
                Median(g.Select(l => l.ProbeMs)),
                g.Select(l => l.Measurement.Iterations!.Value * l.Measurement.MeanMs!.Value).Median(),
                g.Select(l => l.WorkerWallMs!.Value).Median()))];

    private static double? Median(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        return present.Length == 0 ? null : present.Median();
    }
}
