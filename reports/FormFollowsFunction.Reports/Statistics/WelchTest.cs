using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Reports.Statistics;

/// <summary>
/// Welch's two-sample t-test (unequal variances) of the difference of two means, with the
/// Welch-Satterthwaite degrees of freedom and a two-sided p-value from MathNet's Student t.
/// <c>fff compare</c> applies it to the natural logs of two cells' launch medians, so the difference
/// of means is the log of the latency ratio (new / base).
/// </summary>
/// <param name="Difference">Mean of the second sample minus mean of the first.</param>
/// <param name="StandardError">√(s1²/n1 + s2²/n2).</param>
/// <param name="DegreesOfFreedom">Welch-Satterthwaite degrees of freedom (n1 + n2 − 2 when both samples have no spread).</param>
/// <param name="T">Difference / standard error (±∞ or 0 when the standard error is 0).</param>
/// <param name="PValue">Two-sided p-value.</param>
public sealed record WelchTest(double Difference, double StandardError, double DegreesOfFreedom, double T, double PValue) : ILaunchTest
{
    /// <summary>Compares <paramref name="second"/> with <paramref name="first"/>; each needs at least two values.</summary>
    public static WelchTest Compare(IReadOnlyList<double> first, IReadOnlyList<double> second)
    {
        if (first.Count < 2 || second.Count < 2)
            throw new ArgumentException("Welch's test needs at least two values on each side");
        double n1 = first.Count, n2 = second.Count;
        double v1 = first.Variance() / n1, v2 = second.Variance() / n2;
        double difference = second.Mean() - first.Mean();
        double se = Math.Sqrt(v1 + v2);
        double df = se == 0 ? n1 + n2 - 2 : (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1));
        var (t, p) = TwoSided(difference, se, df);
        return new WelchTest(difference, se, df, t, p);
    }

    /// <inheritdoc/>
    public double DetectableDifference(double alpha, double power = 0.8) => ILaunchTest.Detectable(DegreesOfFreedom, StandardError, alpha, power);

    /// <summary>The statistic, its two-sided p-value from Student's t (the lower tail at −|t|, which keeps precision where 1 − CDF(|t|) would round to zero), ±∞ when there is no spread.</summary>
    internal static (double T, double P) TwoSided(double difference, double se, double df) =>
        se == 0
            ? (difference == 0 ? 0 : Math.CopySign(double.PositiveInfinity, difference), difference == 0 ? 1 : 0)
            : (difference / se, Math.Min(1.0, 2.0 * StudentT.CDF(0.0, 1.0, df, -Math.Abs(difference / se))));
}

/// <summary>A test of a cell's change between two runs on the logs of its launch medians.</summary>
public interface ILaunchTest
{
    /// <summary>Estimated log of the latency ratio new / base.</summary>
    double Difference { get; }

    double StandardError { get; }

    double DegreesOfFreedom { get; }

    /// <summary>Two-sided p-value.</summary>
    double PValue { get; }

    /// <summary>
    /// The smallest true difference this test detects with probability <paramref name="power"/> at the
    /// two-sided level <paramref name="alpha"/>, at the noise it saw: (t(1 − α/2, df) + t(power, df)) · SE.
    /// </summary>
    double DetectableDifference(double alpha, double power = 0.8);

    internal static double Detectable(double df, double se, double alpha, double power) =>
        (StudentT.InvCDF(0.0, 1.0, df, 1 - alpha / 2) + StudentT.InvCDF(0.0, 1.0, df, power)) * se;
}

/// <summary>
/// A t-test of the difference between two runs with the machine state as a blocking factor: each state in
/// which both runs have launches is a stratum, the difference is the mean of the strata's differences of
/// means weighted by w = 1 / (1/n₁ + 1/n₂), and the variance is pooled within every run and state
/// (df = Σ (n − 1) over those groups): log latency = cell + state + run + noise, and the test is of the run
/// term. It lets a multi-threaded cell whose launches fell into two machine states in each run (the build VM
/// moved between them every minute or two) be compared on all of them, where one state alone would leave
/// one or two launches a side.
/// </summary>
/// <param name="Difference">Σ w_s (mean₂ − mean₁)_s / Σ w_s.</param>
/// <param name="StandardError">√(pooled variance / Σ w_s).</param>
/// <param name="DegreesOfFreedom">Σ (n − 1) over the groups (run, state).</param>
/// <param name="T">Difference / standard error.</param>
/// <param name="PValue">Two-sided p-value.</param>
public sealed record StateBlockedTest(double Difference, double StandardError, double DegreesOfFreedom, double T, double PValue) : ILaunchTest
{
    /// <summary>Compares the second samples with the first, state by state; every stratum needs a value on each side, and the groups together at least one degree of freedom.</summary>
    public static StateBlockedTest Compare(IReadOnlyList<(IReadOnlyList<double> First, IReadOnlyList<double> Second)> strata)
    {
        if (strata.Count == 0 || strata.Any(s => s.First.Count == 0 || s.Second.Count == 0))
            throw new ArgumentException("every stratum needs at least one value on each side", nameof(strata));
        double df = strata.Sum(s => s.First.Count - 1 + s.Second.Count - 1);
        if (df < 1) throw new ArgumentException("the strata leave no degree of freedom for the variance", nameof(strata));
        static double Squares(IReadOnlyList<double> xs) { double m = xs.Mean(); return xs.Sum(x => (x - m) * (x - m)); }
        double variance = strata.Sum(s => Squares(s.First) + Squares(s.Second)) / df;
        double weights = 0, weighted = 0;
        foreach (var (first, second) in strata)
        {
            double w = 1 / (1.0 / first.Count + 1.0 / second.Count);
            weights += w;
            weighted += w * (second.Mean() - first.Mean());
        }
        double difference = weighted / weights, se = Math.Sqrt(variance / weights);
        var (t, p) = WelchTest.TwoSided(difference, se, df);
        return new StateBlockedTest(difference, se, df, t, p);
    }

    /// <inheritdoc/>
    public double DetectableDifference(double alpha, double power = 0.8) => ILaunchTest.Detectable(DegreesOfFreedom, StandardError, alpha, power);
}

/// <summary>Corrections of p-values for testing many cells at once.</summary>
public static class MultipleTesting
{
    /// <summary>
    /// Benjamini and Hochberg's step-up adjustment (1995), which keeps the expected share of false flags
    /// among the flagged cells at most α (the false discovery rate), for independent tests and for
    /// positively dependent ones (Benjamini and Yekutieli, 2001), as cells measured on one machine are.
    /// When nothing changed it is as strict as Holm's method (any flag at all has chance at most α); when a
    /// backend changed in many cells it finds them, where Holm's would keep only the strongest. With the m
    /// p-values sorted, p(i) becomes min over j ≥ i of min(1, m · p(j) / j). A cell is significant when
    /// its adjusted p-value is below α. Returns the adjusted values in the order given.
    /// </summary>
    public static IReadOnlyList<double> BenjaminiHochberg(IReadOnlyList<double> pValues)
    {
        int m = pValues.Count;
        var adjusted = new double[m];
        double running = 1;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ToList();
        for (int rank = m; rank >= 1; rank--)
        {
            int i = order[rank - 1];
            running = Math.Min(running, Math.Min(1.0, m * pValues[i] / rank));
            adjusted[i] = running;
        }
        return adjusted;
    }
}
