using System.Globalization;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Statistics;
using ScottPlot;

namespace FormFollowsFunction.Reports.Figures;

/// <summary>
/// The figures that explain speed-ups rather than state them: the roofline of every cell against the
/// machine's measured peaks, and the per-layer profiles (time share by layer type, speed-up per layer type).
/// </summary>
internal static partial class ReportFigures
{
    private static bool HasRoofline(Measurement m) =>
        m.Row is { AchievedGflops: > 0, ArithmeticIntensity: > 0, PeakGflops: > 0, PeakBandwidthGbs: > 0 };

    /// <summary>Palette index and legend name of a cell's network group: its pattern, "reference networks", or the user model's id.</summary>
    private static (int Index, string Name) GroupOf(ReportData data, Measurement m) =>
        m.IsUserNetwork ? (data.UserNetworkIndex(m.Row.Model), m.Row.Model)
        : m.IsReferenceNetwork ? (data.Patterns.Count, NetworkGroups.ReferenceNetworks)
        : (data.PatternIndex(m.Row.Pattern), m.Row.Pattern);

    private static readonly FigureSpec<Measurement, (int Batch, int Resolution)> Roofline = new()
    {
        Family = "Roofline",
        Cells = data => data.OkMeasurements.Where(HasRoofline),
        WhenEmpty = data => data.OkMeasurements.Any()
            ? "the roofline columns (achieved_gflops, arithmetic_intensity, peak_gflops, peak_bandwidth_gbs) are empty in every ok cell: the run predates the machine probe, or the probe did not run"
            : "no cell has status ok, so there is no achieved GFLOP/s to plot",
        // One figure spans thread counts: each thread count gets its own roof.
        Setting = null,
        Key = m => (m.Row.Batch, m.Row.Resolution),
        Name = f => f.Data.Settings.Select(s => (s.Batch, s.Resolution)).Distinct().Count() > 1
            ? $"roofline_b{f.Key.Batch}_r{f.Key.Resolution}"
            : "roofline",
        Labels = _ => ("Roofline: achieved vs attainable GFLOP/s", "Arithmetic intensity (FLOP/byte; log scale)", "Achieved GFLOP/s (log scale)"),
        Series = (plot, f) =>
        {
            var data = f.Data;
            var (lo, hi) = RooflineRange(f.Cells);
            var threads = f.Cells.Select(m => m.Row.Threads).Distinct().Order().ToList();
            for (int i = 0; i < threads.Count; i++)
            {
                var atThreads = f.Cells.Where(m => m.Row.Threads == threads[i]).ToList();
                double peak = atThreads.Max(m => m.Row.PeakGflops!.Value), bandwidth = atThreads.Max(m => m.Row.PeakBandwidthGbs!.Value);
                double ridge = peak / bandwidth;
                double[] xs = ridge > lo && ridge < hi ? [lo, ridge, hi] : [lo, hi];
                var roof = plot.Add.Scatter(xs.Select(Math.Log10).ToArray(), xs.Select(x => Math.Log10(Math.Min(peak, x * bandwidth))).ToArray(), Colors.DimGray);
                roof.MarkerSize = 0;
                roof.LineWidth = 1.5f;
                roof.LinePattern = RoofLine(i);
                roof.LegendText = Invariant($"roof, {threads[i]} thr: {peak:0.#} GFLOP/s, {bandwidth:0.#} GB/s");
            }
            // Colour: backend; marker: pattern (or network group). The legend lists each once.
            foreach (var cells in f.Cells.GroupBy(m => (m.Row.Backend, Group: GroupOf(data, m))))
            {
                var scatter = plot.Add.Scatter(
                    cells.Select(m => Math.Log10(m.Row.ArithmeticIntensity!.Value)).ToArray(),
                    cells.Select(m => Math.Log10(m.Row.AchievedGflops!.Value)).ToArray(),
                    PaperPlot.ColorOf(data.BackendIndex(cells.Key.Backend)));
                scatter.LineWidth = 0;
                scatter.MarkerSize = 7;
                scatter.MarkerShape = PaperPlot.MarkerOf(cells.Key.Group.Index);
            }
            foreach (var backend in f.Cells.Select(m => m.Row.Backend).Distinct().OrderBy(data.BackendIndex))
                plot.Legend.ManualItems.Add(new LegendItem
                {
                    LabelText = backend, MarkerShape = MarkerShape.FilledSquare, MarkerSize = 9, LineWidth = 0,
                    MarkerFillColor = PaperPlot.ColorOf(data.BackendIndex(backend)), MarkerLineColor = PaperPlot.ColorOf(data.BackendIndex(backend)),
                });
            foreach (var group in f.Cells.Select(m => GroupOf(data, m)).Distinct().OrderBy(g => g.Index))
                plot.Legend.ManualItems.Add(new LegendItem
                {
                    LabelText = group.Name, MarkerShape = PaperPlot.MarkerOf(group.Index), MarkerSize = 7, LineWidth = 0,
                    MarkerFillColor = Colors.Black, MarkerLineColor = Colors.Black,
                });
        },
        Axes = (plot, f) =>
        {
            var (lo, hi) = RooflineRange(f.Cells);
            AxisTicks.Logarithmic(plot.Axes.Bottom, lo, hi, AxisTicks.Plain);
            double bottom = f.Cells.Min(m => m.Row.AchievedGflops!.Value);
            double top = f.Cells.Max(m => Math.Max(m.Row.PeakGflops!.Value, m.Row.AchievedGflops!.Value));
            AxisTicks.Logarithmic(plot.Axes.Left, Math.Min(bottom, lo * f.Cells.Min(m => m.Row.PeakBandwidthGbs!.Value)), top, AxisTicks.Plain);
        },
        Heading = f => $"Roofline: every cell against this machine's measured peaks (batch {f.Key.Batch}, {f.Key.Resolution}×{f.Key.Resolution} px)",
        Caption = f =>
        {
            int above = f.Cells.Count(m => m.Row.AchievedGflops > Attainable(m) * 1.0000001);
            var threads = f.Cells.Select(m => m.Row.Threads).Distinct().Order().ToList();
            return $"Achieved GFLOP/s (flops / median latency) against arithmetic intensity (flops / (weight + activation bytes)), log-log, every ok cell, batch {f.Key.Batch}, {f.Key.Resolution}×{f.Key.Resolution} px, "
                + $"{string.Join(", ", threads)} thread(s); colour: backend, marker: pattern. Roofs: min(peak GFLOP/s, intensity × bandwidth GB/s) from the machine probe at each thread count (line pattern). "
                + (above == 0 ? "No cell lies above its roof." : $"{above} of {f.Cells.Count} cells lie above their roof (roofline_fraction > 1): the probe underestimates a peak, or the flop or byte count is off.");
        },
    };

    /// <summary>Line pattern of the roof of the i-th thread count (solid for the fewest threads).</summary>
    private static LinePattern RoofLine(int i) => (i % 4) switch
    {
        0 => LinePattern.Solid,
        1 => LinePattern.Dashed,
        2 => LinePattern.Dotted,
        _ => LinePattern.DenselyDashed,
    };

    /// <summary>The attainable GFLOP/s of a cell: min(peak, intensity × bandwidth).</summary>
    private static double Attainable(Measurement m) =>
        Math.Min(m.Row.PeakGflops!.Value, m.Row.ArithmeticIntensity!.Value * m.Row.PeakBandwidthGbs!.Value);

    /// <summary>The intensity range to draw: the cells and every ridge point, with room on both sides.</summary>
    private static (double Low, double High) RooflineRange(IReadOnlyList<Measurement> cells)
    {
        var xs = cells.Select(m => m.Row.ArithmeticIntensity!.Value)
            .Concat(cells.Select(m => m.Row.PeakGflops!.Value / m.Row.PeakBandwidthGbs!.Value)).ToList();
        return (xs.Min() / 2, xs.Max() * 2);
    }

    private const string LayerFamily = "Per-layer figures (time share and speed-up per layer type)";

    private static readonly FigureSpec<LayerTypeTime, string> LayerTimeShare = new()
    {
        Family = LayerFamily,
        Cells = data => data.LayerTypes,
        WhenEmpty = _ => "the runs have no layers.csv with timed layers (per-layer profiles come from 'fff profile MODEL... --out DIR' or a sweep with profile: true)",
        Setting = t => t.Setting,
        Key = _ => "",
        Name = _ => "layer-time-share",
        Labels = _ => ("Time share by layer type", "Model and backend", "Share of summed layer time (%)"),
        Series = (plot, f) =>
        {
            var data = f.Data;
            var bars = LayerCells(f);
            var types = data.LayerTypeOrder.Where(t => f.Cells.Any(c => c.LayerType == t)).ToList();
            var bottoms = new double[bars.Count];
            foreach (var type in types)
            {
                var stack = new List<Bar>();
                for (int i = 0; i < bars.Count; i++)
                {
                    var part = f.Cells.FirstOrDefault(c => c.Cell == bars[i] && c.LayerType == type);
                    if (part is null) continue;
                    stack.Add(LayerBar(data.LayerTypeIndex(type), i, bottoms[i], bottoms[i] + part.Share * 100, 0.7));
                    bottoms[i] += part.Share * 100;
                }
                var plotted = plot.Add.Bars(stack);
                plotted.LegendText = type;
            }
            // The summed layer time and its fixed part above each bar: the share alone hides how long the bar is.
            for (int i = 0; i < bars.Count; i++)
            {
                var total = data.LayerTotals.First(t => (t.Run, t.Model, t.Backend, t.Setting) == bars[i]);
                string text = Invariant($"{total.TimeMs:0.##} ms") + (total.FixedShare is { } fs ? Invariant($"\n{fs * 100:0}% fixed") : "");
                var label = plot.Add.Text(text, i, 100);
                label.LabelFontSize = 9;
                label.LabelAlignment = Alignment.LowerCenter;
                label.OffsetY = -3;
            }
            LayerCellTicks(plot, bars, data);
        },
        Axes = (plot, f) =>
        {
            plot.Axes.SetLimitsX(-0.6, LayerCells(f).Count - 0.4);
            plot.Axes.SetLimitsY(0, 122);
            plot.HideGrid();
        },
        Heading = f => $"Time share by layer type per model and backend ({f.Setting})",
        Caption = f => $"Each bar is one profiled model on one backend, {f.Setting}: the time of each layer type as a share of the backend's summed layer times (layers.csv time_ms); above the bar the summed layer time and the part of it that is fixed per-call cost (fixed_ms: dispatch and allocation, measured apart from the time that grows with the work). Fused layers carry the time the profiler gave their node.",
    };

    private static readonly FigureSpec<LayerTypeTime, string> LayerSpeedup = new()
    {
        Family = "Speed-up per layer type",
        Before = data => data.HasLayerProfiles ? null : FigureSkip.Silent, // explained under the time share
        Cells = data => data.LayerTypes.Where(t => t.Speedup is not null),
        WhenEmpty = data => !data.LayerBackends.Any(b => string.Equals(b, data.BaselineBackend, StringComparison.OrdinalIgnoreCase))
            ? $"no per-layer profile of the baseline {data.BaselineBackend} (profiled backends: {string.Join(", ", data.LayerBackends)}; choose another with --baseline)"
            : data.LayerBackends.Count < 2
                ? $"only the baseline backend {data.BaselineBackend} was profiled"
                : $"no layer type was timed on both {data.BaselineBackend} and another backend for the same model and setting",
        Setting = t => t.Setting,
        Key = t => t.Backend,
        Name = f => $"layer-speedup_{f.Key}",
        Labels = f => ($"{f.Key} speed-up over {f.Data.BaselineBackend} per layer type", "Layer type", $"Speed-up over {f.Data.BaselineBackend} (×)"),
        Series = (plot, f) =>
        {
            var types = f.Data.LayerTypeOrder.Where(t => f.Cells.Any(c => c.LayerType == t)).ToList();
            var models = f.Cells.Select(c => (c.Run, c.Model)).Distinct().OrderBy(m => m.Model, StringComparer.Ordinal).ThenBy(m => m.Run.RunId).ToList();
            double width = 0.8 / models.Count;
            for (int m = 0; m < models.Count; m++)
            {
                var bars = new List<Bar>();
                foreach (var c in f.Cells.Where(c => (c.Run, c.Model) == models[m]))
                    bars.Add(LayerBar(m, types.IndexOf(c.LayerType) - 0.4 + width * (m + 0.5), 0, c.Speedup!.Value, width * 0.92));
                var whole = f.Data.LayerTotals.FirstOrDefault(t => t.Run == models[m].Run && t.Model == models[m].Model && t.Backend == f.Key && t.Setting == f.Setting);
                if (whole?.Speedup is { } all) bars.Add(LayerBar(m, types.Count - 0.4 + width * (m + 0.5), 0, all, width * 0.92));
                var plotted = plot.Add.Bars(bars);
                plotted.LegendText = SeriesLabel(f.Data, models[m].Model, models[m].Run.RunId);
            }
            PaperPlot.ParityLine(plot, f.Data.BaselineBackend);
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (int i = 0; i < types.Count; i++) ticks.AddMajor(i, types[i]);
            ticks.AddMajor(types.Count, "all layers");
            plot.Axes.Bottom.TickGenerator = ticks;
            plot.Axes.Bottom.MajorTickStyle.Length = 0;
            SlantedLabels(plot);
            plot.Axes.SetLimitsX(-0.6, types.Count + 0.6);
        },
        Axes = (plot, f) =>
        {
            var wholes = f.Data.LayerTotals.Where(t => t.Backend == f.Key && t.Setting == f.Setting && t.Speedup is not null).Select(t => t.Speedup!.Value);
            FitY(plot, f.Cells.Select(c => c.Speedup!.Value).Concat(wholes).Append(1.0), fromZero: true);
            plot.HideGrid();
        },
        Heading = f => $"{f.Key} speed-up over {f.Data.BaselineBackend} per layer type ({f.Setting})",
        Caption = f => $"Per model (colour), {f.Setting}: the {f.Data.BaselineBackend} summed time of a layer type / the {f.Key} summed time of the same type (layers.csv time_ms); \"all layers\": the ratio of the summed layer times. Table layer-types gives the times, their fixed per-call part and each type's part of the time saved.",
    };

    /// <summary>The profiled cells of a figure as bars, by model, then backend (baseline first), then run.</summary>
    private static List<(LoadedRun Run, string Model, string Backend, MeasurementSetting Setting)> LayerCells(FigureGroup<LayerTypeTime, string> f) =>
        f.Cells.Select(c => c.Cell).Distinct()
            .OrderBy(c => c.Model, StringComparer.Ordinal).ThenBy(c => IndexIn(f.Data.LayerBackends, c.Backend)).ThenBy(c => c.Run.RunId, StringComparer.Ordinal)
            .ToList();

    private static void LayerCellTicks(Plot plot, IReadOnlyList<(LoadedRun Run, string Model, string Backend, MeasurementSetting Setting)> bars, ReportData data)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < bars.Count; i++)
            ticks.AddMajor(i, $"{bars[i].Model} · {bars[i].Backend}" + (data.HasSeveralRuns ? $" · {bars[i].Run.RunId}" : ""));
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        SlantedLabels(plot);
    }

    /// <summary>Category labels slanted under the bars, so that long names (models, layer types) never run into each other.</summary>
    private static void SlantedLabels(Plot plot)
    {
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 10;
        plot.Axes.Bottom.MinimumSize = 110;
    }

    /// <summary>A bar coloured by <paramref name="index"/>; past the eight palette colours, hatched, so that a ninth type is not a second first.</summary>
    private static Bar LayerBar(int index, double position, double from, double to, double size)
    {
        var color = PaperPlot.ColorOf(index);
        var bar = new Bar { Position = position, ValueBase = from, Value = to, Size = size, FillColor = color, LineWidth = 0 };
        if (index >= 8)
        {
            bar.FillColor = color.WithAlpha(0.35);
            bar.FillHatch = new ScottPlot.Hatches.Striped();
            bar.FillHatchColor = color;
        }
        return bar;
    }

    private static int IndexIn(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return list.Count;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
