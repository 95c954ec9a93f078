namespace FormFollowsFunction.Reports.Comparison;

/// <summary>How <see cref="RunComparer"/> judges a change.</summary>
public sealed record ComparisonOptions
{
    /// <summary>A change smaller than this many percent of the base median is "unchanged", however significant (cells and backends' geometric means).</summary>
    public double ThresholdPercent { get; init; } = 5;

    /// <summary>
    /// Significance level: of the Welch tests on launches after Benjamini and Hochberg's correction over the cells tested that
    /// way, and of the within-process tests (Mann-Whitney, interval overlap) used for cells without launches.
    /// </summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Throws a <see cref="ReportInputException"/> naming the bad value and its range.</summary>
    public void Validate()
    {
        if (!double.IsFinite(ThresholdPercent) || ThresholdPercent < 0)
            throw new ReportInputException($"--threshold must be a percentage of zero or more, got {ThresholdPercent}");
        if (!(Alpha > 0 && Alpha < 1))
            throw new ReportInputException($"--alpha must be a significance level between 0 and 1 (exclusive), such as 0.05; got {Alpha}");
    }
}
