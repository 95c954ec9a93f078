using FormFollowsFunction.Reports.Input;
using ScottPlot;

namespace FormFollowsFunction.Reports.Figures;

/// <summary>
/// Why a figure family is not drawn. <see cref="Reason"/> null means "say nothing": another family
/// has already given the same reason (the speed-up figures share one). <see cref="Family"/> replaces
/// the spec's own family name where the reason covers several families.
/// </summary>
internal sealed record FigureSkip(string? Reason, string? Family = null)
{
    public static FigureSkip Silent { get; } = new((string?)null);

    public static implicit operator FigureSkip(string reason) => new(reason);
}

/// <summary>
/// The cells of one figure: its key (backend, pattern, ...), its setting (default for a family that
/// spans settings, see <see cref="FigureSpec{TCell, TKey}.Setting"/>), and the report's data.
/// </summary>
internal sealed record FigureGroup<TCell, TKey>(ReportData Data, TKey Key, MeasurementSetting Setting, IReadOnlyList<TCell> Cells);

/// <summary>A figure family the report can draw; <see cref="FigureSpec{TCell, TKey}"/> is the only kind.</summary>
internal interface IFigureSpec
{
    void AddTo(ReportData data, FigureSet set);
}

/// <summary>
/// One figure family, declared rather than programmed: which cells it draws (filter), why it is not
/// drawn (skip), how the cells split into figures (key, and always the measurement setting, so that no
/// figure mixes cells measured differently), and the steps of each figure: plot with title and axis
/// labels, series, ticks, fit, and the draft with file name, heading and caption. The pipeline in
/// <see cref="AddTo"/> runs these steps in the same order for every family, so a new figure is a spec
/// of a few lines and the shared behaviour (legend outside, setting in file names, skip instead of an
/// empty figure) cannot be forgotten.
/// </summary>
internal sealed class FigureSpec<TCell, TKey> : IFigureSpec where TKey : notnull
{
    /// <summary>The family's name in "Figures not drawn".</summary>
    public required string Family { get; init; }

    /// <summary>Filter: the cells this family draws.</summary>
    public required Func<ReportData, IEnumerable<TCell>> Cells { get; init; }

    /// <summary>Null to draw; otherwise why not (checked before <see cref="WhenEmpty"/>, for reasons that do not depend on the cells).</summary>
    public Func<ReportData, FigureSkip?> Before { get; init; } = _ => null;

    /// <summary>Why nothing is drawn when <see cref="Cells"/> selects no cell.</summary>
    public required Func<ReportData, FigureSkip> WhenEmpty { get; init; }

    /// <summary>Null to draw; otherwise why the selected cells still make no figure (for example a single width).</summary>
    public Func<ReportData, IReadOnlyList<TCell>, FigureSkip?> After { get; init; } = (_, _) => null;

    /// <summary>
    /// The measurement setting of a cell: one figure per setting, named after it when the report has several.
    /// Null for a family whose figures span settings on purpose (the roofline draws one roof per thread
    /// count); its key then says what splits it and its name must tell the figures apart.
    /// </summary>
    public required Func<TCell, MeasurementSetting>? Setting { get; init; }

    /// <summary>Group: one figure per distinct key (and setting), in key order, then setting order.</summary>
    public required Func<TCell, TKey> Key { get; init; }

    /// <summary>File name stem; the pipeline adds the setting when the report has several and makes it safe.</summary>
    public required Func<FigureGroup<TCell, TKey>, string> Name { get; init; }

    /// <summary>Plot title, x-axis label, y-axis label (with units).</summary>
    public required Func<FigureGroup<TCell, TKey>, (string Title, string X, string Y)> Labels { get; init; }

    /// <summary>Plot: the series (and any reference lines).</summary>
    public required Action<Plot, FigureGroup<TCell, TKey>> Series { get; init; }

    /// <summary>Ticks and fit: axis tick generators and limits.</summary>
    public required Action<Plot, FigureGroup<TCell, TKey>> Axes { get; init; }

    /// <summary>The heading of the figure in the report (the pipeline does not add the setting: headings differ in where they put it).</summary>
    public required Func<FigureGroup<TCell, TKey>, string> Heading { get; init; }

    public required Func<FigureGroup<TCell, TKey>, string> Caption { get; init; }

    public void AddTo(ReportData data, FigureSet set)
    {
        if (Before(data) is { } before)
        {
            Skip(set, before);
            return;
        }
        var cells = Cells(data).ToList();
        if (cells.Count == 0)
        {
            Skip(set, WhenEmpty(data));
            return;
        }
        if (After(data, cells) is { } after)
        {
            Skip(set, after);
            return;
        }
        var figures = cells.GroupBy(c => (Key: Key(c), Setting: Setting?.Invoke(c) ?? default))
            .OrderBy(g => g.Key.Key).ThenBy(g => g.Key.Setting).ToList();
        // The report's timed cells decide as before; cells that are not timed cells (per-layer profiles) may hold settings of their own.
        bool severalSettings = data.HasSeveralSettings || figures.Select(g => g.Key.Setting).Distinct().Count() > 1;
        foreach (var figure in figures)
        {
            var group = new FigureGroup<TCell, TKey>(data, figure.Key.Key, figure.Key.Setting, figure.ToList());
            var (title, x, y) = Labels(group);
            var plot = PaperPlot.Create(title, x, y);
            Series(plot, group);
            Axes(plot, group);
            PaperPlot.LegendOutside(plot);
            string name = Setting is null ? Safe(Name(group)) : Slug(Name(group), group.Setting, severalSettings);
            set.Drafts.Add(new FigureDraft(name, Heading(group), Caption(group), plot));
        }
    }

    private void Skip(FigureSet set, FigureSkip skip)
    {
        if (skip.Reason is not null) set.Skipped.Add(new SkippedFigure(skip.Family ?? Family, skip.Reason));
    }

    /// <summary>A file name stem safe on every file system; the setting is added when there are several.</summary>
    private static string Slug(string stem, MeasurementSetting setting, bool severalSettings) =>
        Safe(severalSettings ? $"{stem}_{setting.Slug}" : stem);

    private static string Safe(string name) =>
        string.Concat(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-'));
}
