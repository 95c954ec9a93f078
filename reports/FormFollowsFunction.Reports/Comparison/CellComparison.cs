using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Comparison;

/// <summary>What a cell's comparison concluded. Only <see cref="Regression"/> and <see cref="NewlyFailing"/> fail a nightly job.</summary>
public enum ComparisonVerdict
{
    /// <summary>Slower beyond the threshold, and the difference is statistically significant.</summary>
    Regression,
    /// <summary>Ok in the base run, not ok (mismatch, crashed, timeout, failed) in the new one.</summary>
    NewlyFailing,
    /// <summary>Faster beyond the threshold, and the difference is statistically significant.</summary>
    Improvement,
    /// <summary>Not ok in the base run, ok in the new one.</summary>
    Fixed,
    /// <summary>Beyond the threshold, but not statistically significant: noise until shown otherwise.</summary>
    NotSignificant,
    /// <summary>Beyond the threshold, and neither raw samples nor confidence intervals allow a test.</summary>
    Inconclusive,
    /// <summary>Within the threshold.</summary>
    Unchanged,
    /// <summary>Not ok in either run.</summary>
    StillFailing,
}

/// <summary>How a difference in latency was tested.</summary>
public enum SignificanceMethod
{
    /// <summary>No test was possible or needed.</summary>
    None,
    /// <summary>Two-sided Mann-Whitney U test on the raw samples of both cells (Perfolizer).</summary>
    MannWhitney,
    /// <summary>The two medians' 95% confidence intervals do not overlap (conservative: about α ≈ 0.006 for equal widths).</summary>
    IntervalOverlap,
}

/// <summary>One cell present in both runs: the two rows, the latency ratio new / base, the test and the verdict.</summary>
public sealed record CellComparison(
    CellKey Key,
    ResultRow Base,
    ResultRow New,
    double? Ratio,
    SignificanceMethod Method,
    double? PValue,
    bool Significant,
    ComparisonVerdict Verdict,
    string Note)
{
    /// <summary>Change of the median latency in percent (positive = slower).</summary>
    public double? ChangePercent => Ratio is { } r ? (r - 1) * 100 : null;
}
