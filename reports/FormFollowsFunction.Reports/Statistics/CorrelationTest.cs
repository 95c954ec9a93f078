using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Reports.Statistics;

/// <summary>
/// Pearson and Spearman correlation of two variables over the cells where both were measured, each
/// with a two-sided p-value for "no correlation". Coefficients come from MathNet.Numerics; the
/// p-value uses t = r·√((n−2)/(1−r²)) on the Student-t distribution with n−2 degrees of freedom
/// (exact for Pearson under bivariate normality; the usual large-sample approximation for Spearman).
/// </summary>
public sealed record CorrelationResult(
    string X, string Y, int Count,
    double? PearsonR, double? PearsonP,
    double? SpearmanRho, double? SpearmanP,
    string Note)
{
    /// <summary>At least three pairs are needed for a p-value (n − 2 degrees of freedom).</summary>
    public const int MinimumCount = 3;

    public static CorrelationResult Compute(string x, string y, IReadOnlyList<(double X, double Y)> pairs)
    {
        var finite = pairs.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        int n = finite.Count;
        if (n < MinimumCount)
            return new(x, y, n, null, null, null, null, n == 0 ? "no cell has both values" : $"only {n} cell(s) have both values");
        var xs = finite.Select(p => p.X).ToArray();
        var ys = finite.Select(p => p.Y).ToArray();
        if (xs.Distinct().Count() == 1 || ys.Distinct().Count() == 1)
            return new(x, y, n, null, null, null, null, $"{(xs.Distinct().Count() == 1 ? x : y)} is the same in every cell");
        double pearson = Correlation.Pearson(xs, ys);
        double spearman = Correlation.Spearman(xs, ys);
        return new(x, y, n, pearson, TwoSidedP(pearson, n), spearman, TwoSidedP(spearman, n), "");
    }

    /// <summary>Two-sided p-value of a correlation coefficient r over n pairs, from Student's t with n − 2 degrees of freedom.</summary>
    public static double TwoSidedP(double r, int n)
    {
        if (n < MinimumCount) throw new ArgumentOutOfRangeException(nameof(n), n, "a p-value needs at least three pairs");
        // |r| = 1 is a perfect fit: t is infinite and p is 0 (rounding can push |r| a hair above 1).
        double rSquared = Math.Min(r * r, 1.0);
        if (rSquared >= 1.0) return 0.0;
        double t = Math.Abs(r) * Math.Sqrt((n - 2) / (1.0 - rSquared));
        // The lower tail at −|t| keeps precision where 1 − CDF(|t|) would round to zero.
        return Math.Min(1.0, 2.0 * StudentT.CDF(0.0, 1.0, n - 2, -t));
    }
}
