using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace FormFollowsFunction.Reports.Figures;

/// <summary>
/// Tick marks for the axes the figures need that ScottPlot has no scale for: logarithmic axes
/// (data plotted as log10 and labelled with the real values) and the depth axis (log2 spacing,
/// since the grid doubles depth, labelled with the depths measured).
/// </summary>
internal static class AxisTicks
{
    /// <summary>
    /// Sets a log10 axis over [min, max] (real values, both positive): limits padded by a twentieth
    /// of the span, labels at powers of ten, or at 1-2-5 steps where fewer than three powers of ten
    /// fall inside, or at every digit where even those give fewer than three (a plot needs three
    /// labels to be read).
    /// </summary>
    public static void Logarithmic(IAxis axis, double min, double max, Func<double, string> label)
    {
        double lo = Math.Log10(min), hi = Math.Log10(max);
        if (hi - lo < 0.3) { lo -= 0.15; hi += 0.15; } // a single value or a narrow band still gets a readable span
        double pad = (hi - lo) * 0.05;
        lo -= pad; hi += pad;
        var ticks = new NumericManual();
        int Inside(int[] digits) =>
            Enumerable.Range((int)Math.Floor(lo), (int)Math.Ceiling(hi) - (int)Math.Floor(lo) + 1)
                .SelectMany(decade => digits.Select(m => Math.Log10(m) + decade)).Count(position => position >= lo && position <= hi);
        int[] steps = new[] { new[] { 1 }, [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9] }.FirstOrDefault(d => Inside(d) >= 3) ?? [1, 2, 3, 4, 5, 6, 7, 8, 9];
        for (int decade = (int)Math.Floor(lo); decade <= (int)Math.Ceiling(hi); decade++)
        {
            double power = Math.Pow(10, decade);
            for (int m = 1; m <= 9; m++)
            {
                double value = m * power, position = Math.Log10(value);
                if (position < lo || position > hi) continue;
                if (steps.Contains(m)) ticks.AddMajor(position, label(value));
                else ticks.AddMinor(position);
            }
        }
        axis.TickGenerator = ticks;
        axis.Min = lo;
        axis.Max = hi;
    }

    /// <summary>Depth on a log2 scale (2, 4, 8, 16 equally spaced), a tick at each depth measured.</summary>
    public static void Depths(IAxis axis, IEnumerable<int> depths)
    {
        var sorted = depths.Distinct().Order().ToList();
        var ticks = new NumericManual();
        foreach (int depth in sorted) ticks.AddMajor(Math.Log2(depth), depth.ToString(CultureInfo.InvariantCulture));
        axis.TickGenerator = ticks;
        double lo = Math.Log2(sorted[0]), hi = Math.Log2(sorted[^1]);
        double pad = Math.Max(0.35, (hi - lo) * 0.08);
        axis.Min = lo - pad;
        axis.Max = hi + pad;
    }

    /// <summary>A tick at each value measured (widths: 0.5, 1.0, ...).</summary>
    public static void AtValues(IAxis axis, IEnumerable<double> values, string format)
    {
        var sorted = values.Distinct().Order().ToList();
        var ticks = new NumericManual();
        foreach (double value in sorted) ticks.AddMajor(value, value.ToString(format, CultureInfo.InvariantCulture));
        axis.TickGenerator = ticks;
        double span = sorted[^1] - sorted[0];
        double pad = span > 0 ? span * 0.1 : Math.Max(Math.Abs(sorted[0]) * 0.25, 0.25);
        axis.Min = sorted[0] - pad;
        axis.Max = sorted[^1] + pad;
    }

    /// <summary>Numbers with SI prefixes, for counts: 5M, 20M, 1G, 2.5G.</summary>
    public static string SiCount(double value)
    {
        (double scale, string prefix) = Math.Abs(value) switch
        {
            >= 1e12 => (1e12, "T"),
            >= 1e9 => (1e9, "G"),
            >= 1e6 => (1e6, "M"),
            >= 1e3 => (1e3, "k"),
            _ => (1.0, ""),
        };
        return (value / scale).ToString("0.##", CultureInfo.InvariantCulture) + prefix;
    }

    /// <summary>Plain numbers with as many decimals as small values need: 0.05, 0.5, 2, 100.</summary>
    public static string Plain(double value) => value.ToString(value >= 1 ? "0.##" : "0.####", CultureInfo.InvariantCulture);
}
