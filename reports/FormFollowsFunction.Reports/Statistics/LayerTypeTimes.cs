using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Statistics;

/// <summary>
/// One backend's time in one layer type of one profiled cell (model, backend, setting; from
/// <c>layers.csv</c>): the summed layer times, their fixed per-call part, the type's share of the
/// backend's summed layer time, and the speed-up of the type over the baseline backend.
/// </summary>
/// <param name="Layers">Layers of this type in the description.</param>
/// <param name="TimeMs">Sum of the layers' <c>time_ms</c>.</param>
/// <param name="FixedMs">Sum of the layers' <c>fixed_ms</c>; null when no layer of the type has one.</param>
/// <param name="Share">TimeMs / the cell's summed layer time, between 0 and 1.</param>
/// <param name="Speedup">Baseline backend's TimeMs for this type and cell / this TimeMs; null for the baseline itself or without a baseline profile.</param>
/// <param name="Fused">Layers of the type that the backend ran inside a fused node (their time is that node's).</param>
/// <param name="SavedFraction">
/// The type's part of the time this backend saves over the baseline: (baseline type time − this type time)
/// / (baseline summed layer time − this summed layer time). The fractions of a cell add up to 1 over the
/// types both backends timed; a type that is slower has a negative part. Null where there is no speed-up.
/// </param>
public sealed record LayerTypeTime(
    LoadedRun Run, string Model, string Backend, MeasurementSetting Setting, string LayerType,
    int Layers, double TimeMs, double? FixedMs, double Share, double? Speedup, int Fused, double? SavedFraction)
{
    /// <summary>fixed_ms / time_ms, between 0 and 1; null without fixed times.</summary>
    public double? FixedFraction => FixedMs is { } f && TimeMs > 0 ? f / TimeMs : null;

    /// <summary>The cell this type belongs to, for grouping into bars.</summary>
    public (LoadedRun Run, string Model, string Backend, MeasurementSetting Setting) Cell => (Run, Model, Backend, Setting);
}

/// <summary>One profiled cell's totals: summed layer time, fixed part, and the end-to-end time of the same profiling process.</summary>
public sealed record LayerProfileTotal(
    LoadedRun Run, string Model, string Backend, MeasurementSetting Setting,
    double TimeMs, double? FixedMs, double? EndToEndMs, double? Speedup)
{
    /// <summary>The fixed per-call part of the summed layer time, between 0 and 1; null without fixed times.</summary>
    public double? FixedShare => FixedMs is { } f && TimeMs > 0 ? f / TimeMs : null;

    /// <summary>Summed layer time / end-to-end time: near 1 when the per-layer times explain the whole forward pass.</summary>
    public double? Coverage => EndToEndMs is > 0 ? TimeMs / EndToEndMs : null;
}

/// <summary>
/// Sums <c>layers.csv</c> rows by layer type, per cell, and pairs each type with the baseline backend's
/// time for the same type, model, setting and run. Rows without a time are left out (a layer the
/// profiler did not see); a type the baseline did not time has no speed-up.
/// </summary>
public static class LayerTypeTimes
{
    public static IReadOnlyList<LayerTypeTime> Of(IReadOnlyList<LoadedRun> runs, string baselineBackend)
    {
        var rows = Timed(runs).ToList();
        var byType = rows.GroupBy(r => (r.Run, r.Row.Model, r.Row.Backend, Setting: SettingOf(r.Row), r.Row.LayerType))
            .ToDictionary(g => g.Key, g => g.ToList());
        var cellTotals = rows.GroupBy(r => (r.Run, r.Row.Model, r.Row.Backend, Setting: SettingOf(r.Row)))
            .ToDictionary(g => g.Key, g => g.Sum(r => r.Row.TimeMs!.Value));
        var result = new List<LayerTypeTime>();
        foreach (var ((run, model, backend, setting, type), layers) in byType)
        {
            double time = layers.Sum(l => l.Row.TimeMs!.Value);
            double total = cellTotals[(run, model, backend, setting)];
            double? speedup = null, saved = null;
            if (!IsBaseline(backend, baselineBackend) &&
                byType.FirstOrDefault(k => k.Key.Run == run && k.Key.Model == model && IsBaseline(k.Key.Backend, baselineBackend) && k.Key.Setting == setting && k.Key.LayerType == type) is { Value: { } baseline } match
                && time > 0)
            {
                double baselineTime = baseline.Sum(l => l.Row.TimeMs!.Value);
                speedup = baselineTime / time;
                double savedAll = cellTotals[(run, model, match.Key.Backend, setting)] - total;
                saved = savedAll != 0 ? (baselineTime - time) / savedAll : null;
            }
            result.Add(new LayerTypeTime(run, model, backend, setting, type, layers.Count, time, SumOrNull(layers.Select(l => l.Row.FixedMs)),
                total > 0 ? time / total : 0, speedup, layers.Count(l => string.Equals(l.Row.Note, "fused", StringComparison.OrdinalIgnoreCase)), saved));
        }
        return result;
    }

    /// <summary>Per profiled cell: summed time and fixed part, end-to-end time, and the whole network's speed-up from the summed layer times.</summary>
    public static IReadOnlyList<LayerProfileTotal> Totals(IReadOnlyList<LoadedRun> runs, string baselineBackend)
    {
        var cells = Timed(runs).GroupBy(r => (r.Run, r.Row.Model, r.Row.Backend, Setting: SettingOf(r.Row)))
            .Select(g => (g.Key, Time: g.Sum(r => r.Row.TimeMs!.Value), Fixed: SumOrNull(g.Select(r => r.Row.FixedMs)),
                EndToEnd: g.Select(r => r.Row.EndToEndMs).FirstOrDefault(e => e is > 0)))
            .ToList();
        return cells.Select(c =>
        {
            var baseline = cells.FirstOrDefault(b => b.Key.Run == c.Key.Run && b.Key.Model == c.Key.Model && b.Key.Setting == c.Key.Setting && IsBaseline(b.Key.Backend, baselineBackend));
            double? speedup = !IsBaseline(c.Key.Backend, baselineBackend) && baseline.Key.Run is not null && c.Time > 0 ? baseline.Time / c.Time : null;
            return new LayerProfileTotal(c.Key.Run, c.Key.Model, c.Key.Backend, c.Key.Setting, c.Time, c.Fixed, c.EndToEnd, speedup);
        }).ToList();
    }

    private static IEnumerable<(LoadedRun Run, LayerProfileRow Row)> Timed(IReadOnlyList<LoadedRun> runs) =>
        runs.SelectMany(run => run.LayerRows.Where(r => r.TimeMs is >= 0 and < double.PositiveInfinity).Select(r => (run, r)));

    private static MeasurementSetting SettingOf(LayerProfileRow row) => new(row.Threads, row.Batch, row.Resolution);

    private static bool IsBaseline(string backend, string baseline) => string.Equals(backend, baseline, StringComparison.OrdinalIgnoreCase);

    private static double? SumOrNull(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).ToList();
        return present.Count == 0 ? null : present.Sum(v => v!.Value);
    }
}
