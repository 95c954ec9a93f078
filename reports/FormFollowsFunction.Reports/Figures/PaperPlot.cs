using System.Globalization;
using System.Text.RegularExpressions;
using ScottPlot;

namespace FormFollowsFunction.Reports.Figures;

/// <summary>
/// The look every figure shares, sized for a paper: a 6.5 × 4 in canvas laid out in units of
/// 1/100 in, so that ScottPlot's pixel font sizes read as print sizes (13 units ≈ 9.4 pt ticks,
/// 15 ≈ 10.8 pt axis labels). PNGs are rendered at 3× (1950 × 1200 px, 300 dpi at 6.5 in);
/// SVGs carry the physical size (width="6.5in") with a 650 × 400 view box.
/// </summary>
internal static partial class PaperPlot
{
    public const int Width = 650;
    public const int Height = 400;
    public const int PngScale = 3;
    public const double WidthInches = 6.5;
    public const double HeightInches = 4.0;

    /// <summary>
    /// The Okabe-Ito colour-blind-safe colours (ScottPlot's ColorblindFriendly palette) with yellow
    /// moved last: it is nearly invisible on white and is only reached by an eighth series.
    /// </summary>
    private static readonly Color[] Palette = Reorder(new ScottPlot.Palettes.ColorblindFriendly().Colors, [0, 1, 2, 3, 5, 6, 7, 4]);

    private static Color[] Reorder(Color[] colors, int[] order) => order.Where(i => i < colors.Length).Select(i => colors[i]).ToArray();

    /// <summary>Filled and open shapes alternate so that series stay apart in grey-scale print.</summary>
    private static readonly MarkerShape[] Markers =
    [
        MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
        MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenDiamond,
    ];

    public static Color ColorOf(int index) => Palette[index % Palette.Length];

    public static MarkerShape MarkerOf(int index) => Markers[index % Markers.Length];

    public static Plot Create(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Axes.Title.Label.Text = title;
        plot.Axes.Title.Label.FontSize = 15;
        plot.Axes.Title.Label.Bold = true;
        plot.Axes.Bottom.Label.Text = xLabel;
        plot.Axes.Left.Label.Text = yLabel;
        foreach (var axis in new[] { plot.Axes.Bottom, (IAxis)plot.Axes.Left })
        {
            axis.Label.FontSize = 14;
            axis.Label.Bold = false;
            axis.TickLabelStyle.FontSize = 12;
        }
        plot.Legend.FontSize = 12;
        plot.Legend.SymbolWidth = 24;
        plot.Legend.ShadowColor = Colors.Transparent;
        return plot;
    }

    /// <summary>A legend to the right of the data area, where it can never cover a point.</summary>
    public static void LegendOutside(Plot plot) => plot.ShowLegend(Edge.Right);

    /// <summary>A dashed grey line at speed-up 1 (as fast as the baseline), labelled in the legend.</summary>
    public static void ParityLine(Plot plot, string baseline)
    {
        var line = plot.Add.HorizontalLine(1.0, 1.5f, Colors.Gray, LinePattern.Dashed);
        line.LegendText = $"= {baseline} (1×)";
    }

    public static byte[] Png(Plot plot)
    {
        plot.ScaleFactor = PngScale;
        return plot.GetImageBytes(Width * PngScale, Height * PngScale, ImageFormat.Png);
    }

    public static string Svg(Plot plot)
    {
        plot.ScaleFactor = 1;
        string svg = plot.GetSvgXml(Width, Height);
        // Physical size, so that the figure lands in a document at the size its fonts were chosen for.
        return SvgSize().Replace(svg, string.Create(CultureInfo.InvariantCulture,
            $"<svg$1 width=\"{WidthInches}in\" height=\"{HeightInches}in\" viewBox=\"0 0 {Width} {Height}\""), 1);
    }

    [GeneratedRegex("""<svg([^>]*?) width="\d+" height="\d+"(?=[\s>])""")]
    private static partial Regex SvgSize();
}
