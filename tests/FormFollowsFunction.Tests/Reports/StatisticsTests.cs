using FormFollowsFunction.Reports.Statistics;

namespace FormFollowsFunction.Tests.Reports;

public sealed class StatisticsTests
{
    [Fact]
    public void Summary_of_known_speedups_has_the_hand_computed_means()
    {
        var summary = SpeedupSummary.Of([1, 2, 4, 8])!;

        Assert.Equal(4, summary.Count);
        Assert.Equal(3.75, summary.Mean, 12);
        // (1·2·4·8)^(1/4) = 64^(1/4) = 2√2
        Assert.Equal(2 * Math.Sqrt(2), summary.GeometricMean, 12);
        Assert.Equal(1, summary.Min);
        Assert.Equal(8, summary.Max);
    }

    [Fact]
    public void Geometric_mean_of_reciprocal_speedups_is_one_where_the_arithmetic_mean_is_not()
    {
        var summary = SpeedupSummary.Of([2, 0.5])!;

        Assert.Equal(1.0, summary.GeometricMean, 12);
        Assert.Equal(1.25, summary.Mean, 12);
    }

    [Fact]
    public void Summary_of_nothing_is_null_and_a_non_positive_speedup_is_refused()
    {
        Assert.Null(SpeedupSummary.Of([]));
        Assert.Throws<ArgumentException>(() => SpeedupSummary.Of([1.5, 0]));
        Assert.Throws<ArgumentException>(() => SpeedupSummary.Of([1.5, double.NaN]));
    }

    [Fact]
    public void Correlation_of_known_data_matches_hand_computation()
    {
        // x = 1..5, y = 2,4,5,4,5: Sxy = 6, Sxx = 10, Syy = 6, so r = 6/√60.
        (double, double)[] pairs = [(1, 2), (2, 4), (3, 5), (4, 4), (5, 5)];

        var result = CorrelationResult.Compute("x", "y", pairs);

        Assert.Equal(5, result.Count);
        Assert.Equal(6 / Math.Sqrt(60), result.PearsonR!.Value, 10);
        // t = r·√(3/(1−r²)) = √4.5; for 3 degrees of freedom the t CDF has the closed form
        // F(t) = 1/2 + (1/π)·[(t/√3)/(1 + t²/3) + atan(t/√3)], so p = 2·(1 − F(√4.5)).
        double u = Math.Sqrt(4.5) / Math.Sqrt(3);
        double expectedP = 2 * (1 - (0.5 + (u / (1 + u * u) + Math.Atan(u)) / Math.PI));
        Assert.Equal(0.124026, expectedP, 5);
        Assert.Equal(expectedP, result.PearsonP!.Value, 8);
        // Ranks of y with ties averaged: 1, 2.5, 4.5, 2.5, 4.5; Pearson on ranks: 7/√90.
        Assert.Equal(7 / Math.Sqrt(90), result.SpearmanRho!.Value, 10);
        Assert.Equal("", result.Note);
    }

    [Fact]
    public void Perfect_correlation_has_p_zero_and_a_negative_one_is_symmetric()
    {
        (double, double)[] up = [(1, 10), (2, 20), (3, 30), (4, 40)];
        (double, double)[] down = [(1, 40), (2, 30), (3, 20), (4, 10)];

        var rising = CorrelationResult.Compute("x", "y", up);
        var falling = CorrelationResult.Compute("x", "y", down);

        Assert.Equal(1.0, rising.PearsonR!.Value, 12);
        Assert.Equal(0.0, rising.PearsonP!.Value);
        Assert.Equal(-1.0, falling.SpearmanRho!.Value, 12);
        Assert.Equal(0.0, falling.SpearmanP!.Value);
    }

    [Fact]
    public void Two_sided_p_is_the_same_for_r_and_minus_r_and_grows_as_r_shrinks()
    {
        Assert.Equal(CorrelationResult.TwoSidedP(0.6, 10), CorrelationResult.TwoSidedP(-0.6, 10), 14);
        Assert.True(CorrelationResult.TwoSidedP(0.3, 10) > CorrelationResult.TwoSidedP(0.6, 10));
        Assert.Equal(1.0, CorrelationResult.TwoSidedP(0.0, 10), 12);
    }

    [Fact]
    public void Too_few_pairs_or_a_constant_variable_give_no_coefficient_and_say_why()
    {
        var tooFew = CorrelationResult.Compute("x", "y", [(1, 2), (2, 3)]);
        var constant = CorrelationResult.Compute("MACs", "latency", [(5, 1), (5, 2), (5, 3)]);
        var withNaN = CorrelationResult.Compute("x", "y", [(1, 1), (2, double.NaN), (3, 3)]);

        Assert.Null(tooFew.PearsonR);
        Assert.Contains("only 2", tooFew.Note);
        Assert.Null(constant.SpearmanRho);
        Assert.Contains("MACs is the same in every cell", constant.Note);
        Assert.Equal(2, withNaN.Count);
        Assert.Null(withNaN.PearsonR);
    }
}
