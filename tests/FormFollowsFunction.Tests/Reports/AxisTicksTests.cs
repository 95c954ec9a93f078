using System.Globalization;
using FormFollowsFunction.Reports.Figures;
using ScottPlot;

namespace FormFollowsFunction.Tests.Reports;

public sealed class AxisTicksTests
{
    private static List<string> MajorLabels(double min, double max)
    {
        var plot = new Plot();
        AxisTicks.Logarithmic(plot.Axes.Left, min, max, v => v.ToString("0.###", CultureInfo.InvariantCulture));
        // A manual generator hands out its ticks when the plot is drawn.
        plot.GetImageBytes(300, 400, ImageFormat.Png);
        return [.. plot.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label)];
    }

    [Fact]
    public void Several_decades_are_labelled_at_powers_of_ten()
    {
        Assert.Equal(["1", "10", "100", "1000"], MajorLabels(1, 1000));
    }

    [Fact]
    public void Less_than_three_powers_of_ten_get_one_two_five_steps()
    {
        Assert.Equal(["2", "5", "10", "20", "50"], MajorLabels(2, 50));
    }

    [Fact]
    public void A_span_of_less_than_a_factor_of_five_is_labelled_at_every_digit()
    {
        // 0.55 to 2.3 ms: 1-2-5 steps would label only 1 and 2.
        Assert.Equal(["0.6", "0.7", "0.8", "0.9", "1", "2"], MajorLabels(0.55, 2.3));
    }
}
