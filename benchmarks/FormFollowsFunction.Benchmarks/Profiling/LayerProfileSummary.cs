using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>One layer type's part of a cell's profile.</summary>
/// <param name="Share">The type's summed <c>share</c>, between 0 and 1.</param>
public sealed record LayerTypeShare(string LayerType, double TimeMs, double Share);

/// <summary>
/// A cell's profile in a few figures: the summed layer times against the end-to-end time
/// (<see cref="Coverage"/>; within 15% is what the issue asks to see), the fixed part of the time,
/// and the layer types by time.
/// </summary>
/// <param name="ProfilerOverheadMs">The profiler's own time removed from the layers, summed (0 where nothing was removed).</param>
public sealed record LayerProfileSummary(CellKey Cell, double LayersMs, double? EndToEndMs, double FixedMs, IReadOnlyList<LayerTypeShare> Types, double ProfilerOverheadMs = 0)
{
    /// <summary>How far the summed layer times may be from the end-to-end time and still be called a full account of it.</summary>
    public const double CoverageTolerance = 0.15;

    /// <summary>Summed layer times / end-to-end time; null without an end-to-end figure.</summary>
    public double? Coverage => EndToEndMs is > 0 ? LayersMs / EndToEndMs : null;

    public bool CoversEndToEnd => Coverage is double c && Math.Abs(c - 1) <= CoverageTolerance;

    /// <summary>Fixed per-call time / summed layer time.</summary>
    public double FixedShare => LayersMs > 0 ? FixedMs / LayersMs : 0;

    public static IReadOnlyList<LayerProfileSummary> Of(IEnumerable<LayerProfileRow> rows) =>
    [
        .. rows.GroupBy(r => r.Key).Select(cell =>
        {
            double total = cell.Sum(r => r.TimeMs ?? 0);
            var types = cell.GroupBy(r => r.LayerType)
                .Select(t => new LayerTypeShare(t.Key, t.Sum(r => r.TimeMs ?? 0), t.Sum(r => r.Share ?? 0)))
                .OrderByDescending(t => t.TimeMs)
                .ToList();
            return new LayerProfileSummary(cell.Key, total, cell.First().EndToEndMs, cell.Sum(r => r.FixedMs ?? 0), types, cell.Sum(r => r.ProfilerOverheadMs ?? 0));
        }),
    ];
}
