using System.Buffers.Binary;
using System.Globalization;
using CsvHelper;
using FormFollowsFunction.Reports;
using FormFollowsFunction.Results;

using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Reports;

public sealed class ReportGeneratorTests : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private RunFolder Synthetic(SyntheticRun run) => run.Write(_temp.Combine(run.RunId));

    [Fact]
    public void A_synthetic_run_gives_every_table_figure_and_document_non_empty()
    {
        var run = Synthetic(new SyntheticRun { RunId = "full" });
        string output = _temp.Combine("report");

        var outcome = ReportGenerator.Generate([run], output, new ReportOptions());

        Assert.Equal(Path.GetFullPath(output), outcome.OutputFolder);
        foreach (var file in outcome.Files)
            Assert.True(new FileInfo(Path.Combine(output, file)).Length > 0, $"{file} is empty");
        string[] expected =
        [
            "report.md", "report.html",
            "tables/speedup-summary.csv", "tables/speedup-summary.md", "tables/speedup-summary.tex",
            "tables/reference-networks.csv", "tables/correlations.csv", "tables/correlations.tex", "tables/not-ok-cells.csv",
            "figures/speedup-vs-depth_ort-cpu_w0.5.png", "figures/speedup-vs-depth_ort-openvino_w1.0.svg",
            "figures/speedup-vs-width_ort-cpu_darts.png", "figures/latency-vs-macs.png", "figures/speedup-vs-macs_ort-openvino.svg",
            "figures/speedup-vs-weight-l3_ort-cpu.png", "figures/speedup-vs-activation-l3_ort-cpu.png",
            "figures/llc-misses-vs-depth_residual.png", "figures/llc-mpki-vs-depth_plain.png", "figures/reference-latency.png",
        ];
        foreach (var file in expected) Assert.Contains(file, outcome.Files);
        // Only the figures this run has no data for: it predates the machine probe and per-layer profiles.
        Assert.Equal(["Roofline", "Per-layer figures (time share and speed-up per layer type)"], outcome.SkippedFigures.Select(s => s.Figure));
        // 4 patterns x 2 widths x 2 accelerated backends... : depth (2 backends x 2 widths), width (2 x 4), MACs 1,
        // speed-up vs MACs 2, vs weight/L3 2, vs activation/L3 2, LLC misses 4, MPKI 4, reference 1.
        Assert.Equal(4 + 8 + 1 + 2 + 2 + 2 + 4 + 4 + 1, outcome.Figures.Count);
        Assert.Equal(outcome.Figures.Count * 2, outcome.Files.Count(f => f.StartsWith("figures/", StringComparison.Ordinal)));
        // Only the finished folder remains: no staging folder beside it.
        Assert.Empty(Directory.GetDirectories(_temp.Path, ".report*"));
    }

    [Fact]
    public void Figures_are_sized_for_a_paper()
    {
        var run = Synthetic(new SyntheticRun { RunId = "sized", Patterns = ["residual"], ReferenceNetworks = [] });
        string output = _temp.Combine("report");

        ReportGenerator.Generate([run], output, new ReportOptions());

        // PNG: 6.5 x 4 in at 300 dpi. The IHDR chunk holds width and height, big-endian, at bytes 16-23.
        byte[] png = File.ReadAllBytes(Path.Combine(output, "figures", "latency-vs-macs.png"));
        Assert.Equal(1950, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(1200, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
        string svg = File.ReadAllText(Path.Combine(output, "figures", "latency-vs-macs.svg"));
        Assert.Contains("width=\"6.5in\" height=\"4in\" viewBox=\"0 0 650 400\"", svg);
    }

    [Fact]
    public void The_report_states_machine_versions_configuration_headlines_and_every_failed_cell()
    {
        var run = Synthetic(new SyntheticRun { RunId = "documented" });
        string output = _temp.Combine("report");

        var outcome = ReportGenerator.Generate([run], output, new ReportOptions { Formats = FigureFormats.Svg });

        string md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Contains("Synthetic CPU 9000", md);
        Assert.Contains("| onnxruntime | 1.31.1 |", md);
        Assert.Contains("\"target_ci_fraction\": 0.01", md);
        foreach (var (model, backend, status, error) in SyntheticRun.FailurePlan)
            Assert.Contains($"| {model.Replace("_", "\\_")} | {backend} | 4 | 1 | 224 | {status.ToColumn()} | {error} |", md);
        Assert.Contains(outcome.Headlines, h => h.StartsWith("ort-openvino: geometric-mean speed-up", StringComparison.Ordinal));
        Assert.Contains(outcome.Headlines, h => h.StartsWith("ort-openvino: best pattern darts", StringComparison.Ordinal) && h.Contains("worst plain"));
        Assert.Contains(outcome.Headlines, h => h.Contains("Fastest reference network") && h.Contains("mobilenetv2 on ort-openvino"));
        string html = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains("<table>", html);
        Assert.Contains("src=\"data:image/svg+xml;base64,", html);
        Assert.DoesNotContain("src=\"figures/", html);
    }

    [Fact]
    public void Summary_table_holds_the_speedups_of_known_latencies()
    {
        // Two plain cells with speed-ups 2 and 8 (geometric mean 4, mean 5), one residual with 3, one mismatch that must not count.
        string folder = _temp.Combine("known");
        var runFolder = new RunFolder(folder);
        runFolder.WriteManifest(new RunManifest { RunId = "known", Machine = SyntheticRun.Machine() });
        using (var writer = new ResultsCsvWriter(runFolder.ResultsFile))
        {
            foreach (var row in new[]
            {
                RowFactory.Row("plain-d2-w1.0", "torch-cpu", 20), RowFactory.Row("plain-d2-w1.0", "ort-cpu", 10),
                RowFactory.Row("plain-d4-w1.0", "torch-cpu", 40), RowFactory.Row("plain-d4-w1.0", "ort-cpu", 5),
                RowFactory.Row("residual-d2-w1.0", "torch-cpu", 30), RowFactory.Row("residual-d2-w1.0", "ort-cpu", 10),
                RowFactory.Row("residual-d4-w1.0", "torch-cpu", 30), RowFactory.Row("residual-d4-w1.0", "ort-cpu", 1, CellStatus.Mismatch),
            })
                writer.Append(row);
        }

        ReportGenerator.Generate([runFolder], _temp.Combine("report"), new ReportOptions { Formats = FigureFormats.Svg });

        using var reader = new StreamReader(_temp.Combine("report", "tables", "speedup-summary.csv"));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>()
            .ToDictionary(r => (string)r["pattern"], r => r);
        Assert.Equal("2", rows["plain"]["cells (n)"]);
        Assert.Equal(4.0, double.Parse((string)rows["plain"]["geometric-mean speed-up (×)"], CultureInfo.InvariantCulture), 12);
        Assert.Equal(5.0, double.Parse((string)rows["plain"]["mean speed-up (×)"], CultureInfo.InvariantCulture), 12);
        Assert.Equal("1", rows["residual"]["cells (n)"]);
        Assert.Equal(3.0, double.Parse((string)rows["residual"]["max (×)"], CultureInfo.InvariantCulture), 12);
        Assert.Equal("3", rows["all cells"]["cells (n)"]);
        Assert.Equal(Math.Cbrt(2 * 8 * 3), double.Parse((string)rows["all cells"]["geometric-mean speed-up (×)"], CultureInfo.InvariantCulture), 12);
        Assert.Empty(Directory.GetFiles(_temp.Combine("report", "figures"), "*.png"));
    }

    [Fact]
    public void Speedups_table_lists_every_speedup_with_its_paired_launch_interval()
    {
        // ±2% per launch: no launch is far enough off to be set aside as disturbed, so every cell pairs all five.
        var run = Synthetic(new SyntheticRun { RunId = "launched", Seed = 61, Patterns = ["residual", "darts"], ReferenceNetworks = ["resnet50"], Launches = 5, LaunchNoise = 0.02 });
        string output = _temp.Combine("report");

        var outcome = ReportGenerator.Generate([run], output, new ReportOptions { Formats = FigureFormats.Svg });

        foreach (var ext in new[] { "csv", "md", "tex" }) Assert.Contains($"tables/speedups.{ext}", outcome.Files);
        string[] header = File.ReadLines(Path.Combine(output, "tables", "speedups.csv")).First().Split(',');
        Assert.Equal(
            ["model", "pattern", "depth", "width", "backend", "baseline", "threads", "batch", "resolution", "speedup", "speedup_ci95_low", "speedup_ci95_high"],
            header.Take(12));
        Assert.Equal(["speedup_repeat95_low", "speedup_repeat95_high", "pairs", "interval_method", "run", "baseline_run"], header.Skip(12));

        var loaded = FormFollowsFunction.Reports.Input.LoadedRun.Load(run);
        var speedups = FormFollowsFunction.Reports.Statistics.SpeedupPairing.Pair([loaded]).Speedups;
        using var reader = new StreamReader(Path.Combine(output, "tables", "speedups.csv"));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(speedups.Count, rows.Count);
        // residual and darts x 4 depths x 2 widths + resnet50, on ort-cpu and ort-openvino, less the failure plan's
        // cells of these networks that are not ok (darts-d16-w1.0 crashed and resnet50 timed out on ort-openvino).
        Assert.Equal(2 * 17 - 2, rows.Count);
        double Number(IDictionary<string, object> r, string column) => double.Parse((string)r[column], CultureInfo.InvariantCulture);
        foreach (var row in rows)
        {
            var key = new CellKey((string)row["model"], (string)row["backend"], 4, 1, 224);
            var baselineRow = loaded.CurrentRows.Single(r => r.Key == key with { Backend = "torch-cpu" });
            var backendRow = loaded.CurrentRows.Single(r => r.Key == key);
            Assert.Equal("torch-cpu", row["baseline"]);
            Assert.Equal(baselineRow.MedianMs!.Value / backendRow.MedianMs!.Value, Number(row, "speedup"), 12);
            Assert.Equal("5", row["pairs"]);
            Assert.Equal("launch-pairs", row["interval_method"]);
            var ratios = Enumerable.Range(0, 5).Select(i =>
                loaded.OkLaunchMedians(baselineRow.Key)[i] / loaded.OkLaunchMedians(backendRow.Key)[i]).ToList();
            var (low, high, _) = LaunchEstimate.LogInterval(Number(row, "speedup"), ratios.Select(r => Math.Log(r)).ToList());
            Assert.Equal(low, Number(row, "speedup_ci95_low"), 12);
            Assert.Equal(high, Number(row, "speedup_ci95_high"), 12);
            Assert.True(low < Number(row, "speedup") && Number(row, "speedup") < high);
            // The repeat interval, where an identical run's speed-up would land: √2 as wide on the log scale.
            double logs = Math.Log(high / low), repeatLogs = Math.Log(Number(row, "speedup_repeat95_high") / Number(row, "speedup_repeat95_low"));
            Assert.Equal(Math.Sqrt(2) * logs, repeatLogs, 9);
            Assert.True(Number(row, "speedup_repeat95_low") < low && high < Number(row, "speedup_repeat95_high"));
        }
        Assert.Equal("", rows.Single(r => (string)r["model"] == "resnet50" && (string)r["backend"] == "ort-cpu")["depth"]);

        string md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Contains("95% interval from 5 round-by-round pairs of launches (t on log ratios)", md);
        Assert.Contains("tables/speedups.csv", md);
        Assert.DoesNotContain("Bonferroni) for", md);
        Assert.DoesNotContain("run past the top of the frame", md);
    }

    [Fact]
    public void An_interval_far_wider_than_the_others_runs_past_the_frame_and_the_caption_says_so()
    {
        // One cell's three ort-cpu launches disagree tenfold: its speed-up interval (t(0.975, 2) = 4.30 on log
        // ratios spread by about 1.15) reaches some 17 times its speed-up, beyond 1.5 times the largest one.
        var run = Synthetic(new SyntheticRun
        {
            RunId = "wide", Seed = 62, Patterns = ["residual"], Backends = ["torch-cpu", "ort-cpu"], Launches = 3, LaunchNoise = 0.02,
            LaunchMedians = (backend, model) => backend == "ort-cpu" && model == "residual-d2-w1.0" ? [1.0, 3.0, 0.3] : null,
        });
        string output = _temp.Combine("report");

        ReportGenerator.Generate([run], output, new ReportOptions { Formats = FigureFormats.Svg });

        var speedups = FormFollowsFunction.Reports.Statistics.SpeedupPairing.Pair([FormFollowsFunction.Reports.Input.LoadedRun.Load(run)]).Speedups;
        var wide = speedups.Single(s => s.Accelerated.Model == "residual-d2-w1.0");
        Assert.True(wide.Interval!.Value.High > 1.5 * speedups.Max(s => s.Value));
        var lines = File.ReadAllLines(Path.Combine(output, "report.md"));
        string CaptionUnder(string heading)
        {
            int at = Array.FindIndex(lines, l => l.StartsWith("### ", StringComparison.Ordinal) && l.Contains(heading));
            return lines.Skip(at).First(l => l.StartsWith("*Speed-up", StringComparison.Ordinal));
        }
        Assert.Contains("1 error bar(s) run past the top of the frame, which stops at 1.5x the largest speed-up", CaptionUnder("vs depth, width 1.0"));
        Assert.DoesNotContain("run past the top", CaptionUnder("vs depth, width 0.5"));
    }

    [Fact]
    public void Without_launches_the_speedups_table_and_captions_use_the_rows_confidence_bounds()
    {
        var run = Synthetic(new SyntheticRun { RunId = "old", Patterns = ["plain"], ReferenceNetworks = [] });
        string output = _temp.Combine("report");

        ReportGenerator.Generate([run], output, new ReportOptions { Formats = FigureFormats.Svg });

        using var reader = new StreamReader(Path.Combine(output, "tables", "speedups.csv"));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(("0", "ci-bounds"), ((string)r["pairs"], (string)r["interval_method"])));
        string md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Contains("Error bars: interval [baseline CI low / backend CI high, baseline CI high / backend CI low]", md);
        Assert.DoesNotContain("round-by-round pairs of launches (t on log ratios)", md);
    }

    [Fact]
    public void Empty_counter_and_cache_columns_skip_their_figures_and_say_why()
    {
        var run = Synthetic(new SyntheticRun { RunId = "bare", Counters = false, CacheRatios = false });
        string output = _temp.Combine("report");

        var outcome = ReportGenerator.Generate([run], output, new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Equal(4 + 2, outcome.SkippedFigures.Count); // and the roofline and per-layer figures, which this run has no data for
        Assert.Contains(outcome.SkippedFigures, s => s.Reason.Contains("weight_l3_ratio column is empty"));
        Assert.Contains(outcome.SkippedFigures, s => s.Reason.Contains("activation_l3_ratio column is empty"));
        Assert.Contains(outcome.SkippedFigures, s => s.Reason.Contains("llc_load_misses column is empty") && s.Reason.Contains("no PMU"));
        Assert.Contains(outcome.SkippedFigures, s => s.Reason.Contains("llc_mpki column is empty"));
        Assert.DoesNotContain(outcome.Files, f => f.Contains("llc-") || f.Contains("-l3_"));
        Assert.Contains("llc\\_mpki column is empty", File.ReadAllText(Path.Combine(output, "report.md")));
    }

    [Fact]
    public void The_runs_notes_on_how_it_measured_are_repeated_as_warnings()
    {
        const string note = "torch-cpu: oneDNN capped at SSE41 because its default kernels compute wrongly here";
        var run = Synthetic(new SyntheticRun { RunId = "capped", Notes = [note] });

        var outcome = ReportGenerator.Generate([run], _temp.Combine("report"), new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Contains(note, outcome.Warnings);
        Assert.Contains(note, File.ReadAllText(_temp.Combine("report", ReportGenerator.ReportFileName)));
    }

    [Fact]
    public void Without_the_baseline_backend_the_report_is_still_written_and_explains_the_missing_speedups()
    {
        var run = Synthetic(new SyntheticRun { RunId = "no-torch", Backends = ["ort-cpu", "ort-openvino"] });

        var outcome = ReportGenerator.Generate([run], _temp.Combine("report"), new ReportOptions { Formats = FigureFormats.Svg });

        var skipped = Assert.Single(outcome.SkippedFigures, s => s.Figure.StartsWith("Speed-up figures", StringComparison.Ordinal));
        Assert.Contains("no torch-cpu cells", skipped.Reason);
        Assert.Contains("--baseline", skipped.Reason);
        Assert.Contains(outcome.Warnings, w => w.Contains("no run measured the baseline backend torch-cpu"));
        Assert.DoesNotContain(outcome.Figures, f => f.StartsWith("speedup", StringComparison.Ordinal));
        Assert.Contains("latency-vs-macs", outcome.Figures);

        var againstOrt = ReportGenerator.Generate([run], _temp.Combine("report-ort"), new ReportOptions { BaselineBackend = "ort-cpu", Formats = FigureFormats.Svg });
        Assert.Contains("speedup-vs-depth_ort-openvino_w1.0", againstOrt.Figures);
    }

    [Fact]
    public void Several_runs_and_settings_are_combined_with_the_setting_in_file_names()
    {
        var a = Synthetic(new SyntheticRun { RunId = "run-a", Batches = [1, 8], Patterns = ["plain", "darts"], ReferenceNetworks = ["mobilenetv2"] });
        var b = Synthetic(new SyntheticRun { RunId = "run-b", Seed = 7, Patterns = ["plain", "darts"], ReferenceNetworks = ["mobilenetv2"] });

        var outcome = ReportGenerator.Generate([a, b], _temp.Combine("combined"), new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Contains("speedup-vs-depth_ort-cpu_w1.0_t4_b1_r224", outcome.Figures);
        Assert.Contains("speedup-vs-depth_ort-cpu_w1.0_t4_b8_r224", outcome.Figures);
        Assert.Contains("reference-latency_t4_b8_r224", outcome.Figures);
        string md = File.ReadAllText(_temp.Combine("combined", "report.md"));
        Assert.Contains("| run-a |", md);
        Assert.Contains("| run-b |", md);
    }

    [Fact]
    public void A_report_folder_is_replaced_but_a_foreign_folder_is_never_touched()
    {
        var run = Synthetic(new SyntheticRun { RunId = "twice", Patterns = ["plain"], ReferenceNetworks = [] });
        string output = _temp.Combine("report");
        ReportGenerator.Generate([run], output, new ReportOptions { Formats = FigureFormats.Png });
        File.WriteAllText(Path.Combine(output, "stale.txt"), "from an earlier report");

        ReportGenerator.Generate([run], output, new ReportOptions { Formats = FigureFormats.Svg });

        Assert.False(File.Exists(Path.Combine(output, "stale.txt")));
        Assert.Empty(Directory.GetFiles(Path.Combine(output, "figures"), "*.png"));

        var error = Assert.Throws<ReportInputException>(() => ReportGenerator.Generate([run], run.Path, new ReportOptions()));
        Assert.Contains("was not written by fff", error.Message);
        Assert.True(File.Exists(run.ResultsFile));
        Assert.Empty(Directory.GetDirectories(_temp.Path, ".*partial*"));
    }

    [Theory]
    [InlineData("no-manifest", "has results.csv but no manifest.json")]
    [InlineData("no-results", "has no results.csv")]
    [InlineData("foreign-csv", "is not a FormFollowsFunction results file: missing column(s) run_id")]
    [InlineData("corrupt-csv", "line 2: cannot read a results row")]
    [InlineData("empty-csv", "is empty; expected a FormFollowsFunction results.csv with a header line")]
    [InlineData("corrupt-manifest", "is not a valid run manifest")]
    [InlineData("absent", "no such folder")]
    public void Bad_input_fails_with_one_line_naming_the_problem_and_writes_nothing(string kind, string expected)
    {
        var good = Synthetic(new SyntheticRun { RunId = "good", Patterns = ["plain"], ReferenceNetworks = [] });
        string folder = _temp.Combine(kind);
        if (kind != "absent") Directory.CreateDirectory(folder);
        string goodCsv = File.ReadAllText(good.ResultsFile);
        string manifest = File.ReadAllText(good.ManifestFile);
        switch (kind)
        {
            case "no-manifest": File.WriteAllText(Path.Combine(folder, "results.csv"), goodCsv); break;
            case "no-results": File.WriteAllText(Path.Combine(folder, "manifest.json"), manifest); break;
            case "foreign-csv":
                File.WriteAllText(Path.Combine(folder, "manifest.json"), manifest);
                File.WriteAllText(Path.Combine(folder, "results.csv"), "name,score\nalice,3\n");
                break;
            case "corrupt-csv":
                File.WriteAllText(Path.Combine(folder, "manifest.json"), manifest);
                var lines = goodCsv.Split('\n');
                lines[1] = lines[1].Replace(",4,all,", ",four,all,"); // threads is not a number
                File.WriteAllText(Path.Combine(folder, "results.csv"), string.Join('\n', lines));
                break;
            case "empty-csv":
                File.WriteAllText(Path.Combine(folder, "manifest.json"), manifest);
                File.WriteAllText(Path.Combine(folder, "results.csv"), "");
                break;
            case "corrupt-manifest":
                File.WriteAllText(Path.Combine(folder, "manifest.json"), "{ \"run_id\": ");
                File.WriteAllText(Path.Combine(folder, "results.csv"), goodCsv);
                break;
        }
        string output = _temp.Combine("out-" + kind);

        var error = Assert.Throws<ResultsFormatException>(() => ReportGenerator.Generate([new RunFolder(folder)], output, new ReportOptions()));

        Assert.Contains(expected, error.Message);
        Assert.Contains(kind, error.Message);
        Assert.DoesNotContain('\n', error.Message.Trim());
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_run_with_no_rows_yet_gives_a_report_that_says_so_and_draws_no_empty_figure()
    {
        var run = new RunFolder(_temp.Combine("started"));
        run.WriteManifest(new RunManifest { RunId = "started", Machine = SyntheticRun.Machine() });
        File.WriteAllText(run.ResultsFile, ResultsCsv.HeaderLine());

        var outcome = ReportGenerator.Generate([run], _temp.Combine("report"), new ReportOptions());

        Assert.Empty(outcome.Figures);
        Assert.Equal(5 + 2, outcome.SkippedFigures.Count); // and the roofline and per-layer figures
        Assert.All(outcome.SkippedFigures, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
        Assert.Equal(["The runs hold no result rows: nothing was measured yet."], outcome.Headlines);
        Assert.Contains("No cell was measured.", File.ReadAllText(_temp.Combine("report", "report.md")));
    }

    [Fact]
    public void Default_folder_is_named_after_the_run_or_the_time_for_several()
    {
        var one = new RunFolder("/data/results/2026-11-28-lab01");
        var other = new RunFolder("/data/results/2026-11-29-lab01");
        var now = new DateTime(2026, 11, 30, 1, 2, 3, DateTimeKind.Utc);

        Assert.Equal(Path.Combine("reports", "2026-11-28-lab01"), ReportGenerator.DefaultOutputFolder([one], now));
        Assert.Equal(Path.Combine("reports", "combined-20261130-010203"), ReportGenerator.DefaultOutputFolder([one, other], now));
    }

    [Fact]
    public void Figure_formats_parse_and_unknown_ones_are_refused()
    {
        Assert.Equal(FigureFormats.Both, ReportOptions.ParseFormats("svg, PNG"));
        Assert.Equal(FigureFormats.Svg, ReportOptions.ParseFormats("svg"));
        Assert.Contains("unknown figure format 'pdf'", Assert.Throws<ReportInputException>(() => ReportOptions.ParseFormats("png,pdf")).Message);
        Assert.Throws<ReportInputException>(() => ReportOptions.ParseFormats(" , "));
    }
}
