using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using CsvHelper.Configuration.Attributes;
using FormFollowsFunction.Reports.Tables;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Comparison;

/// <summary>
/// Writes a comparison as <c>compare.md</c> (for people), <c>compare.csv</c> (every matched cell, for
/// scripts), <c>compare-backends.csv</c> (each backend's geometric-mean change) and <c>compare-speedups.csv</c>
/// (each speed-up in both runs), all or none.
/// </summary>
public static class ComparisonWriter
{
    public const string MarkdownFileName = "compare.md";
    public const string CsvFileName = "compare.csv";
    public const string BackendsCsvFileName = "compare-backends.csv";
    public const string SpeedupsCsvFileName = "compare-speedups.csv";

    /// <summary>Writes both files into <paramref name="outputFolder"/>, which appears complete or not at all; returns the files written.</summary>
    public static IReadOnlyList<string> Write(ComparisonOutcome outcome, string outputFolder)
    {
        using var staged = new StagedFolder(outputFolder, MarkdownFileName, ReportGenerator.ReportFileName);
        staged.WriteText(MarkdownFileName, Markdown(outcome));
        staged.WriteText(CsvFileName, Csv(outcome));
        staged.WriteText(BackendsCsvFileName, BackendsCsv(outcome));
        staged.WriteText(SpeedupsCsvFileName, CsvTableWriter.Write(SpeedupTable(outcome)));
        staged.Commit();
        return staged.Files.Select(f => Path.Combine(staged.Target, f)).ToList();
    }

    /// <summary>Verdicts in the order a reader should see them: what fails the job first.</summary>
    public static readonly IReadOnlyList<ComparisonVerdict> Severity =
    [
        ComparisonVerdict.Regression, ComparisonVerdict.NewlyFailing, ComparisonVerdict.Improvement, ComparisonVerdict.Fixed,
        ComparisonVerdict.ConfigurationChanged, ComparisonVerdict.MachineStateChanged, ComparisonVerdict.NotSignificant, ComparisonVerdict.Inconclusive, ComparisonVerdict.StillFailing, ComparisonVerdict.Unchanged,
    ];

    public static string VerdictName(ComparisonVerdict verdict) => verdict switch
    {
        ComparisonVerdict.Regression => "regression",
        ComparisonVerdict.NewlyFailing => "newly failing",
        ComparisonVerdict.Improvement => "improvement",
        ComparisonVerdict.Fixed => "fixed",
        ComparisonVerdict.ConfigurationChanged => "configuration changed",
        ComparisonVerdict.MachineStateChanged => "machine state changed",
        ComparisonVerdict.NotSignificant => "not significant",
        ComparisonVerdict.Inconclusive => "inconclusive",
        ComparisonVerdict.StillFailing => "still failing",
        _ => "unchanged",
    };

    public static string VerdictName(BackendVerdict verdict) => verdict switch
    {
        BackendVerdict.Regression => "regression",
        BackendVerdict.Improvement => "improvement",
        BackendVerdict.Inconclusive => "inconclusive",
        _ => "unchanged",
    };

    public static string MethodName(SignificanceMethod method) => method switch
    {
        SignificanceMethod.WelchLaunches => "Welch t on launches",
        SignificanceMethod.StateBlockedLaunches => "t on launches, state-blocked",
        SignificanceMethod.MannWhitney => "Mann-Whitney U",
        SignificanceMethod.IntervalOverlap => "95% CI overlap",
        _ => "",
    };

    public static string Markdown(ComparisonOutcome outcome)
    {
        var o = outcome.Options;
        var md = new StringBuilder();
        md.Append($"# Comparison: {Escape(outcome.New.RunId)} against {Escape(outcome.Base.RunId)}\n\n");
        md.Append($"Base run: `{outcome.Base.Folder.Path}`  \nNew run: `{outcome.New.Folder.Path}`\n\n");
        md.Append(Invariant($"Threshold {o.ThresholdPercent:0.##}% of the base median; significance level α = {o.Alpha:0.###}, {RunComparer.Correction}-corrected over the {outcome.LaunchTestedCells} cell(s) tested on launches. "));
        md.Append($"Result: **{outcome.Result}**.\n\n");

        if (outcome.Warnings.Count > 0)
        {
            md.Append("## Warnings\n\n");
            foreach (var w in outcome.Warnings) md.Append("- ").Append(Escape(w)).Append('\n');
            if (outcome.MachineDifferences.Count + outcome.ConfigurationDifferences.Count > 0)
                md.Append("\nTimings from different machines or configurations are not comparable; read the verdicts below with that in mind.\n");
            md.Append('\n');
        }
        if (outcome.VersionDifferences.Count > 0)
        {
            md.Append("## Version changes\n\n");
            foreach (var v in outcome.VersionDifferences) md.Append("- ").Append(Escape(v)).Append('\n');
            md.Append('\n');
        }

        md.Append("## Backends\n\n");
        md.Append(outcome.Backends.Count == 0
            ? "No backend has a matched cell that is ok in both runs.\n\n"
            : MarkdownTableWriter.Write(BackendTable(outcome), withTitle: false) + "\n");
        md.Append(Invariant($"Geometric mean of the cells' ratios new / base over every matched cell ok in both runs with the same configuration, with a 95% Student t interval over the cells; regression when the whole interval lies above {1 + o.ThresholdPercent / 100:0.###}, improvement when it lies below {1 - o.ThresholdPercent / 100:0.###}. A backend regression fails the comparison. Also in `{BackendsCsvFileName}`.\n\n"));

        md.Append("## Speed-ups\n\n");
        md.Append(SpeedupSentence(outcome)).Append(Invariant($" Every speed-up, with both runs' intervals, is in `{SpeedupsCsvFileName}`; speed-ups inform and never fail the comparison.\n\n"));

        md.Append("## Summary\n\n");
        var summary = new Table("summary", "Cells per verdict", [new("verdict"), new("cells", "n", ColumnFormat.Integer)]);
        foreach (var verdict in Severity) summary.AddRow(VerdictName(verdict), outcome.Count(verdict));
        summary.AddRow("only in base run", outcome.OnlyInBase.Count);
        summary.AddRow("ok in base run, missing from new run (fails the comparison)", outcome.Lost.Count);
        summary.AddRow("only in new run", outcome.OnlyInNew.Count);
        summary.AddRow("backends with a geometric-mean regression (fails the comparison)", outcome.BackendRegressions.Count);
        md.Append(MarkdownTableWriter.Write(summary, withTitle: false)).Append('\n');
        var blind = outcome.Cells.Where(c => c.DetectableChangePercent > o.ThresholdPercent).ToList();
        if (outcome.LaunchTestedCells > 0)
            md.Append(Invariant($"{blind.Count} of the {outcome.LaunchTestedCells} cell(s) tested on launches could not have detected a change of the threshold ({o.ThresholdPercent:0.##}%) with {RunComparer.DetectionPower:0%} power at the noise their launches showed (column \"detectable\"); such cells need more launches or a quieter machine before their \"unchanged\" means much.\n\n"));

        var changed = outcome.Cells.Where(c => c.Verdict != ComparisonVerdict.Unchanged)
            .OrderBy(c => Severity.ToList().IndexOf(c.Verdict)).ThenByDescending(c => Math.Abs(c.ChangePercent ?? 0)).ToList();
        md.Append("## Cells beyond the threshold, changed in configuration, or not ok\n\n");
        md.Append(changed.Count == 0
            ? "None: every cell in both runs is within the threshold.\n\n"
            : MarkdownTableWriter.Write(CellTable(changed, "changed"), withTitle: false) + "\n");
        md.Append($"Every matched cell, unchanged ones included, is in `{CsvFileName}`.\n\n");

        foreach (var (title, rows) in new[] { ("Cells only in the base run", outcome.OnlyInBase), ("Cells only in the new run", outcome.OnlyInNew) })
        {
            if (rows.Count == 0) continue;
            md.Append("## ").Append(title).Append("\n\n");
            foreach (var row in rows) md.Append("- ").Append(Escape(row.Key.ToString())).Append(" — ").Append(Escape(row.Status)).Append('\n');
            md.Append('\n');
        }

        md.Append("## Method\n\n");
        md.Append("- Cells are matched by model, backend, threads, batch and resolution. Ratio = new median latency / base median latency (the rows' `median_ms`; above 1 = slower).\n");
        md.Append(Invariant($"- A cell is a regression only if its ratio is above {1 + o.ThresholdPercent / 100:0.###} (the threshold) **and** the difference is significant; an improvement only if below {1 - o.ThresholdPercent / 100:0.###} and significant. Beyond the threshold but not significant: \"not significant\". A cell that was ok and is not any more is \"newly failing\", and an ok cell of the base run that the new run lacks is lost; both fail the comparison like regressions.\n"));
        md.Append(Invariant($"- Launches: a sweep measures each cell in several worker processes (launches), one per round, so the variation between processes (memory layout, thread placement, neighbours, the machine's state at that moment) is in the data. Where both cells have at least {RunComparer.MinimumLaunches} ok launches, the test is **Welch's t-test** on the natural logs of the launch medians (the log makes a process's some-percent-slower additive; Welch allows the two runs different spreads; p from Student's t with Welch-Satterthwaite degrees of freedom).\n"));
        md.Append(Invariant($"- Machine states (multi-threaded cells; docs/benchmarks.md, \"Machine states\"): launches during which the core-to-core round trip changed state are set aside. Where both runs have launches in several states, the test is a t-test with the state as a blocking factor: the runs' difference within each state, weighted by 1 / (1/n₁ + 1/n₂), over the variance pooled within every run and state (at least {RunComparer.MinimumBlockedDegreesOfFreedom} degrees of freedom). Otherwise the launches of the one state in which both runs have most, at least {RunComparer.MinimumLaunches} each; where there are none, \"machine state changed\".\n"));
        md.Append("- Many cells are tested at once, so some would pass p < α by chance alone. The launch tests' p-values are therefore corrected with **Benjamini and Hochberg's method** (sort the m p-values; the i-th smallest is multiplied by m / i, and an adjusted value is never above the one after it). When nothing changed, the chance of even one flagged cell stays below α; when a backend changed in many cells, at most a share α of the flagged cells is expected to be false, and the changed cells are found rather than only the strongest. A cell is significant when its adjusted p-value (\"p (BH)\") is below α.\n");
        md.Append(Invariant($"- Detectable change: for each cell tested on launches, the smallest change its test would have found with {RunComparer.DetectionPower:0%} power at the noise its launches showed, exp((t(1 − α′/2, df) + t({RunComparer.DetectionPower:0.0}, df)) · SE) − 1 in percent, with SE the test's standard error (Welch: √(s₁²/n₁ + s₂²/n₂), s the standard deviations of the log launch medians and n the launch counts; state-blocked: √(pooled variance / Σ w)) and α′ = α / m, the level the correction asks of a single changed cell among m. A cell whose detectable change exceeds the threshold could have hidden a regression of the threshold's size.\n"));
        md.Append("- Backends: the geometric mean of a backend's cell ratios, with a 95% Student t interval over its cells, decides a slow-down spread thinly over many cells that no single cell shows; its verdict is a regression when the whole interval lies above 1 + threshold, and a backend regression fails the comparison like a cell regression.\n");
        md.Append("- Configuration: a cell whose `device` (for example a oneDNN instruction-set cap on TorchSharp), `graph_optimization`, `backend_version` or `onnx_sha256` differs between the runs measured something else; it gets \"configuration changed\", naming what differs, is never a regression or improvement, does not fail the comparison by itself, and is left out of its backend's geometric mean.\n");
        md.Append(Invariant($"- Without launches (runs from before launches, or one launch per cell): the test of a single process per side, a two-sided Mann-Whitney U test (Perfolizer) on the raw samples when both cells kept at least {RunComparer.MinimumSamples}, p < α, uncorrected; otherwise the two medians' 95% confidence intervals must not overlap (about α ≈ 0.006 when equally wide). Both see the variation within one worker process only: between processes a machine varies more (docs/benchmarks.md, \"Run-to-run variation\"), so their p-values overstate significance and the threshold, set above the machine's run-to-run variation, is what decides. The warnings above say when this applies.\n"));
        return md.ToString();
    }

    /// <summary>"Speed-ups over torch-cpu in both runs: 16; each run's speed-up inside the other run's 95% interval: 27 of 32 (84%); inside the other run's 95% repeat interval: 31 of 32 (97%); agreeing within their combined 95% intervals: 16 of 16 (100%)."</summary>
    public static string SpeedupSentence(ComparisonOutcome outcome)
    {
        var coverage = outcome.SpeedupCoverage;
        if (outcome.Speedups.Count == 0) return "No accelerated cell has a speed-up over torch-cpu in both runs.";
        string share = coverage.Share is { } s ? Invariant($"{coverage.Inside} of {coverage.Compared} ({s:0%})")
            : coverage.MachineStateChanged == outcome.Speedups.Count ? "none comparable" : "none (no intervals)";
        string repeat = coverage.RepeatCompared > 0
            ? Invariant($"; inside the other run's 95% repeat interval: {coverage.RepeatInside} of {coverage.RepeatCompared} ({(double)coverage.RepeatInside / coverage.RepeatCompared:0%})")
            : "";
        string agree = coverage.Paired > 0
            ? Invariant($"; agreeing within their combined 95% intervals: {coverage.Agreeing} of {coverage.Paired} ({(double)coverage.Agreeing / coverage.Paired:0%})")
            : "";
        string states = coverage.MachineStateChanged > 0
            ? $"; {coverage.MachineStateChanged} multi-threaded cell(s) ran in another machine state in the two runs and are not counted"
            : "";
        return $"Speed-ups over torch-cpu in both runs: {outcome.Speedups.Count}; each run's speed-up inside the other run's 95% interval: {share}{repeat}{agree}{states}.";
    }

    private static Table SpeedupTable(ComparisonOutcome outcome)
    {
        var table = new Table("speedups", "Speed-ups in both runs", [
            new("model"), new("backend"), new("baseline"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer),
            new("resolution", "px", ColumnFormat.Integer), new("base_speedup", null, ColumnFormat.Fixed3), new("base_ci95_low", null, ColumnFormat.Fixed3),
            new("base_ci95_high", null, ColumnFormat.Fixed3), new("new_speedup", null, ColumnFormat.Fixed3), new("new_ci95_low", null, ColumnFormat.Fixed3),
            new("new_ci95_high", null, ColumnFormat.Fixed3), new("ratio_new_over_base", null, ColumnFormat.Fixed3),
            new("new_inside_base_interval"), new("base_inside_new_interval"), new("new_inside_base_repeat_interval"), new("base_inside_new_repeat_interval"),
            new("agree_within_combined_interval"), new("machine_state_changed"),
        ]);
        static string YesNo(bool? value) => value is null ? "" : value.Value ? "yes" : "no";
        foreach (var s in outcome.Speedups)
            table.AddRow(s.Key.Model, s.Key.Backend, s.New.BaselineBackend, s.Key.Threads, s.Key.Batch, s.Key.Resolution,
                s.Base.Value, s.Base.Interval?.Low, s.Base.Interval?.High, s.New.Value, s.New.Interval?.Low, s.New.Interval?.High, s.Ratio,
                YesNo(s.NewInsideBase), YesNo(s.BaseInsideNew), YesNo(s.NewInsideBaseRepeat), YesNo(s.BaseInsideNewRepeat), YesNo(s.Agree),
                s.MachineStateChanged ? "yes" : "no");
        table.Notes.Add("speedup: baseline median / backend median of the run's rows; intervals: 95%, from the run's round-by-round pairs of launches (else the rows' bounds).");
        table.Notes.Add("repeat interval: where an identical run's speed-up would land, 95%, from the same pairs, √2 wider than the interval (a prediction interval; tables/speedups.csv, speedup_repeat95_low/high).");
        table.Notes.Add("agree_within_combined_interval: |ln(new / base)| ≤ √(h_base² + h_new²), h = half the interval's width in log units: the two runs' speed-ups are consistent at about the 5% level.");
        return table;
    }

    private static Table BackendTable(ComparisonOutcome outcome)
    {
        var table = new Table("backends", "Backends", [
            new("backend"), new("cells", "n", ColumnFormat.Integer), new("geometric-mean change", "%", ColumnFormat.Fixed2),
            new("95% interval low", "%", ColumnFormat.Fixed2), new("95% interval high", "%", ColumnFormat.Fixed2), new("verdict"),
        ]);
        foreach (var b in outcome.Backends)
            table.AddRow(b.Backend, b.Cells, b.ChangePercent, Percent(b.Ci95Low), Percent(b.Ci95High), VerdictName(b.Verdict));
        return table;
    }

    private static double? Percent(double? ratio) => ratio is { } r ? (r - 1) * 100 : null;

    private static Table CellTable(IEnumerable<CellComparison> cells, string name)
    {
        var table = new Table(name, "Cells", [
            new("model"), new("backend"), new("threads", null, ColumnFormat.Integer), new("batch", null, ColumnFormat.Integer),
            new("resolution", "px", ColumnFormat.Integer), new("base median", "ms", ColumnFormat.Fixed3), new("new median", "ms", ColumnFormat.Fixed3),
            new("launches", "base/new"), new("change", "%", ColumnFormat.Fixed2), new("test"), new("p", null, ColumnFormat.PValue),
            new("p (BH)", null, ColumnFormat.PValue), new("detectable", "%", ColumnFormat.Fixed2), new("verdict"), new("note"),
        ]);
        foreach (var c in cells)
            table.AddRow(c.Key.Model, c.Key.Backend, c.Key.Threads, c.Key.Batch, c.Key.Resolution,
                c.Base.IsOk ? c.Base.MedianMs : c.Base.Status, c.New.IsOk ? c.New.MedianMs : c.New.Status,
                $"{c.BaseLaunches}/{c.NewLaunches}", c.ChangePercent, MethodName(c.Method), c.PValue, c.PAdjusted, c.DetectableChangePercent,
                VerdictName(c.Verdict), c.Note);
        return table;
    }

    private sealed class CsvRecord
    {
        [Name("model")] public string Model { get; init; } = "";
        [Name("backend")] public string Backend { get; init; } = "";
        [Name("threads")] public int Threads { get; init; }
        [Name("batch")] public int Batch { get; init; }
        [Name("resolution")] public int Resolution { get; init; }
        [Name("base_status")] public string BaseStatus { get; init; } = "";
        [Name("new_status")] public string NewStatus { get; init; } = "";
        [Name("base_median_ms")] public double? BaseMedianMs { get; init; }
        [Name("new_median_ms")] public double? NewMedianMs { get; init; }
        [Name("base_ci95_low_ms")] public double? BaseCiLowMs { get; init; }
        [Name("base_ci95_high_ms")] public double? BaseCiHighMs { get; init; }
        [Name("new_ci95_low_ms")] public double? NewCiLowMs { get; init; }
        [Name("new_ci95_high_ms")] public double? NewCiHighMs { get; init; }
        [Name("base_launches")] public int BaseLaunches { get; init; }
        [Name("new_launches")] public int NewLaunches { get; init; }
        [Name("ratio_new_over_base")] public double? Ratio { get; init; }
        [Name("change_percent")] public double? ChangePercent { get; init; }
        [Name("test")] public string Test { get; init; } = "";
        [Name("p_value")] public double? PValue { get; init; }
        [Name("p_adjusted")] public double? PAdjusted { get; init; }
        [Name("significant")] public bool Significant { get; init; }
        [Name("detectable_change_percent")] public double? DetectableChangePercent { get; init; }
        [Name("verdict")] public string Verdict { get; init; } = "";
        [Name("configuration_changes")] public string ConfigurationChanges { get; init; } = "";
        [Name("note")] public string Note { get; init; } = "";
    }

    private sealed class BackendRecord
    {
        [Name("backend")] public string Backend { get; init; } = "";
        [Name("cells")] public int Cells { get; init; }
        [Name("geomean_ratio_new_over_base")] public double? Ratio { get; init; }
        [Name("geomean_change_percent")] public double? ChangePercent { get; init; }
        [Name("ci95_low_ratio")] public double? Low { get; init; }
        [Name("ci95_high_ratio")] public double? High { get; init; }
        [Name("threshold_percent")] public double ThresholdPercent { get; init; }
        [Name("verdict")] public string Verdict { get; init; } = "";
    }

    /// <summary>
    /// <c>compare-backends.csv</c>: per backend, the cells counted, the geometric-mean ratio new / base and
    /// its change in percent, the 95% t interval's bounds (ratios), the threshold and the verdict.
    /// </summary>
    public static string BackendsCsv(ComparisonOutcome outcome) => WriteCsv(outcome.Backends.Select(b => new BackendRecord
    {
        Backend = b.Backend, Cells = b.Cells, Ratio = b.GeometricMeanRatio, ChangePercent = b.ChangePercent,
        Low = b.Ci95Low, High = b.Ci95High, ThresholdPercent = outcome.Options.ThresholdPercent,
        Verdict = VerdictName(b.Verdict).Replace(' ', '-'),
    }));

    private static string WriteCsv<T>(IEnumerable<T> records)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" }))
        {
            csv.Context.TypeConverterOptionsCache.AddOptions<double>(new CsvHelper.TypeConversion.TypeConverterOptions { Formats = ["R"] });
            csv.Context.TypeConverterOptionsCache.AddOptions<double?>(new CsvHelper.TypeConversion.TypeConverterOptions { Formats = ["R"] });
            csv.WriteRecords(records);
        }
        return text.ToString();
    }

    /// <summary><c>compare.csv</c>: every matched cell, with both rows' medians and intervals, the launches, the ratio, the test and the verdict.</summary>
    public static string Csv(ComparisonOutcome outcome) => WriteCsv(outcome.Cells.Select(c => new CsvRecord
    {
        Model = c.Key.Model, Backend = c.Key.Backend, Threads = c.Key.Threads, Batch = c.Key.Batch, Resolution = c.Key.Resolution,
        BaseStatus = c.Base.Status, NewStatus = c.New.Status,
        BaseMedianMs = c.Base.MedianMs, NewMedianMs = c.New.MedianMs,
        BaseCiLowMs = c.Base.Ci95LowMs, BaseCiHighMs = c.Base.Ci95HighMs, NewCiLowMs = c.New.Ci95LowMs, NewCiHighMs = c.New.Ci95HighMs,
        BaseLaunches = c.BaseLaunches, NewLaunches = c.NewLaunches,
        Ratio = c.Ratio, ChangePercent = c.ChangePercent, Test = TestName(c.Method),
        PValue = c.PValue, PAdjusted = c.PAdjusted, Significant = c.Significant, DetectableChangePercent = c.DetectableChangePercent,
        Verdict = VerdictName(c.Verdict).Replace(' ', '-'), ConfigurationChanges = string.Join("; ", c.ConfigurationChanges), Note = c.Note,
    }));

    /// <summary>The <c>test</c> column of compare.csv.</summary>
    public static string TestName(SignificanceMethod method) => method switch
    {
        SignificanceMethod.WelchLaunches => "welch-launches",
        SignificanceMethod.StateBlockedLaunches => "state-blocked-launches",
        SignificanceMethod.MannWhitney => "mann-whitney",
        SignificanceMethod.IntervalOverlap => "ci-overlap",
        _ => "",
    };

    private static string Escape(string text) => MarkdownTableWriter.Escape(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
