using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace FormFollowsFunction.Reports.History;

/// <summary>A stretch of a series at one level: points [Start, End) less <see cref="Excluded"/> (outliers set aside) define the level.</summary>
public sealed record Segment(int Start, int End, double Level)
{
    public int Length => End - Start - Excluded.Count;

    /// <summary>Points inside the stretch that were set aside (too short a level of their own).</summary>
    public IReadOnlyList<int> Excluded { get; init; } = [];

    /// <summary>The values that define the level.</summary>
    public List<double> Points(IReadOnlyList<double> y)
    {
        var excluded = Excluded.ToHashSet();
        var points = new List<double>(End - Start);
        for (int i = Start; i < End; i++)
            if (!excluded.Contains(i)) points.Add(y[i]);
        return points;
    }
}

/// <summary>
/// A detected step between two persistent levels of a series (log latency). Indices are positions
/// in the series: <see cref="LastBefore"/> is the last point at the old level, <see cref="FirstAfter"/>
/// the first at the new one.
/// </summary>
/// <param name="IsCurrent">No later step: the new level lasts to the series' end (points after it too few to be a level of their own).</param>
public sealed record Step(int LastBefore, int FirstAfter, Segment Before, Segment After, double LogRatio, double? LogLow, double? LogHigh, bool IsCurrent)
{
    public double Ratio => Math.Exp(LogRatio);
}

/// <summary>What a series' step detection found, with the noise and penalty it used.</summary>
public sealed record StepDetection(double Sigma, double Penalty, IReadOnlyList<Segment> Segments, IReadOnlyList<Step> Steps);

/// <summary>Parameters of step detection (see docs/reports.md, "Nightly history").</summary>
public sealed record StepDetectorOptions
{
    /// <summary>Runs a new level must last for to be a step.</summary>
    public int MinPersistence { get; init; } = 2;

    /// <summary>Smallest change of the level, percent, that counts.</summary>
    public double ThresholdPercent { get; init; } = 5;

    /// <summary>A step must also exceed this many noise sigmas (per-run noise of the series).</summary>
    public double NoiseFactor { get; init; } = 2;

    /// <summary>Penalty per step in the L1 fit, in units of sigma · ln(n).</summary>
    public double PenaltyFactor { get; init; } = 2;

    /// <summary>Smallest noise sigma (log units) assumed, so that a perfectly flat series does not split at every point.</summary>
    public double SigmaFloor { get; init; } = 0.005;
}

/// <summary>
/// asv-style step detection on a series of log latencies (one value per run).
/// <list type="number">
/// <item>Noise: σ = 1.4826 · median |y[i+1] − y[i]| / √2, the MAD of successive differences, which a
/// few steps or outliers barely move (floored at <see cref="StepDetectorOptions.SigmaFloor"/>).</item>
/// <item>Fit: the piecewise-constant function minimising Σ |y − level| + γ · (number of steps), found
/// exactly by dynamic programming over segment ends (each segment's level is its median; segment costs
/// come from Fenwick trees of counts and sums over the values' ranks), with γ = PenaltyFactor · σ · ln n.</item>
/// <item>Clean-up: segments shorter than MinPersistence are set aside as outliers or transitions;
/// neighbouring kept segments whose levels differ by no more than max(ln(1 + threshold), NoiseFactor · σ),
/// or whose ratio interval contains 1, are merged (closest pair first) until every boundary is a step.</item>
/// <item>Ratio: exp(mean log after − mean log before) over the kept points of the two segments, with a
/// Welch t 95% interval on that difference of means.</item>
/// </list>
/// </summary>
public static class StepDetector
{
    public static StepDetection Detect(IReadOnlyList<double> y, StepDetectorOptions options)
    {
        int n = y.Count;
        double sigma = NoiseSigma(y, options.SigmaFloor);
        double penalty = options.PenaltyFactor * sigma * Math.Log(Math.Max(n, 2));
        if (n == 0) return new StepDetection(sigma, penalty, [], []);
        var fitted = L1Fit(y, penalty);
        int minLength = Math.Max(1, options.MinPersistence);
        var kept = fitted.Where(s => s.Length >= minLength).ToList();
        double minLog = Math.Max(Math.Log(1 + options.ThresholdPercent / 100), options.NoiseFactor * sigma);

        // Merge the closest adjacent pair that is no step, until every boundary is one.
        while (kept.Count > 1)
        {
            int worst = -1;
            double worstSize = double.PositiveInfinity;
            for (int i = 0; i + 1 < kept.Count; i++)
            {
                double size = Math.Abs(kept[i + 1].Level - kept[i].Level);
                var (_, low, high) = Interval(y, kept[i], kept[i + 1]);
                bool isStep = size > minLog && !(low <= 0 && high >= 0);
                if (!isStep && size < worstSize)
                {
                    worst = i;
                    worstSize = size;
                }
            }
            if (worst < 0) break;
            var a = kept[worst];
            var b = kept[worst + 1];
            // The points set aside between them stay aside: they were outliers of this one level.
            var merged = new Segment(a.Start, b.End, 0) { Excluded = [.. a.Excluded, .. Enumerable.Range(a.End, b.Start - a.End), .. b.Excluded] };
            kept[worst] = merged with { Level = merged.Points(y).Median() };
            kept.RemoveAt(worst + 1);
        }

        var steps = new List<Step>();
        for (int i = 0; i + 1 < kept.Count; i++)
        {
            var before = kept[i];
            var after = kept[i + 1];
            var (diff, low, high) = Interval(y, before, after);
            // Points set aside between the two levels (a transition) go to the level they are nearer to.
            int lastBefore = before.End - 1, firstAfter = after.Start;
            for (int j = before.End; j < after.Start; j++)
                if (Math.Abs(y[j] - after.Level) < Math.Abs(y[j] - before.Level)) { firstAfter = j; break; }
                else lastBefore = j;
            steps.Add(new Step(lastBefore, firstAfter, before, after, diff, double.IsNaN(low) ? null : low, double.IsNaN(high) ? null : high, IsCurrent: i + 2 == kept.Count));
        }
        return new StepDetection(sigma, penalty, kept, steps);
    }

    /// <summary>Robust per-point noise: the MAD of successive differences scaled to a normal σ.</summary>
    public static double NoiseSigma(IReadOnlyList<double> y, double floor)
    {
        if (y.Count < 3) return floor;
        var differences = new double[y.Count - 1];
        for (int i = 0; i + 1 < y.Count; i++) differences[i] = Math.Abs(y[i + 1] - y[i]);
        return Math.Max(floor, 1.4826 * differences.Median() / Math.Sqrt(2));
    }

    /// <summary>Mean log after − mean log before over the segments' kept points, with a Welch t 95% interval (NaN bounds when either side has one point).</summary>
    public static (double Diff, double Low, double High) Interval(IReadOnlyList<double> y, Segment before, Segment after)
    {
        var a = before.Points(y);
        var b = after.Points(y);
        double diff = b.Mean() - a.Mean();
        if (a.Count < 2 || b.Count < 2) return (diff, double.NaN, double.NaN);
        double va = a.Variance() / a.Count, vb = b.Variance() / b.Count;
        double se = Math.Sqrt(va + vb);
        if (se == 0) return (diff, diff, diff);
        double df = (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        double t = StudentT.InvCDF(0, 1, Math.Max(1, df), 0.975);
        return (diff, diff - t * se, diff + t * se);
    }

    /// <summary>
    /// The exact minimiser of Σ |y − level| + penalty · steps over piecewise-constant fits, by dynamic
    /// programming: best[r] = min over l of best[l] + cost(l, r) + penalty, where cost is the sum of absolute
    /// deviations from the segment's median. For each end r the start l walks down from r − 1, adding
    /// y[l] to Fenwick trees of counts and sums over the values' ranks, which give the segment's median
    /// and the sums below and above it in O(log n): O(n² log n) in all, no allocation in the loop.
    /// </summary>
    public static IReadOnlyList<Segment> L1Fit(IReadOnlyList<double> y, double penalty)
    {
        int n = y.Count;
        var best = new double[n + 1];
        var from = new int[n + 1];
        best[0] = -penalty;
        // Ranks: ties broken by position, so every rank holds one value.
        var order = Enumerable.Range(0, n).OrderBy(i => y[i]).ThenBy(i => i).ToArray();
        var sorted = order.Select(i => y[i]).ToArray();
        var rank = new int[n];
        for (int k = 0; k < n; k++) rank[order[k]] = k;
        var counts = new int[n + 1];
        var sums = new double[n + 1];
        int top = 1;
        while (top * 2 <= n) top *= 2;
        for (int r = 1; r <= n; r++)
        {
            Array.Clear(counts);
            Array.Clear(sums);
            double total = 0;
            double bestValue = double.PositiveInfinity;
            int bestStart = 0;
            for (int l = r - 1; l >= 0; l--)
            {
                double x = y[l];
                total += x;
                for (int i = rank[l] + 1; i <= n; i += i & -i)
                {
                    counts[i]++;
                    sums[i] += x;
                }
                int m = r - l;
                int k = (m + 1) / 2; // the lower median is the k-th smallest
                int position = 0, below = 0;
                double sumBelow = 0;
                for (int step = top; step > 0; step >>= 1)
                {
                    int next = position + step;
                    if (next <= n && below + counts[next] < k)
                    {
                        position = next;
                        below += counts[next];
                        sumBelow += sums[next];
                    }
                }
                double median = sorted[position];
                double cost = median * below - sumBelow + (total - sumBelow - median) - median * (m - below - 1);
                double value = best[l] + cost + penalty;
                if (value < bestValue)
                {
                    bestValue = value;
                    bestStart = l;
                }
            }
            best[r] = bestValue;
            from[r] = bestStart;
        }
        var segments = new List<Segment>();
        for (int r = n; r > 0; r = from[r])
        {
            int l = from[r];
            segments.Add(new Segment(l, r, Enumerable.Range(l, r - l).Select(i => y[i]).Median()));
        }
        segments.Reverse();
        return segments;
    }
}
