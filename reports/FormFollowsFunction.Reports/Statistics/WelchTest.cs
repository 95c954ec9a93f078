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
public sealed record WelchTest(double Difference, double StandardError, double DegreesOfFreedom, double T, double PValue)
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
        if (se == 0)
            return new WelchTest(difference, 0, n1 + n2 - 2, difference == 0 ? 0 : Math.CopySign(double.PositiveInfinity, difference), difference == 0 ? 1 : 0);
        double df = (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1));
        double t = difference / se;
        // The lower tail at −|t| keeps precision where 1 − CDF(|t|) would round to zero.
        double p = Math.Min(1.0, 2.0 * StudentT.CDF(0.0, 1.0, df, -Math.Abs(t)));
        return new WelchTest(difference, se, df, t, p);
    }

    /// <summary>
    /// The smallest true difference this test detects with probability <paramref name="power"/> at the
    /// two-sided level <paramref name="alpha"/>, at the noise it saw: (t(1 − α/2, df) + t(power, df)) · SE.
    /// </summary>
    public double DetectableDifference(double alpha, double power = 0.8) =>
        (StudentT.InvCDF(0.0, 1.0, DegreesOfFreedom, 1 - alpha / 2) + StudentT.InvCDF(0.0, 1.0, DegreesOfFreedom, power)) * StandardError;
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
