using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Comparison;

/// <summary>What a cell's comparison concluded. Only <see cref="Regression"/> and <see cref="NewlyFailing"/> fail a nightly job.</summary>
public enum ComparisonVerdict
{
    /// <summary>Slower beyond the threshold, and the difference is statistically significant (after the correction for many cells, where launches were tested).</summary>
    Regression,
    /// <summary>Ok in the base run, not ok (mismatch, crashed, timeout, failed) in the new one.</summary>
    NewlyFailing,
    /// <summary>Faster beyond the threshold, and the difference is statistically significant.</summary>
    Improvement,
    /// <summary>Not ok in the base run, ok in the new one.</summary>
    Fixed,
    /// <summary>
    /// Ok in both runs, but measured under another configuration (device, e.g. a oneDNN cap; graph
    /// optimisation; backend version; ONNX file): the latencies are not of the same thing, so neither a
    /// regression nor an improvement, and it does not fail the comparison by itself.
    /// </summary>
    ConfigurationChanged,
    /// <summary>
    /// Ok in both runs, but a multi-threaded cell whose launches ran in different machine states in the two
    /// runs (the core-to-core round trip, <c>core_latency_ns</c>: a virtual machine's host placed its CPUs
    /// differently), with too few launches in a common state to test: not comparable, so neither a
    /// regression nor an improvement, and it does not fail the comparison by itself.
    /// </summary>
    MachineStateChanged,
    /// <summary>Beyond the threshold, but not statistically significant: noise until shown otherwise.</summary>
    NotSignificant,
    /// <summary>Beyond the threshold, and neither launches, raw samples nor confidence intervals allow a test.</summary>
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
    /// <summary>
    /// Welch's t-test on the natural logs of the two cells' launch medians (one per worker process),
    /// p-values corrected for the number of cells by Benjamini and Hochberg's method.
    /// </summary>
    WelchLaunches,
    /// <summary>
    /// A t-test on the natural logs of the launch medians with the machine state as a blocking factor
    /// (<see cref="Statistics.StateBlockedTest"/>): for a multi-threaded cell whose launches fell into several
    /// machine states in both runs; corrected for the number of cells like <see cref="WelchLaunches"/>.
    /// </summary>
    StateBlockedLaunches,
    /// <summary>Two-sided Mann-Whitney U test on the raw samples of both cells (Perfolizer); within one process each.</summary>
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

    /// <summary>Ok launch medians of the cell in the base run (0 for a run without launches).</summary>
    public int BaseLaunches { get; init; }

    /// <summary>Ok launch medians of the cell in the new run.</summary>
    public int NewLaunches { get; init; }

    /// <summary>Benjamini-Hochberg-adjusted p-value (Welch on launches only; the significance decision uses it).</summary>
    public double? PAdjusted { get; init; }

    /// <summary>
    /// Smallest change of the median, in percent, that this cell's Welch test would have detected with
    /// 80% power at the noise its launches showed, at level α / m (m = cells tested on launches: the
    /// level the correction asks of a lone changed cell). Null where launches were not tested.
    /// </summary>
    public double? DetectableChangePercent { get; init; }

    /// <summary>What differs between the two rows' configurations ("device: cpu → cpu (oneDNN max ISA SSE41)"); empty when nothing does.</summary>
    public IReadOnlyList<string> ConfigurationChanges { get; init; } = [];
}

/// <summary>What the geometric-mean change of one backend over all its matched ok cells concluded.</summary>
public enum BackendVerdict
{
    /// <summary>The 95% interval of the geometric-mean ratio lies wholly above 1 + threshold.</summary>
    Regression,
    /// <summary>The interval lies wholly below 1 − threshold.</summary>
    Improvement,
    /// <summary>The interval reaches into [1 − threshold, 1 + threshold].</summary>
    Unchanged,
    /// <summary>Fewer than two matched ok cells: no interval.</summary>
    Inconclusive,
}

/// <summary>
/// One backend's change over all of its matched ok cells (configuration-changed cells left out): the
/// geometric mean of the cells' ratios new / base with a 95% Student t interval over the cells.
/// </summary>
/// <param name="Backend">The backend.</param>
/// <param name="Cells">Matched cells ok in both runs with the same configuration.</param>
/// <param name="GeometricMeanRatio">exp(mean of the log ratios).</param>
/// <param name="Ci95Low">exp(mean − t(0.975, n − 1) · s / √n); null below two cells.</param>
/// <param name="Ci95High">exp(mean + t(0.975, n − 1) · s / √n); null below two cells.</param>
/// <param name="Verdict">What it concluded.</param>
public sealed record BackendComparison(string Backend, int Cells, double? GeometricMeanRatio, double? Ci95Low, double? Ci95High, BackendVerdict Verdict)
{
    /// <summary>Change of the geometric mean in percent (positive = slower).</summary>
    public double? ChangePercent => GeometricMeanRatio is { } r ? (r - 1) * 100 : null;
}

/// <summary>Which methods test a cell on its launches (worker processes), rather than within one process.</summary>
public static class SignificanceMethods
{
    public static bool IsLaunchTest(this SignificanceMethod method) =>
        method is SignificanceMethod.WelchLaunches or SignificanceMethod.StateBlockedLaunches;
}
