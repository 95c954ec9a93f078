using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Statistics;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Tables;

/// <summary>Builds the report's tables from its data: speed-up summary, reference networks, correlations, non-ok cells.</summary>
internal static class ReportTables
{
    public const string AllCells = "all cells";
    public const string ReferenceNetworks = NetworkGroups.ReferenceNetworks;
    public const string UserNetworks = NetworkGroups.UserNetworks;

    /// <summary>Per accelerated backend and pattern (plus reference networks, plus all cells): n, mean, geometric mean, min, max.</summary>
    public static Table SpeedupSummary(ReportData data)
    {
        var table = new Table("speedup-summary",
            $"Speed-up over {data.BaselineBackend} per backend and pattern (ratio of median latencies; ok cells only)",
            [
                new("backend"), new("pattern"), new("cells", "n", ColumnFormat.Integer),
                new("mean speed-up", "×", ColumnFormat.Fixed2), new("geometric-mean speed-up", "×", ColumnFormat.Fixed2),
                new("min", "×", ColumnFormat.Fixed2), new("max", "×", ColumnFormat.Fixed2),
            ]);
        foreach (var (backend, group, summary) in SummaryRows(data))
            table.AddRow(backend, group, summary.Count, summary.Mean, summary.GeometricMean, summary.Min, summary.Max);
        table.Notes.Add($"Speed-up = {data.BaselineBackend} median latency / backend median latency for the same model, threads, batch and resolution; only cells with status ok on both sides count.");
        if (data.HasSeveralSettings)
            table.Notes.Add($"Cells of every setting ({string.Join("; ", data.Settings)}) are pooled.");
        return table;
    }

    /// <summary>The rows of the summary table, for the table and for the headline findings.</summary>
    public static IEnumerable<(string Backend, string Group, SpeedupSummary Summary)> SummaryRows(ReportData data)
    {
        foreach (var backend in data.Speedups.Backends)
        {
            var cells = data.Speedups.Speedups.Where(s => s.Backend == backend).ToList();
            foreach (var pattern in cells.Where(s => s.IsPatternInstance).Select(s => s.Pattern).Distinct().Order(StringComparer.Ordinal))
                yield return (backend, pattern, Statistics.SpeedupSummary.Of(cells.Where(s => s.IsPatternInstance && s.Pattern == pattern).Select(s => s.Value))!);
            if (cells.Any(s => s.IsReferenceNetwork))
                yield return (backend, ReferenceNetworks, Statistics.SpeedupSummary.Of(cells.Where(s => s.IsReferenceNetwork).Select(s => s.Value))!);
            if (cells.Any(s => s.IsUserNetwork))
                yield return (backend, UserNetworks, Statistics.SpeedupSummary.Of(cells.Where(s => s.IsUserNetwork).Select(s => s.Value))!);
            yield return (backend, AllCells, Statistics.SpeedupSummary.Of(cells.Select(s => s.Value))!);
        }
    }

    public const string SpeedupsTableName = "speedups";

    /// <summary>
    /// Every speed-up, one row per accelerated cell: the point value (ratio of the rows' medians) and its
    /// 95% interval, from round-by-round pairs of launches where the run has them, else from the two rows'
    /// confidence bounds. The first twelve columns are fixed (scripts read them by name):
    /// model, pattern, depth, width, backend, baseline, threads, batch, resolution, speedup,
    /// speedup_ci95_low, speedup_ci95_high; then speedup_repeat95_low, speedup_repeat95_high (where an identical
    /// run's speed-up would land; launch pairs only), pairs, interval_method, run, baseline_run.
    /// </summary>
    public static Table Speedups(ReportData data)
    {
        var table = new Table(SpeedupsTableName,
            $"Speed-up over {data.BaselineBackend} of every paired cell, with its 95% interval",
            [
                new("model"), new("pattern"), new("depth", null, ColumnFormat.Integer), new("width", null, ColumnFormat.Fixed2),
                new("backend"), new("baseline"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer),
                new("resolution", null, ColumnFormat.Integer), new("speedup", null, ColumnFormat.Fixed3),
                new("speedup_ci95_low", null, ColumnFormat.Fixed3), new("speedup_ci95_high", null, ColumnFormat.Fixed3),
                new("speedup_repeat95_low", null, ColumnFormat.Fixed3), new("speedup_repeat95_high", null, ColumnFormat.Fixed3),
                new("pairs", null, ColumnFormat.Integer), new("interval_method"), new("run"), new("baseline_run"),
            ]);
        var ordered = data.Speedups.Speedups
            .OrderBy(s => s.Backend, StringComparer.Ordinal).ThenBy(s => s.Setting)
            .ThenBy(s => s.IsUserNetwork ? 2 : s.IsReferenceNetwork ? 1 : 0).ThenBy(s => s.Pattern, StringComparer.Ordinal)
            .ThenBy(s => s.Depth).ThenBy(s => s.Width).ThenBy(s => s.Model, StringComparer.Ordinal).ThenBy(s => s.Run.RunId, StringComparer.Ordinal);
        foreach (var s in ordered)
        {
            var (interval, repeat) = (s.Interval, s.RepeatInterval);
            table.AddRow(s.Model, s.Pattern, s.Depth, s.Width, s.Backend, s.BaselineBackend,
                s.Setting.Threads, s.Setting.Batch, s.Setting.Resolution, s.Value, interval?.Low, interval?.High,
                repeat?.Low, repeat?.High, s.Pairs.Count, SpeedupIntervals.Name(s.IntervalMethod), s.Run.RunId, s.BaselineRun.RunId);
        }
        table.Notes.Add($"speedup = {data.BaselineBackend} median latency / backend median latency (the rows' median_ms) for the same model, threads, batch and resolution; ok cells only.");
        table.Notes.Add("interval_method launch-pairs: the two cells' launches are paired round by round (ratio_r = baseline launch median / backend launch median; pairs = rounds in which both launches were ok), and the interval is exp(log speedup ± t(0.975, pairs − 1) · s / √pairs), s the standard deviation of the log ratios. "
            + "speedup_repeat95_low/high (launch-pairs only): where an identical run's speed-up would land, 95%, exp(log speedup ± t(0.975, pairs − 1) · s · √(2 / pairs)), if runs differ only as much as this run's rounds do. "
            + "ci-bounds (fewer than two pairs: a run without launches, one launch per cell, or a baseline borrowed from another run): [baseline CI low / backend CI high, baseline CI high / backend CI low] from the two rows' 95% intervals, at least 90% coverage (Bonferroni). Empty: neither was available.");
        return table;
    }

    /// <summary>One row per reference network, setting and run: counts, each backend's median latency, each accelerated backend's speed-up.</summary>
    public static Table ReferenceNetworkTable(ReportData data) =>
        NetworkTable(data, data.Measurements.Where(m => m.IsReferenceNetwork).ToList(), "reference-networks", "Reference networks");

    /// <summary>The same for the user's own networks, each named by its model id (written only when the runs have any).</summary>
    public static Table UserNetworkTable(ReportData data) =>
        NetworkTable(data, data.Measurements.Where(m => m.IsUserNetwork).ToList(), "user-networks", "User networks");

    private static Table NetworkTable(ReportData data, List<Measurement> cells, string name, string what)
    {
        var backends = data.Backends.Where(b => cells.Any(m => m.Row.Backend == b)).ToList();
        var accelerated = backends.Where(b => b != data.BaselineBackend).ToList();
        var columns = new List<TableColumn>
        {
            new("network"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer),
            new("resolution", "px", ColumnFormat.Integer), new("params", "M", ColumnFormat.Fixed2), new("MACs", "G", ColumnFormat.Fixed3),
        };
        if (data.HasSeveralRuns) columns.Insert(1, new("run"));
        columns.AddRange(backends.Select(b => new TableColumn($"{b} median latency", "ms", ColumnFormat.Fixed3)));
        columns.AddRange(accelerated.Select(b => new TableColumn($"{b} speed-up", "×", ColumnFormat.Fixed2)));
        var table = new Table(name, what + ": size, median latency per backend, and speed-up over " + data.BaselineBackend, columns);

        foreach (var group in cells.GroupBy(m => (m.Run, m.Row.Model, m.Setting)).OrderBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.Setting).ThenBy(g => g.Key.Run.RunId))
        {
            var (run, model, setting) = group.Key;
            var any = group.First().Row;
            var values = new List<object?> { model, setting.Threads, setting.Batch, setting.Resolution, any.Params / 1e6, any.Macs / 1e9 };
            if (data.HasSeveralRuns) values.Insert(1, run.RunId);
            foreach (var backend in backends)
            {
                var row = group.FirstOrDefault(m => m.Row.Backend == backend)?.Row;
                values.Add(row is null ? null : row.IsOk ? row.MedianMs : row.Status);
            }
            foreach (var backend in accelerated)
            {
                var speedup = data.Speedups.Speedups.FirstOrDefault(s => s.Run == run && s.Backend == backend && s.Model == model && s.Setting == setting);
                values.Add(speedup?.Value);
            }
            table.AddRow(values.ToArray());
        }
        table.Notes.Add("MACs are multiply-accumulates (FLOPs ≈ 2 × MACs); an empty size was not known (an ONNX file counted from its graph alone, docs/user-models.md). A latency cell that names a status (crashed, mismatch, ...) was not measured validly; an empty speed-up has no valid pair.");
        return table;
    }

    public const string AllLayers = "all layers";

    /// <summary>
    /// Per profiled cell (model, setting, backend) and layer type: summed time, its fixed per-call part,
    /// share of the backend's layer time, speed-up over the baseline, and the type's part of the time the
    /// backend saves; then one "all layers" row per cell with the end-to-end time and how much of it
    /// the layer times cover.
    /// </summary>
    public static Table LayerTypes(ReportData data)
    {
        var columns = new List<TableColumn>
        {
            new("model"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer),
            new("resolution", "px", ColumnFormat.Integer), new("backend"), new("layer_type"), new("layers", null, ColumnFormat.Integer),
            new("time_ms", null, ColumnFormat.Fixed3), new("fixed_ms", null, ColumnFormat.Fixed3), new("fixed_fraction", null, ColumnFormat.Fixed2),
            new("share", null, ColumnFormat.Fixed2), new("speedup", null, ColumnFormat.Fixed2), new("saved_fraction", null, ColumnFormat.Fixed2),
            new("end_to_end_ms", null, ColumnFormat.Fixed3), new("coverage", null, ColumnFormat.Fixed2), new("fused_layers", null, ColumnFormat.Integer),
        };
        if (data.HasSeveralRuns) columns.Insert(0, new("run"));
        var table = new Table("layer-types", $"Time per layer type and backend, its fixed per-call part, and the speed-up over {data.BaselineBackend} (per-layer profiles)", columns);
        var cells = data.LayerTotals
            .OrderBy(t => t.Model, StringComparer.Ordinal).ThenBy(t => t.Setting).ThenBy(t => t.Run.RunId, StringComparer.Ordinal)
            .ThenBy(t => data.LayerBackends.ToList().IndexOf(t.Backend));
        foreach (var cell in cells)
        {
            var types = data.LayerTypes.Where(t => t.Cell == (cell.Run, cell.Model, cell.Backend, cell.Setting)).OrderBy(t => data.LayerTypeIndex(t.LayerType)).ToList();
            foreach (var t in types)
                Add(table, data, cell, t.LayerType, t.Layers, t.TimeMs, t.FixedMs, t.FixedFraction, t.Share, t.Speedup, t.SavedFraction, null, null, t.Fused);
            Add(table, data, cell, AllLayers, types.Sum(t => t.Layers), cell.TimeMs, cell.FixedMs, cell.FixedShare, 1.0, cell.Speedup,
                types.Any(t => t.SavedFraction is not null) ? 1.0 : null, cell.EndToEndMs, cell.Coverage, types.Sum(t => t.Fused));
        }
        table.Notes.Add("Units: *_ms columns in milliseconds; share, fixed_fraction, saved_fraction and coverage are fractions (0–1); speedup is a ratio (×); layers and fused_layers are counts.");
        table.Notes.Add("time_ms: the layers' median times summed per type; fixed_ms: the part of it that does not grow with the layer's work (per-call dispatch and allocation), fixed_fraction = fixed_ms / time_ms.");
        table.Notes.Add($"share: the type's time_ms / the backend's summed layer time for that model. speedup: {data.BaselineBackend} time_ms / this backend's time_ms for the same type, model and setting. saved_fraction: the type's part of the time this backend saves over {data.BaselineBackend} ({data.BaselineBackend} time − this time for the type, over the same difference summed over all layers; it can be negative where the type is slower, and the fractions add up to 1).");
        table.Notes.Add("all layers: the whole network; end_to_end_ms is the uninstrumented forward pass in the same profiling process (the mean of its typical passes, the statistic the layer times add up to), coverage = summed layer time / end_to_end_ms (near 1 when the layers explain the whole forward pass). fused_layers: layers the backend ran inside a fused node, which carry that node's time as the profile gives it.");
        return table;
    }

    private static void Add(Table table, ReportData data, LayerProfileTotal cell, string type, int layers, double time, double? fixedMs, double? fixedFraction,
        double share, double? speedup, double? saved, double? endToEnd, double? coverage, int fused)
    {
        var values = new List<object?> { cell.Model, cell.Setting.Threads, cell.Setting.Batch, cell.Setting.Resolution, cell.Backend, type, layers,
            time, fixedMs, fixedFraction, share, speedup, saved, endToEnd, coverage, fused };
        if (data.HasSeveralRuns) values.Insert(0, cell.Run.RunId);
        table.AddRow(values.ToArray());
    }

    /// <summary>Variables a cell carries, in the order the correlation table lists them, with units.</summary>
    private static readonly (string Name, Func<ResultRow, double?> Value)[] CellVariables =
    [
        ("MACs", r => r.Macs > 0 ? r.Macs : null),
        ("params", r => r.Params > 0 ? r.Params : null),
        ("weight bytes / L3", r => r.WeightL3Ratio),
        ("activation bytes / L3", r => r.ActivationL3Ratio),
        ("LLC miss ratio", r => r.LlcMissRatio),
        ("LLC MPKI", r => r.LlcMpki),
    ];

    public const string LatencyVariable = "median latency (ms)";
    public const string SpeedupVariable = "speed-up (×)";

    /// <summary>
    /// Per backend, each cell variable against median latency and (for accelerated backends)
    /// against speed-up, plus latency against speed-up; Pearson and Spearman with two-sided p-values.
    /// </summary>
    public static Table Correlations(ReportData data)
    {
        var table = new Table("correlations",
            "Correlation of network and cache variables with latency and speed-up, per backend (ok cells only)",
            [
                new("backend"), new("variable"), new("with"), new("cells", "n", ColumnFormat.Integer),
                new("Pearson r", null, ColumnFormat.Fixed3), new("Pearson p", "two-sided", ColumnFormat.PValue),
                new("Spearman ρ", null, ColumnFormat.Fixed3), new("Spearman p", "two-sided", ColumnFormat.PValue),
                new("note"),
            ]);
        foreach (var result in CorrelationResults(data))
            table.AddRow(result.Backend, result.Result.X, result.Result.Y, result.Result.Count,
                result.Result.PearsonR, result.Result.PearsonP, result.Result.SpearmanRho, result.Result.SpearmanP, result.Result.Note);
        table.Notes.Add("p-values test zero correlation: t = r·√((n−2)/(1−r²)) on Student's t with n−2 degrees of freedom; for Spearman this is the usual large-sample approximation. Each pair uses the cells where both values exist.");
        if (data.HasSeveralSettings) table.Notes.Add("Cells of every setting are pooled; latency correlations then mix threads, batches and resolutions.");
        return table;
    }

    public static IEnumerable<(string Backend, CorrelationResult Result)> CorrelationResults(ReportData data)
    {
        foreach (var backend in data.Backends)
        {
            var rows = data.OkMeasurements.Where(m => m.Row.Backend == backend).ToList();
            if (rows.Count == 0) continue;
            var speedups = data.Speedups.Speedups.Where(s => s.Backend == backend).ToList();
            foreach (var (name, value) in CellVariables)
                yield return (backend, CorrelationResult.Compute(name, LatencyVariable, Pairs(rows, m => value(m.Row), m => m.Row.MedianMs)));
            if (backend == data.BaselineBackend) continue;
            foreach (var (name, value) in CellVariables)
                yield return (backend, CorrelationResult.Compute(name, SpeedupVariable, Pairs(speedups, s => value(s.Accelerated), s => s.Value)));
            yield return (backend, CorrelationResult.Compute(LatencyVariable, SpeedupVariable, Pairs(speedups, s => s.AcceleratedMedianMs, s => s.Value)));
        }
    }

    private static List<(double X, double Y)> Pairs<T>(IEnumerable<T> items, Func<T, double?> x, Func<T, double?> y) =>
        items.Select(i => (X: x(i), Y: y(i))).Where(p => p.X is not null && p.Y is not null).Select(p => (p.X!.Value, p.Y!.Value)).ToList();

    /// <summary>Every cell whose status is not ok, with its error: nothing failed is left unsaid.</summary>
    public static Table NotOkCells(ReportData data)
    {
        var columns = new List<TableColumn>
        {
            new("model"), new("backend"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer),
            new("resolution", "px", ColumnFormat.Integer), new("status"), new("error"),
        };
        if (data.HasSeveralRuns) columns.Insert(0, new("run"));
        var table = new Table("not-ok-cells", "Cells that did not produce a valid measurement", columns);
        foreach (var m in data.NotOkMeasurements.OrderBy(m => m.Run.RunId).ThenBy(m => m.Row.Model, StringComparer.Ordinal).ThenBy(m => m.Row.Backend))
        {
            var values = new List<object?> { m.Row.Model, m.Row.Backend, m.Row.Threads, m.Row.Batch, m.Row.Resolution, m.Row.Status, m.Row.Error };
            if (data.HasSeveralRuns) values.Insert(0, m.Run.RunId);
            table.AddRow(values.ToArray());
        }
        return table;
    }

    /// <summary>Ok accelerated cells without a speed-up, and why.</summary>
    public static Table UnpairedCells(ReportData data)
    {
        var table = new Table("unpaired-cells", $"Ok cells without a speed-up over {data.BaselineBackend}",
            [new("run"), new("model"), new("backend"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer), new("resolution", "px", ColumnFormat.Integer), new("reason")]);
        foreach (var u in data.Speedups.Unpaired.OrderBy(u => u.Run.RunId).ThenBy(u => u.Row.Model, StringComparer.Ordinal).ThenBy(u => u.Row.Backend))
            table.AddRow(u.Run.RunId, u.Row.Model, u.Row.Backend, u.Row.Threads, u.Row.Batch, u.Row.Resolution, u.Reason);
        return table;
    }
}
