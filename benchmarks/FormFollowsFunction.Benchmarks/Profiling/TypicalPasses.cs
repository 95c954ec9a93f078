namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>
/// Per-layer times that add up to a typical forward pass: the passes are ranked by their total time,
/// the middle half of them is kept (the interquartile passes), and each layer's time is its mean over
/// those passes. The layers then sum to the mean total of the kept passes, a robust centre of the pass
/// times like the median, whatever the spread of each layer's own times.
/// </summary>
/// <remarks>
/// Per-layer medians do not add up to a pass: where a layer is slow now and then (a preempted step,
/// a late worker thread), its median leaves that out, though almost every pass holds some layer's slow
/// moment, so the medians of a network of many short layers add up to much less than its median pass
/// (docs/benchmarks.md, "Per-layer profiles"). Means over whole passes keep each pass's time where it
/// was spent, and keeping only the middle passes by total leaves out the passes a stall made unusual.
/// </remarks>
public static class TypicalPasses
{
    /// <summary>The indices of the middle half of <paramref name="totals"/> by rank (all of them for fewer than 4), in pass order.</summary>
    public static IReadOnlyList<int> Interquartile(IReadOnlyList<double> totals)
    {
        ArgumentOutOfRangeException.ThrowIfZero(totals.Count);
        int dropped = totals.Count / 4;
        // Ties keep pass order, so the choice does not depend on the sort's stability.
        var ranked = Enumerable.Range(0, totals.Count).OrderBy(p => totals[p]).ThenBy(p => p).ToList();
        return [.. ranked.Skip(dropped).Take(totals.Count - 2 * dropped).Order()];
    }

    /// <summary>The mean of the interquartile <paramref name="totals"/>: the figure the layer means of the same passes add up to, for passes timed whole.</summary>
    public static double Mean(IReadOnlyList<double> totals) => Interquartile(totals).Average(p => totals[p]);

    /// <summary>Each layer's mean over the interquartile passes by total.</summary>
    /// <param name="passes">One array per pass, each with the same layers in the same order.</param>
    public static double[] LayerMeans(IReadOnlyList<IReadOnlyList<double>> passes)
    {
        ArgumentOutOfRangeException.ThrowIfZero(passes.Count);
        int layers = passes[0].Count;
        if (passes.Any(p => p.Count != layers))
            throw new ArgumentException($"every pass must time the same {layers} layers", nameof(passes));
        var kept = Interquartile([.. passes.Select(p => p.Sum())]);
        var means = new double[layers];
        foreach (int p in kept)
            for (int l = 0; l < layers; l++)
                means[l] += passes[p][l] / kept.Count;
        return means;
    }
}
