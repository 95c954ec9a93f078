using FormFollowsFunction.Reports.Figures;
using FormFollowsFunction.Reports.Statistics;

namespace FormFollowsFunction.Reports;

/// <summary>Image formats a report writes its figures in.</summary>
[Flags]
public enum FigureFormats
{
    /// <summary>PNG at 300 dpi for 6.5 × 4 in: for looking and for the HTML report.</summary>
    Png = 1,
    /// <summary>SVG with physical size: for papers.</summary>
    Svg = 2,
    Both = Png | Svg,
}

/// <summary>How <see cref="ReportGenerator"/> builds a report.</summary>
public sealed record ReportOptions
{
    /// <summary>The backend every speed-up is relative to; native TorchSharp unless told otherwise.</summary>
    public string BaselineBackend { get; init; } = SpeedupPairing.DefaultBaseline;

    public FigureFormats Formats { get; init; } = FigureFormats.Both;

    /// <summary>Parses "png,svg" (any order, any case); the message of the exception names the accepted values.</summary>
    public static FigureFormats ParseFormats(string text)
    {
        FigureFormats formats = 0;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            formats |= part.ToLowerInvariant() switch
            {
                "png" => FigureFormats.Png,
                "svg" => FigureFormats.Svg,
                _ => throw new ReportInputException($"unknown figure format '{part}'; use png, svg or png,svg"),
            };
        }
        return formats == 0 ? throw new ReportInputException("no figure format given; use png, svg or png,svg") : formats;
    }
}

/// <summary>What a report produced: where, which files, which figures were drawn or skipped and why, and the headline findings.</summary>
public sealed record ReportOutcome(
    string OutputFolder,
    IReadOnlyList<string> Files,
    IReadOnlyList<string> Figures,
    IReadOnlyList<SkippedFigure> SkippedFigures,
    IReadOnlyList<string> Headlines,
    IReadOnlyList<string> Warnings);
