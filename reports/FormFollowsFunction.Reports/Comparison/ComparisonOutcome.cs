using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Comparison;

/// <summary>The comparison of two runs, cell by cell, with what makes the two runs differ besides the code.</summary>
public sealed record ComparisonOutcome(
    LoadedRun Base,
    LoadedRun New,
    ComparisonOptions Options,
    IReadOnlyList<CellComparison> Cells,
    IReadOnlyList<ResultRow> OnlyInBase,
    IReadOnlyList<ResultRow> OnlyInNew,
    IReadOnlyList<string> MachineDifferences,
    IReadOnlyList<string> ConfigurationDifferences,
    IReadOnlyList<string> VersionDifferences)
{
    /// <summary>Cells that were ok in the base run and are missing from the new one (a backend that disappeared, an interrupted run).</summary>
    public IReadOnlyList<ResultRow> Lost => OnlyInBase.Where(r => r.IsOk).ToList();

    /// <summary>A cell got significantly slower, stopped working, or disappeared: what a nightly job must fail on.</summary>
    public bool HasRegression =>
        Lost.Count > 0 || Cells.Any(c => c.Verdict is ComparisonVerdict.Regression or ComparisonVerdict.NewlyFailing);

    public int Count(ComparisonVerdict verdict) => Cells.Count(c => c.Verdict == verdict);

    /// <summary>Lines a reader must see before trusting the comparison (different machine or configuration).</summary>
    public IReadOnlyList<string> Warnings =>
        MachineDifferences.Select(d => $"machines differ: {d}")
            .Concat(ConfigurationDifferences.Select(d => $"configurations differ: {d}"))
            .ToList();
}
