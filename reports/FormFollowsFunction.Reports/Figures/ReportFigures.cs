using System.Globalization;
using static System.FormattableString;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Statistics;
using FormFollowsFunction.Results;
using ScottPlot;

namespace FormFollowsFunction.Reports.Figures;

/// <summary>
/// Draws the report's figures from its data. Every family splits by measurement setting (threads,
/// batch, resolution) so that a line never joins cells measured differently, and by run where
/// several runs are combined. A family with nothing to draw is skipped with its reason, never drawn empty.
/// </summary>
internal static partial class ReportFigures
{
    /// <summary>What the error bars of these speed-ups are (paired launches or the rows' confidence bounds), for the caption.</summary>
    /// <summary>The error bars' caption, and how many bars the frame cuts (<see cref="FitSpeedups"/>).</summary>
    private static string SpeedupIntervalNote(IReadOnlyCollection<Speedup> speedups)
    {
        double top = SpeedupAxisTop(speedups);
        int cut = speedups.Count(s => s.Interval is { } ci && ci.High > top);
        return SpeedupIntervals.ErrorBarNote(speedups) + (cut == 0 ? "" : Invariant(
            $" {cut} error bar(s) run past the top of the frame, which stops at {SpeedupAxisHeadroom:0.#}x the largest speed-up (their intervals rest on few pairs; every bound is in tables/speedups.csv)."));
    }

    /// <summary>How far above the largest speed-up the frame reaches for error bars: an interval from two pairs of launches (t = 12.7) can span two decades and would flatten every other point.</summary>
    private const double SpeedupAxisHeadroom = 1.5;

    private static double SpeedupAxisTop(IReadOnlyCollection<Speedup> speedups) => SpeedupAxisHeadroom * speedups.Max(s => s.Value);

    /// <summary>A y axis from 0 over the speed-ups, 1 and their intervals, the intervals cut at <see cref="SpeedupAxisHeadroom"/> times the largest speed-up.</summary>
    private static void FitSpeedups(Plot plot, IReadOnlyCollection<Speedup> speedups)
    {
        double top = SpeedupAxisTop(speedups);
        FitY(plot, speedups.SelectMany(SpeedupExtent).Select(v => Math.Min(v, top)).Append(1.0), fromZero: true);
    }

    /// <summary>One plotted point, in plot coordinates (already log-transformed where the axis is logarithmic).</summary>
    private readonly record struct Point(double X, double Y, double? Low = null, double? High = null);

    /// <summary>Every figure family of the report, in report order (a property: the specs are static fields declared below it).</summary>
    private static IFigureSpec[] Specs =>
    [
        SpeedupVsDepth,
        SpeedupVsWidth,
        LatencyVsMacs,
        SpeedupVsMacs,
        SpeedupVsCacheRatio("weight", r => r.WeightL3Ratio, "weight_l3_ratio"),
        SpeedupVsCacheRatio("activation", r => r.ActivationL3Ratio, "activation_l3_ratio"),
        CacheMissesVsDepth("llc-misses", "LLC load misses per inference", r => r.LlcLoadMisses, "llc_load_misses", logY: true),
        CacheMissesVsDepth("llc-mpki", "LLC misses per 1000 instructions (MPKI)", r => r.LlcMpki, "llc_mpki", logY: false),
        ReferenceNetworks,
        UserNetworks,
        Roofline,
        LayerTimeShare,
        LayerSpeedup,
    ];

    public static FigureSet Build(ReportData data)
    {
        var set = new FigureSet();
        foreach (var spec in Specs) spec.AddTo(data, set);
        return set;
    }

    private static IEnumerable<Speedup> PatternSpeedups(ReportData data) =>
        data.Speedups.Speedups.Where(s => s is { IsPatternInstance: true, Depth: > 0, Width: not null });

    /// <summary>Speed-up figures other than vs depth say nothing when there are no speed-ups: vs depth has said why.</summary>
    private static FigureSkip? NoSpeedupsSilently(ReportData data) => data.Speedups.Speedups.Count == 0 ? FigureSkip.Silent : null;

    private static readonly FigureSpec<Speedup, (string Backend, double Width)> SpeedupVsDepth = new()
    {
        Family = "Speed-up vs depth",
        Before = data => data.Speedups.Speedups.Count > 0 ? null : new FigureSkip(NoSpeedupReason(data), "Speed-up figures (vs depth, width, MACs, working set)"),
        Cells = PatternSpeedups,
        WhenEmpty = _ => "no pattern cell (a network with a depth and width) has a speed-up; only reference networks were paired",
        Setting = s => s.Setting,
        Key = s => (s.Backend, s.Width!.Value),
        Name = f => $"speedup-vs-depth_{f.Key.Backend}_w{FormatWidth(f.Key.Width)}",
        Labels = f => ($"{f.Key.Backend} speed-up over {f.Data.BaselineBackend}, width {FormatWidth(f.Key.Width)}",
            "Depth (blocks; log₂ scale)", $"Speed-up over {f.Data.BaselineBackend} (×)"),
        Series = (plot, f) =>
        {
            var series = f.Cells.GroupBy(s => (s.Pattern, s.Run.RunId)).OrderBy(g => g.Key.Pattern).ThenBy(g => g.Key.RunId).ToList();
            for (int i = 0; i < series.Count; i++)
            {
                // Dodge series sideways by a few hundredths of a doubling so that error bars do not hide each other.
                double dodge = (i - (series.Count - 1) / 2.0) * 0.04;
                var points = series[i].OrderBy(s => s.Depth).Select(s => SpeedupPoint(Math.Log2(s.Depth!.Value) + dodge, s)).ToList();
                AddSeries(plot, SeriesLabel(f.Data, series[i].Key.Pattern, series[i].Key.RunId), StyleFor(f.Data, f.Data.PatternIndex(series[i].Key.Pattern), series[i].Key.RunId), points, lines: true);
            }
            PaperPlot.ParityLine(plot, f.Data.BaselineBackend);
        },
        Axes = (plot, f) =>
        {
            AxisTicks.Depths(plot.Axes.Bottom, f.Cells.Select(s => s.Depth!.Value));
            FitSpeedups(plot, f.Cells);
        },
        Heading = f => $"{f.Key.Backend} speed-up over {f.Data.BaselineBackend} vs depth, width {FormatWidth(f.Key.Width)} ({f.Setting})",
        Caption = f => $"Speed-up = {f.Data.BaselineBackend} median latency / {f.Key.Backend} median latency for the same network, {f.Setting}; one line per pattern; points dodged sideways for legibility. {SpeedupIntervalNote(f.Cells)}",
    };

    private static readonly FigureSpec<Speedup, (string Backend, string Pattern)> SpeedupVsWidth = new()
    {
        Family = "Speed-up vs width",
        Before = NoSpeedupsSilently,
        Cells = PatternSpeedups,
        WhenEmpty = _ => FigureSkip.Silent, // explained under speed-up vs depth
        After = (_, cells) => cells.Select(s => s.Width!.Value).Distinct().ToList() is { Count: < 2 } widths
            ? new FigureSkip($"only one width ({FormatWidth(widths[0])}) has speed-ups; a line over width needs two or more")
            : null,
        Setting = s => s.Setting,
        Key = s => (s.Backend, s.Pattern),
        Name = f => $"speedup-vs-width_{f.Key.Backend}_{f.Key.Pattern}",
        Labels = f => ($"{f.Key.Backend} speed-up over {f.Data.BaselineBackend}: {f.Key.Pattern}",
            "Width multiplier (channels × width)", $"Speed-up over {f.Data.BaselineBackend} (×)"),
        Series = (plot, f) =>
        {
            var depths = f.Cells.Select(s => s.Depth!.Value).Distinct().Order().ToList();
            var series = f.Cells.GroupBy(s => (Depth: s.Depth!.Value, s.Run.RunId)).OrderBy(g => g.Key.Depth).ThenBy(g => g.Key.RunId).ToList();
            double span = f.Cells.Max(s => s.Width!.Value) - f.Cells.Min(s => s.Width!.Value);
            for (int i = 0; i < series.Count; i++)
            {
                double dodge = (i - (series.Count - 1) / 2.0) * span * 0.012;
                var points = series[i].OrderBy(s => s.Width).Select(s => SpeedupPoint(s.Width!.Value + dodge, s)).ToList();
                string label = $"depth {series[i].Key.Depth}" + (f.Data.HasSeveralRuns ? $" · {series[i].Key.RunId}" : "");
                AddSeries(plot, label, StyleFor(f.Data, depths.IndexOf(series[i].Key.Depth), series[i].Key.RunId), points, lines: true);
            }
            PaperPlot.ParityLine(plot, f.Data.BaselineBackend);
        },
        Axes = (plot, f) =>
        {
            AxisTicks.AtValues(plot.Axes.Bottom, f.Cells.Select(s => s.Width!.Value), "0.0##");
            FitSpeedups(plot, f.Cells);
        },
        Heading = f => $"{f.Key.Backend} speed-up over {f.Data.BaselineBackend} vs width, {f.Key.Pattern} ({f.Setting})",
        Caption = f => $"Speed-up = {f.Data.BaselineBackend} median latency / {f.Key.Backend} median latency, pattern {f.Key.Pattern}, {f.Setting}; one line per depth. {SpeedupIntervalNote(f.Cells)}",
    };

    private static readonly FigureSpec<Measurement, string> LatencyVsMacs = new()
    {
        Family = "Median latency vs MACs",
        Cells = data => data.OkMeasurements.Where(m => m.Row.Macs > 0),
        WhenEmpty = data => data.OkMeasurements.Any()
            ? "no ok cell records its MACs (the macs column is empty or zero)"
            : "no cell has status ok, so there is no latency to plot",
        Setting = m => m.Setting,
        Key = _ => "",
        Name = _ => "latency-vs-macs",
        Labels = _ => ("Median latency vs MACs", "MACs per inference (multiply-accumulates; log scale)", "Median latency (ms; log scale)"),
        Series = (plot, f) =>
        {
            var series = f.Cells.GroupBy(m => (m.Row.Backend, m.Run.RunId)).OrderBy(g => f.Data.BackendIndex(g.Key.Backend)).ThenBy(g => g.Key.RunId).ToList();
            foreach (var s in series)
            {
                var points = s.OrderBy(m => m.Row.Macs).Select(m => LogPoint(m.Row.Macs!.Value, m.Row.MedianMs!.Value, m.Row.Ci95LowMs, m.Row.Ci95HighMs)).ToList();
                AddSeries(plot, SeriesLabel(f.Data, s.Key.Backend, s.Key.RunId), StyleFor(f.Data, f.Data.BackendIndex(s.Key.Backend), s.Key.RunId), points, lines: false);
            }
        },
        Axes = (plot, f) =>
        {
            AxisTicks.Logarithmic(plot.Axes.Bottom, f.Cells.Min(m => m.Row.Macs!.Value), f.Cells.Max(m => m.Row.Macs!.Value), AxisTicks.SiCount);
            AxisTicks.Logarithmic(plot.Axes.Left,
                f.Cells.Min(m => m.Row.Ci95LowMs is > 0 ? Math.Min(m.Row.Ci95LowMs.Value, m.Row.MedianMs!.Value) : m.Row.MedianMs!.Value),
                f.Cells.Max(m => Math.Max(m.Row.Ci95HighMs ?? 0, m.Row.MedianMs!.Value)), AxisTicks.Plain);
        },
        Heading = f => $"Median latency vs MACs, every backend and cell ({f.Setting})",
        Caption = f => $"Median wall-clock latency per inference against the network's analytic multiply-accumulate count (MACs, not FLOPs), log-log, every ok cell, {f.Setting}. Error bars: 95% confidence interval of the median.",
    };

    private static readonly FigureSpec<Speedup, string> SpeedupVsMacs = new()
    {
        Family = "Speed-up vs MACs",
        Before = NoSpeedupsSilently,
        Cells = data => data.Speedups.Speedups.Where(s => s.Accelerated.Macs > 0),
        WhenEmpty = _ => "no paired cell records its MACs (the macs column is empty or zero)",
        Setting = s => s.Setting,
        Key = s => s.Backend,
        Name = f => $"speedup-vs-macs_{f.Key}",
        Labels = f => ($"{f.Key} speed-up over {f.Data.BaselineBackend} vs MACs",
            "MACs per inference (multiply-accumulates; log scale)", $"Speed-up over {f.Data.BaselineBackend} (×)"),
        Series = (plot, f) =>
        {
            AddByFamily(f.Data, plot, f.Cells, s => Math.Log10(s.Accelerated.Macs!.Value));
            PaperPlot.ParityLine(plot, f.Data.BaselineBackend);
        },
        Axes = (plot, f) =>
        {
            AxisTicks.Logarithmic(plot.Axes.Bottom, f.Cells.Min(s => s.Accelerated.Macs!.Value), f.Cells.Max(s => s.Accelerated.Macs!.Value), AxisTicks.SiCount);
            FitSpeedups(plot, f.Cells);
        },
        Heading = f => $"{f.Key} speed-up over {f.Data.BaselineBackend} vs MACs ({f.Setting})",
        Caption = f => $"Speed-up against the network's analytic MAC count, one marker per cell, {f.Setting}. {SpeedupIntervalNote(f.Cells)}",
    };

    private static FigureSpec<Speedup, string> SpeedupVsCacheRatio(string what, Func<ResultRow, double?> ratio, string column) => new()
    {
        Family = $"Speed-up vs {what} working set / L3",
        Before = NoSpeedupsSilently,
        Cells = data => data.Speedups.Speedups.Where(s => ratio(s.Accelerated) is > 0),
        WhenEmpty = _ => $"the {column} column is empty in every paired cell (the run did not know the machine's L3 size)",
        Setting = s => s.Setting,
        Key = s => s.Backend,
        Name = f => $"speedup-vs-{what}-l3_{f.Key}",
        Labels = f => ($"{f.Key} speed-up vs {what} bytes / L3",
            $"{Capitalise(what)} bytes / L3 size (ratio; log scale)", $"Speed-up over {f.Data.BaselineBackend} (×)"),
        Series = (plot, f) =>
        {
            AddByFamily(f.Data, plot, f.Cells, s => Math.Log10(ratio(s.Accelerated)!.Value));
            var fits = plot.Add.VerticalLine(0, 1.5f, Colors.Gray, LinePattern.Dotted);
            fits.LegendText = "= L3 size";
            PaperPlot.ParityLine(plot, f.Data.BaselineBackend);
        },
        Axes = (plot, f) =>
        {
            double min = f.Cells.Min(s => ratio(s.Accelerated)!.Value), max = f.Cells.Max(s => ratio(s.Accelerated)!.Value);
            AxisTicks.Logarithmic(plot.Axes.Bottom, Math.Min(min, 1.0), Math.Max(max, 1.0), AxisTicks.Plain);
            FitSpeedups(plot, f.Cells);
        },
        Heading = f => $"{f.Key} speed-up vs {what} working set relative to L3 ({f.Setting})",
        Caption = f => $"Speed-up against {column} ({what} bytes of the network / last-level cache size of the machine), {f.Setting}; the dotted line marks a working set equal to L3. {SpeedupIntervalNote(f.Cells)}",
    };

    private static FigureSpec<Measurement, string> CacheMissesVsDepth(string name, string quantity, Func<ResultRow, double?> value, string column, bool logY)
    {
        static IEnumerable<Measurement> PatternCells(ReportData data) => data.OkMeasurements.Where(m => !m.IsUserNetwork && m.Row is { Depth: > 0, Width: not null });
        return new()
        {
            Family = $"{quantity} vs depth",
            Cells = data => PatternCells(data).Where(m => value(m.Row) is > 0 || (value(m.Row) is 0 && !logY)),
            WhenEmpty = data =>
            {
                var patternCells = PatternCells(data).ToList();
                var reasons = patternCells.Select(m => m.Row.CountersStatus).Where(s => !string.IsNullOrWhiteSpace(s))
                    .GroupBy(s => s).OrderByDescending(g => g.Count()).Select(g => g.Key).Take(2).ToList();
                return patternCells.Count == 0
                    ? "no ok pattern cell to plot"
                    : $"the {column} column is empty in every ok pattern cell" + (reasons.Count > 0 ? $"; counters_status says: {string.Join("; ", reasons)}" : "");
            },
            Setting = m => m.Setting,
            Key = m => m.Row.Pattern,
            Name = f => $"{name}-vs-depth_{f.Key}",
            Labels = f => ($"{quantity}: {f.Key}", "Depth (blocks; log₂ scale)", quantity + (logY ? " (log scale)" : "")),
            Series = (plot, f) =>
            {
                var data = f.Data;
                var series = f.Cells.GroupBy(m => (m.Row.Backend, Width: m.Row.Width!.Value, m.Run.RunId))
                    .OrderBy(g => data.BackendIndex(g.Key.Backend)).ThenBy(g => g.Key.Width).ThenBy(g => g.Key.RunId).ToList();
                var widths = f.Cells.Select(m => m.Row.Width!.Value).Distinct().Order().ToList();
                for (int i = 0; i < series.Count; i++)
                {
                    var (backend, width, runId) = series[i].Key;
                    double dodge = (i - (series.Count - 1) / 2.0) * 0.03;
                    var points = series[i].OrderBy(m => m.Row.Depth)
                        .Select(m => new Point(Math.Log2(m.Row.Depth!.Value) + dodge, logY ? Math.Log10(value(m.Row)!.Value) : value(m.Row)!.Value))
                        .ToList();
                    string label = widths.Count > 1 ? $"{backend}, w{FormatWidth(width)}" : backend;
                    if (data.HasSeveralRuns) label += $" · {runId}";
                    // Colour tells the backend; the widest width has filled markers, narrower ones open (and dashed,
                    // unless line patterns already tell runs apart).
                    bool widest = width == widths[^1];
                    int colour = data.BackendIndex(backend);
                    var line = data.HasSeveralRuns ? StyleFor(data, colour, runId).Line : widest ? LinePattern.Solid : LinePattern.Dashed;
                    AddSeries(plot, label, new SeriesStyle(colour, PaperPlot.MarkerOf(colour % 4 + (widest ? 0 : 4)), line), points, lines: true);
                }
            },
            Axes = (plot, f) =>
            {
                AxisTicks.Depths(plot.Axes.Bottom, f.Cells.Select(m => m.Row.Depth!.Value));
                if (logY)
                    AxisTicks.Logarithmic(plot.Axes.Left, f.Cells.Min(m => value(m.Row)!.Value), f.Cells.Max(m => value(m.Row)!.Value), AxisTicks.SiCount);
                else
                    FitY(plot, f.Cells.Select(m => value(m.Row)!.Value), fromZero: true);
            },
            Heading = f => $"{quantity} vs depth, {f.Key} ({f.Setting})",
            Caption = f =>
            {
                string missing = PatternCells(f.Data).Count(m => m.Row.Pattern == f.Key && m.Setting == f.Setting) > f.Cells.Count
                    ? $" Cells of this pattern without {column} are left out."
                    : "";
                return $"{quantity} ({column}), per inference over the measured iterations, read from hardware counters around the timed region, pattern {f.Key}, {f.Setting}; colour: backend; solid lines and filled markers: the widest width, dashed and open: narrower.{missing}";
            },
        };
    }

    private static readonly FigureSpec<Measurement, string> ReferenceNetworks = new()
    {
        Family = "Reference networks",
        Cells = data => data.OkMeasurements.Where(m => m.IsReferenceNetwork),
        WhenEmpty = data => data.Measurements.Any(m => m.IsReferenceNetwork)
            ? "no reference-network cell has status ok"
            : "the runs measured no reference network (resnet50, mobilenetv2, ...)",
        Setting = m => m.Setting,
        Key = _ => "",
        Name = _ => "reference-latency",
        Labels = _ => ("Reference networks: latency per backend", "Network", "Median latency (ms)"),
        Series = (plot, f) => LatencyBars(plot, f, f.Data.Measurements.Where(m => m.IsReferenceNetwork)),
        Axes = (_, _) => { }, // set by the bars, which know their label room
        Heading = f => $"Reference networks: median latency per backend ({f.Setting})",
        Caption = f => $"Median latency per inference of each reference network on each backend, {f.Setting}; error bars: 95% confidence interval of the median; labels: speed-up over {f.Data.BaselineBackend} (ratio of medians); a cell without a valid measurement shows its status in place of its bar.",
    };

    private static readonly FigureSpec<Measurement, string> UserNetworks = new()
    {
        Family = "User networks",
        Cells = data => data.OkMeasurements.Where(m => m.IsUserNetwork),
        // A report without user models has nothing to explain; one whose user models all failed does.
        WhenEmpty = data => data.Measurements.Any(m => m.IsUserNetwork) ? "no user-network cell has status ok" : FigureSkip.Silent,
        Setting = m => m.Setting,
        Key = _ => "",
        Name = _ => "user-latency",
        Labels = _ => ("User networks: latency per backend", "Network (model id)", "Median latency (ms)"),
        Series = (plot, f) => LatencyBars(plot, f, f.Data.Measurements.Where(m => m.IsUserNetwork)),
        Axes = (_, _) => { },
        Heading = f => $"User networks: median latency per backend ({f.Setting})",
        Caption = f => $"Median latency per inference of each user network (named by its model id) on each backend, {f.Setting}; error bars: 95% confidence interval of the median; labels: speed-up over {f.Data.BaselineBackend}; a cell without a valid measurement shows its status in place of its bar.",
    };

    /// <summary>
    /// Grouped bars: one group per network of the figure's ok cells, one bar per backend (and run), the
    /// speed-up over the baseline above the accelerated bars, a failed cell's status in place of its bar.
    /// <paramref name="family"/> holds every row of the family, failed ones included.
    /// </summary>
    private static void LatencyBars(Plot plot, FigureGroup<Measurement, string> f, IEnumerable<Measurement> family)
    {
        var data = f.Data;
        var setting = f.Setting;
        var networks = f.Cells.Select(m => m.Row.Model).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        // Bars for ok cells; a failed cell keeps its slot and shows its status, so a missing bar is never silent.
        var all = family.Where(m => m.Setting == setting && networks.Contains(m.Row.Model)).ToList();
        var groups = all.GroupBy(m => (m.Row.Backend, m.Run.RunId)).OrderBy(g => data.BackendIndex(g.Key.Backend)).ThenBy(g => g.Key.RunId).ToList();
        double barWidth = 0.8 / groups.Count;
        // About 430 of the 650 layout units are data area; a "12.3×" label at 10 units needs about 26 of them.
        bool verticalLabels = 430.0 / networks.Count * barWidth < 26;
        double top = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            var (backend, runId) = groups[g].Key;
            var color = PaperPlot.ColorOf(data.BackendIndex(backend));
            // Colour tells the backend; a second (third, ...) run's bars are hatched.
            bool hatched = RunIndex(data, runId) > 0;
            var bars = new List<Bar>();
            var xs = new List<double>(); var ys = new List<double>(); var up = new List<double>(); var down = new List<double>();
            foreach (var m in groups[g])
            {
                double x = networks.IndexOf(m.Row.Model) - 0.4 + barWidth * (g + 0.5);
                if (!(m.Row.IsOk && m.Row.MedianMs > 0))
                {
                    var status = plot.Add.Text(m.Row.IsOk ? "no median" : m.Row.Status, x, 0);
                    status.LabelFontSize = 9;
                    status.LabelFontColor = color;
                    status.LabelRotation = -90;
                    status.LabelAlignment = Alignment.MiddleLeft;
                    status.OffsetY = -4;
                    continue;
                }
                double median = m.Row.MedianMs!.Value;
                var bar = new Bar { Position = x, Value = median, Size = barWidth * 0.92, FillColor = color, LineWidth = hatched ? 1 : 0, LineColor = color };
                if (hatched)
                {
                    // A pale fill under the stripes keeps the legend swatch (which shows the fill) recognisable.
                    bar.FillColor = color.WithAlpha(0.35);
                    bar.FillHatch = new ScottPlot.Hatches.Striped();
                    bar.FillHatchColor = color;
                }
                bars.Add(bar);
                double high = Math.Max(median, m.Row.Ci95HighMs ?? median);
                if (m.Row is { Ci95LowMs: { } lo, Ci95HighMs: { } hi })
                {
                    xs.Add(x); ys.Add(median); up.Add(Math.Max(0, hi - median)); down.Add(Math.Max(0, median - lo));
                }
                top = Math.Max(top, high);
                var speedup = data.Speedups.Speedups.FirstOrDefault(s => s.Run == m.Run && s.Accelerated == m.Row);
                if (speedup is not null)
                {
                    var label = plot.Add.Text(speedup.Value.ToString("0.0", CultureInfo.InvariantCulture) + "×", x, high);
                    label.LabelFontSize = 10;
                    if (verticalLabels)
                    {
                        label.LabelRotation = -90;
                        label.LabelAlignment = Alignment.MiddleLeft;
                    }
                    else
                    {
                        label.LabelAlignment = Alignment.LowerCenter;
                    }
                    label.OffsetY = -3;
                }
            }
            if (bars.Count == 0) continue;
            var barPlot = plot.Add.Bars(bars);
            barPlot.LegendText = SeriesLabel(data, backend, runId);
            if (xs.Count > 0) AddErrorBars(plot, xs, ys, up, down, Colors.Black);
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < networks.Count; i++) ticks.AddMajor(i, networks[i]);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimitsX(-0.6, networks.Count - 0.4);
        // Room above the tallest bar for its speed-up label.
        plot.Axes.SetLimitsY(0, top * (verticalLabels ? 1.22 : 1.15));
        plot.HideGrid();
    }

    // ---- shared pieces ---------------------------------------------------------------------

    private static string NoSpeedupReason(ReportData data) =>
        !data.HasBaseline
            ? $"the runs have no {data.BaselineBackend} cells, so no speed-up over it can be computed (backends present: {data.BackendList}; choose another with --baseline)"
            : data.Backends.Count < 2
                ? $"only the baseline backend {data.BaselineBackend} was measured"
                : $"no ok accelerated cell has an ok {data.BaselineBackend} cell of the same model and setting";

    /// <summary>
    /// Pattern cells as one series per pattern, reference networks as one series, and each user network as
    /// a series of its own named by its model id (after the others), for the scatter figures.
    /// </summary>
    private static void AddByFamily(ReportData data, Plot plot, IEnumerable<Speedup> cells, Func<Speedup, double> x)
    {
        const string reference = NetworkGroups.ReferenceNetworks;
        var series = cells.GroupBy(s => (Family: s.IsUserNetwork ? s.Model : s.IsReferenceNetwork ? reference : s.Pattern, User: s.IsUserNetwork, s.Run.RunId))
            .OrderBy(g => g.Key.User ? 2 : g.Key.Family == reference ? 1 : 0).ThenBy(g => g.Key.Family).ThenBy(g => g.Key.RunId);
        foreach (var s in series)
        {
            int colour = s.Key.User ? data.UserNetworkIndex(s.Key.Family) : s.Key.Family == reference ? data.Patterns.Count : data.PatternIndex(s.Key.Family);
            var points = s.OrderBy(x).Select(c => SpeedupPoint(x(c), c)).ToList();
            AddSeries(plot, SeriesLabel(data, s.Key.Family, s.Key.RunId), StyleFor(data, colour, s.Key.RunId), points, lines: false);
        }
    }

    /// <summary>How a series looks: colour (by palette index), marker and line pattern.</summary>
    private readonly record struct SeriesStyle(int Colour, MarkerShape Marker, LinePattern Line);

    private static readonly LinePattern[] RunLines = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>
    /// The colour says which pattern / backend / depth a series is, and stays the same across runs;
    /// with several runs, the line pattern says which run, and every other run has open markers.
    /// </summary>
    private static SeriesStyle StyleFor(ReportData data, int index, string runId)
    {
        if (!data.HasSeveralRuns) return new SeriesStyle(index, PaperPlot.MarkerOf(index), LinePattern.Solid);
        int run = RunIndex(data, runId);
        return new SeriesStyle(index, PaperPlot.MarkerOf(index % 4 + (run % 2 == 1 ? 4 : 0)), RunLines[run % RunLines.Length]);
    }

    private static void AddSeries(Plot plot, string label, SeriesStyle style, IReadOnlyList<Point> points, bool lines)
    {
        var color = PaperPlot.ColorOf(style.Colour);
        var withInterval = points.Where(p => p.Low is not null && p.High is not null).ToList();
        if (withInterval.Count > 0)
            AddErrorBars(plot,
                withInterval.Select(p => p.X).ToList(), withInterval.Select(p => p.Y).ToList(),
                withInterval.Select(p => Math.Max(0, p.High!.Value - p.Y)).ToList(),
                withInterval.Select(p => Math.Max(0, p.Y - p.Low!.Value)).ToList(), color);
        var scatter = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), color);
        scatter.LegendText = label;
        scatter.MarkerShape = style.Marker;
        scatter.MarkerSize = 7;
        scatter.LineWidth = lines ? 1.5f : 0;
        scatter.LinePattern = style.Line;
    }

    private static void AddErrorBars(Plot plot, List<double> xs, List<double> ys, List<double> up, List<double> down, Color color)
    {
        var bars = plot.Add.ErrorBar(xs, ys, up);
        bars.YErrorPositive = up;
        bars.YErrorNegative = down;
        bars.Color = color;
        bars.LineWidth = 1;
        bars.CapSize = 4;
    }

    private static Point SpeedupPoint(double x, Speedup s) =>
        s.Interval is { } ci ? new Point(x, s.Value, ci.Low, ci.High) : new Point(x, s.Value);

    private static Point LogPoint(double x, double y, double? low, double? high) =>
        low is > 0 && high is > 0
            ? new Point(Math.Log10(x), Math.Log10(y), Math.Log10(low.Value), Math.Log10(high.Value))
            : new Point(Math.Log10(x), Math.Log10(y));

    private static IEnumerable<double> SpeedupExtent(Speedup s) =>
        s.Interval is { } ci ? [s.Value, ci.Low, ci.High] : [s.Value];

    /// <summary>A linear y axis over the values with a margin; from zero when asked (ratios read against 0 and 1).</summary>
    private static void FitY(Plot plot, IEnumerable<double> values, bool fromZero)
    {
        var list = values.Where(double.IsFinite).ToList();
        double max = list.Max(), min = fromZero ? 0 : list.Min();
        double pad = (max - min) * 0.08;
        if (pad == 0) pad = Math.Max(Math.Abs(max) * 0.1, 0.1);
        plot.Axes.SetLimitsY(fromZero ? 0 : min - pad, max + pad);
    }

    private static string SeriesLabel(ReportData data, string name, string runId) =>
        data.HasSeveralRuns ? $"{name} · {runId}" : name;

    private static int RunIndex(ReportData data, string runId)
    {
        for (int i = 0; i < data.Runs.Count; i++)
            if (data.Runs[i].RunId == runId) return i;
        return 0;
    }

    private static string FormatWidth(double width) => width.ToString("0.0##", CultureInfo.InvariantCulture);

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
