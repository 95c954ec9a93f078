using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Results;
using MathNet.Numerics;
using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>What one backend's launches cost in the measured run, and how its latency grows with MACs there.</summary>
/// <param name="FirstLaunchMs">A cell's first launch beyond its warm-up and timed work (start-up, probe and self-check, load, first inference, exit), median.</param>
/// <param name="LaterLaunchMs">The same for a cell's later launches, which skip the self-check, median.</param>
/// <param name="LatencyFit">log latency (ms) = intercept + slope · log MACs over the run's ok cells; null below two distinct MAC counts.</param>
public sealed record BackendLaunchCost(string Backend, int Launches, double FirstLaunchMs, double LaterLaunchMs, (double Intercept, double Slope)? LatencyFit);

/// <summary>How long a planned sweep should take on the machine that measured <see cref="Source"/>.</summary>
/// <param name="Cells">Cells of the plan whose backend the source run measured.</param>
/// <param name="Launches">Their launches (cells × launches per cell).</param>
/// <param name="Seconds">The estimate: every launch's fixed cost, warm-up and timing (each assumed to run to its time or iteration cap, so an upper bound on that part), and the source run's cost per model outside launches (export, reference output).</param>
/// <param name="Unestimated">Backends of the plan that the source run has no launches of, with their cell counts.</param>
public sealed record SweepTimeEstimate(
    string Source, int Cells, int Launches, double Seconds, double PerModelSeconds, IReadOnlyList<BackendLaunchCost> Costs,
    IReadOnlyDictionary<string, int> Unestimated, int MeasuredLatencies);

/// <summary>
/// Plans a sweep's time from a run measured on the same machine: per backend, what a launch costs beyond
/// its warm-up and timed work (first launch of a cell and later ones apart), and each planned cell's latency
/// (measured in the source run when it has the cell, else from a log-log fit of latency on MACs over the
/// source run's cells of that backend); each launch is then assumed to warm up and time until its caps.
/// </summary>
public static class SweepTimeEstimator
{
    public static SweepTimeEstimate Estimate(IReadOnlyList<ModelGroup> plan, SweepConfiguration configuration, RunFolder source)
    {
        var manifest = source.ReadManifest();
        var launches = source.ReadLaunches();
        var rows = source.ReadResults();
        var sourceTiming = SweepConfigurationLayers.FromJson(manifest.Configuration).Timing;
        var costs = Costs(launches, rows, sourceTiming);
        var measured = rows.Where(r => r.IsOk && r.MedianMs > 0).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Last().MedianMs!.Value);

        double seconds = 0;
        int cells = 0, measuredLatencies = 0;
        var unestimated = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in plan)
        {
            long? macs = group.Macs();
            foreach (var cell in group.Cells)
            {
                if (costs.FirstOrDefault(c => c.Backend == cell.Backend.Name) is not { } cost)
                {
                    unestimated[cell.Backend.Name] = unestimated.GetValueOrDefault(cell.Backend.Name) + 1;
                    continue;
                }
                double? latency = measured.TryGetValue(cell.Key, out double known) ? known : Predicted(cost, macs);
                if (measured.ContainsKey(cell.Key)) measuredLatencies++;
                if (latency is not { } ms) { unestimated[cell.Backend.Name] = unestimated.GetValueOrDefault(cell.Backend.Name) + 1; continue; }
                double work = (WarmupMs(configuration.Timing, ms) + TimedMs(configuration.Timing, ms)) / 1000;
                seconds += cost.FirstLaunchMs / 1000 + work + (configuration.Launches - 1) * (cost.LaterLaunchMs / 1000 + work);
                cells++;
            }
        }
        double perModel = PerModelSeconds(manifest, launches, rows);
        seconds += perModel * plan.Count;
        return new SweepTimeEstimate(source.Path, cells, cells * configuration.Launches, seconds, perModel, costs, unestimated, measuredLatencies);
    }

    /// <summary>Per backend: launch costs beyond warm-up and timing (first and later launches of a cell), and the latency fit.</summary>
    public static IReadOnlyList<BackendLaunchCost> Costs(IReadOnlyList<LaunchRow> launches, IReadOnlyList<ResultRow> rows, TimingPolicy sourceTiming)
    {
        var result = new List<BackendLaunchCost>();
        foreach (var backend in launches.GroupBy(l => l.Key.Backend).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var usable = backend.Where(l => l.WorkerWallMs is > 0 && l.Measurement.Iterations is > 0 && l.Measurement.MeanMs is > 0 && l.Measurement.MedianMs is > 0).ToList();
            if (usable.Count == 0) continue;
            double Fixed(LaunchRow l) =>
                l.WorkerWallMs!.Value - l.Measurement.Iterations!.Value * l.Measurement.MeanMs!.Value - WarmupMs(sourceTiming, l.Measurement.MedianMs!.Value);
            var first = usable.Where(l => l.Round == 1).Select(Fixed).ToList();
            var later = usable.Where(l => l.Round > 1).Select(Fixed).ToList();
            double firstMs = first.Count > 0 ? first.Median() : later.Median();
            double laterMs = later.Count > 0 ? later.Median() : firstMs;
            var points = rows.Where(r => r.Backend == backend.Key && r.IsOk && r.MedianMs > 0 && r.Macs > 0)
                .Select(r => (X: Math.Log(r.Macs!.Value), Y: Math.Log(r.MedianMs!.Value))).ToList();
            (double, double)? fit = points.Select(p => p.X).Distinct().Count() >= 2
                ? Fit.Line([.. points.Select(p => p.X)], [.. points.Select(p => p.Y)])
                : null;
            result.Add(new BackendLaunchCost(backend.Key, usable.Count, Math.Max(0, firstMs), Math.Max(0, laterMs), fit));
        }
        return result;
    }

    /// <summary>The warm-up a launch runs: both minimums, time and count.</summary>
    public static double WarmupMs(TimingPolicy timing, double latencyMs) => Math.Max(timing.WarmupSeconds * 1000, timing.WarmupIterations * latencyMs);

    /// <summary>The measured phase when it runs to its caps (an upper bound: the CI target can stop it sooner), never under the minimum iterations.</summary>
    public static double TimedMs(TimingPolicy timing, double latencyMs) =>
        Math.Max(timing.MinIterations * latencyMs, Math.Min(timing.MaxSeconds * 1000, timing.MaxIterations * latencyMs));

    private static double? Predicted(BackendLaunchCost cost, long? macs) =>
        cost.LatencyFit is { } fit && macs is > 0 ? Math.Exp(fit.Intercept + fit.Slope * Math.Log(macs.Value)) : null;

    /// <summary>The source run's wall time outside its launches (exports, reference outputs, report), per model group.</summary>
    private static double PerModelSeconds(RunManifest manifest, IReadOnlyList<LaunchRow> launches, IReadOnlyList<ResultRow> rows)
    {
        if (manifest.FinishedUtc is not { } finished) return 0;
        double outside = (finished - manifest.CreatedUtc).TotalSeconds - launches.Sum(l => l.WorkerWallMs ?? 0) / 1000;
        int groups = rows.Select(r => (r.Model, r.Batch, r.Resolution)).Distinct().Count();
        return groups == 0 ? 0 : Math.Max(0, outside / groups);
    }
}
