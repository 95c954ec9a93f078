using ScottPlot;

namespace FormFollowsFunction.Reports.Figures;

/// <summary>A figure ready to render: its file name stem, title, and the caption a paper would print under it.</summary>
public sealed class FigureDraft(string name, string title, string caption, Plot plot) : IDisposable
{
    /// <summary>File name stem: <c>figures/{Name}.png</c> and <c>.svg</c>.</summary>
    public string Name { get; } = name;

    public string Title { get; } = title;

    public string Caption { get; } = caption;

    internal Plot Plot { get; } = plot;

    public void Dispose() => Plot.Dispose();
}

/// <summary>A figure (or a family of figures) that was not drawn, with the reason a reader needs.</summary>
public sealed record SkippedFigure(string Figure, string Reason);

/// <summary>The figures of a report: those drawn and those skipped, in report order.</summary>
public sealed class FigureSet : IDisposable
{
    public List<FigureDraft> Drafts { get; } = [];

    public List<SkippedFigure> Skipped { get; } = [];

    public void Dispose()
    {
        foreach (var draft in Drafts) draft.Dispose();
    }
}
