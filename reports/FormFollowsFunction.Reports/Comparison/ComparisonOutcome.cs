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
    IReadOnlyList<string> VersionDifferences,
    IReadOnlyList<BackendComparison> Backends,
    IReadOnlyList<string> MethodWarnings)
{
    /// <summary>Each accelerated cell's speed-up over the baseline (torch-cpu) in both runs; informative, never a verdict.</summary>
    public IReadOnlyList<SpeedupComparison> Speedups { get; init; } = [];

    public SpeedupCoverage SpeedupCoverage => SpeedupCoverage.Of(Speedups);

    /// <summary>Cells whose decision came from a test on launches (the family the multiple-testing correction counts).</summary>
    public int LaunchTestedCells => Cells.Count(c => c.Method.IsLaunchTest());

    /// <summary>
    /// "regression found", or "no regression", or, where machine states kept cells from being tested,
    /// "no regression among the 12 tested cells; 4 not tested (machine state changed)": a pass that checked
    /// nothing must not read like one that checked everything.
    /// </summary>
    public string Result
    {
        get
        {
            if (HasRegression) return "regression found";
            return UntestedCells == 0 ? "no regression"
                : $"no regression among the {Cells.Count(c => c.Ratio is not null) - UntestedCells} tested cells; {UntestedCells} not tested (machine state changed)";
        }
    }

    /// <summary>Cells the two runs measured in different machine states, which were not tested.</summary>
    public int UntestedCells => Cells.Count(c => c.Verdict == ComparisonVerdict.MachineStateChanged);

    /// <summary>Backends whose geometric-mean change is a regression.</summary>
    public IReadOnlyList<BackendComparison> BackendRegressions => Backends.Where(b => b.Verdict == BackendVerdict.Regression).ToList();

    /// <summary>Cells that were ok in the base run and are missing from the new one (a backend that disappeared, an interrupted run).</summary>
    public IReadOnlyList<ResultRow> Lost => OnlyInBase.Where(r => r.IsOk).ToList();

    /// <summary>
    /// A cell got significantly slower, stopped working, or disappeared, or a backend's geometric mean got
    /// slower beyond the threshold: what a nightly job must fail on.
    /// </summary>
    public bool HasRegression =>
        Lost.Count > 0 || BackendRegressions.Count > 0 || Cells.Any(c => c.Verdict is ComparisonVerdict.Regression or ComparisonVerdict.NewlyFailing);

    public int Count(ComparisonVerdict verdict) => Cells.Count(c => c.Verdict == verdict);

    /// <summary>
    /// Lines a reader must see before trusting the comparison: different machine or configuration, and
    /// cells that could only be compared within one process each (runs without launches).
    /// </summary>
    public IReadOnlyList<string> Warnings =>
        MachineDifferences.Select(d => $"machines differ: {d}")
            .Concat(ConfigurationDifferences.Select(d => $"configurations differ: {d}"))
            .Concat(MethodWarnings)
            .ToList();
}
