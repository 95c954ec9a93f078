using FormFollowsFunction.Benchmarks.Profiling;

namespace FormFollowsFunction.Tests.Profiling;

public sealed class TypicalPassesTests
{
    [Fact]
    public void The_interquartile_passes_are_the_middle_half_by_total_in_pass_order()
    {
        double[] totals = [1, 2, 3, 100, 4, 5, 6, 7];

        // Sorted: 1 2 | 3 4 5 6 | 7 100; the kept totals 3, 4, 5, 6 are passes 2, 4, 5, 6.
        Assert.Equal([2, 4, 5, 6], TypicalPasses.Interquartile(totals));
        Assert.Equal([0, 1, 2], TypicalPasses.Interquartile([5, 1, 3]));
        Assert.Equal([1, 2], TypicalPasses.Interquartile([9, 5, 5, 1]));
    }

    [Fact]
    public void A_rare_slow_step_that_some_layer_has_in_every_pass_is_counted_where_medians_would_drop_it()
    {
        // Four layers of 1 ms; in every pass one of them (a different one each time) takes 11 ms.
        var passes = Enumerable.Range(0, 8).Select(p => Enumerable.Range(0, 4).Select(l => l == p % 4 ? 11.0 : 1.0).ToArray()).ToList();

        var means = TypicalPasses.LayerMeans(passes);

        // Every pass takes 14 ms; per-layer medians would say 1 ms each, 4 ms a pass.
        Assert.Equal(14, means.Sum(), 12);
        Assert.All(passes, p => Assert.Equal(14, p.Sum()));
    }

    [Fact]
    public void Layer_means_add_up_to_the_mean_total_of_the_kept_passes_and_leave_out_a_stalled_pass()
    {
        double[][] passes = [[1, 2], [1, 3], [2, 2], [50, 2], [1, 1], [2, 3], [1, 2], [2, 1]];

        var means = TypicalPasses.LayerMeans(passes);

        // Totals 3 4 4 52 2 5 3 3: sorted 2 3 | 3 3 4 4 | 5 52; kept passes 1, 2, 6, 7 (ties in pass order: 0 then 6 then 7).
        var kept = TypicalPasses.Interquartile([.. passes.Select(p => p.Sum())]);
        Assert.Equal([1, 2, 6, 7], kept);
        Assert.Equal(kept.Average(p => passes[p].Sum()), means.Sum(), 12);
        Assert.Equal([(1 + 2 + 1 + 2) / 4.0, (3 + 2 + 2 + 1) / 4.0], means);
    }

    [Fact]
    public void The_typical_mean_of_whole_passes_is_what_the_layer_means_of_the_same_passes_add_up_to()
    {
        double[][] passes = [[1, 2], [1, 3], [2, 2], [50, 2], [1, 1], [2, 3], [1, 2], [2, 1]];

        Assert.Equal(TypicalPasses.LayerMeans(passes).Sum(), TypicalPasses.Mean([.. passes.Select(p => p.Sum())]), 12);
        // The stalled pass (52) is left out with the fastest two and the slowest other: (3 + 3 + 4 + 4) / 4.
        Assert.Equal(3.5, TypicalPasses.Mean([3, 4, 4, 52, 2, 5, 3, 3]), 12);
    }

    [Fact]
    public void Passes_of_different_layers_or_no_passes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => TypicalPasses.LayerMeans([[1.0, 2], [1.0]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TypicalPasses.LayerMeans([]));
    }
}
