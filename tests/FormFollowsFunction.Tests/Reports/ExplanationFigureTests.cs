using System.Globalization;
using CsvHelper;
using FormFollowsFunction.Reports;
using FormFollowsFunction.Reports.Figures;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Tables;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;
using static FormFollowsFunction.Tests.Reports.RowFactory;

namespace FormFollowsFunction.Tests.Reports;

/// <summary>The figure pipeline (FigureSpec), user networks as their own group, the roofline, and the per-layer figures and table.</summary>
public sealed class ExplanationFigureTests : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static FigureSpec<Measurement, string> LatencySpec(Func<ReportData, FigureSkip?>? before = null) => new()
    {
        Family = "Test latency",
        Before = before ?? (_ => null),
        Cells = data => data.OkMeasurements.Where(m => m.Row.Backend == "ort-cpu"),
        WhenEmpty = _ => "no ort-cpu cell is ok",
        Setting = m => m.Setting,
        Key = m => m.Row.Pattern,
        Name = f => $"test_{f.Key}",
        Labels = f => ($"Latency: {f.Key}", "Depth (blocks)", "Median latency (ms)"),
        Series = (plot, f) => plot.Add.Scatter(f.Cells.Select(m => (double)m.Row.Depth!.Value).ToArray(), f.Cells.Select(m => m.Row.MedianMs!.Value).ToArray()),
        Axes = (_, _) => { },
        Heading = f => $"Latency of {f.Key} ({f.Setting})",
        Caption = f => $"{f.Cells.Count} cells",
    };

    [Fact]
    public void A_spec_without_cells_is_skipped_with_its_reason_and_draws_nothing()
    {
        var data = new ReportData([Run("r", [Row("plain-d4-w1.0", "torch-cpu", 10), Row("plain-d4-w1.0", "ort-cpu", 5, CellStatus.Crashed)])], "torch-cpu");
        using var set = new FigureSet();

        LatencySpec().AddTo(data, set);

        Assert.Empty(set.Drafts);
        var skipped = Assert.Single(set.Skipped);
        Assert.Equal(("Test latency", "no ort-cpu cell is ok"), (skipped.Figure, skipped.Reason));
    }

    [Fact]
    public void A_silent_skip_says_nothing_and_draws_nothing()
    {
        var data = new ReportData([Run("r", [Row("plain-d4-w1.0", "ort-cpu", 5)])], "torch-cpu");
        using var set = new FigureSet();

        LatencySpec(before: _ => FigureSkip.Silent).AddTo(data, set);

        Assert.Empty(set.Drafts);
        Assert.Empty(set.Skipped);
    }

    [Fact]
    public void A_spec_draws_one_figure_per_key_and_setting_named_after_the_setting_when_there_are_several()
    {
        var data = new ReportData([Run("r",
        [
            Row("plain-d4-w1.0", "ort-cpu", 5), Row("plain-d8-w1.0", "ort-cpu", 9), Row("plain-d4-w1.0", "ort-cpu", 20, batch: 8),
            Row("residual-d4-w1.0", "ort-cpu", 6), Row("residual-d4-w1.0", "torch-cpu", 12),
        ])], "torch-cpu");
        using var set = new FigureSet();

        LatencySpec().AddTo(data, set);

        Assert.Empty(set.Skipped);
        Assert.Equal(["test_plain_t4_b1_r224", "test_plain_t4_b8_r224", "test_residual_t4_b1_r224"], set.Drafts.Select(d => d.Name));
        Assert.Equal(["2 cells", "1 cells", "1 cells"], set.Drafts.Select(d => d.Caption));
        Assert.Equal("Latency of plain (4 threads, batch 1, 224×224 px)", set.Drafts[0].Title);
        Assert.Equal("Latency: plain", set.Drafts[0].Plot.Axes.Title.Label.Text);
    }

    private static List<ResultRow> WithUserNetworks() =>
    [
        Row("plain-d4-w1.0", "torch-cpu", 10), Row("plain-d4-w1.0", "ort-cpu", 5),
        Row("plain-d8-w1.0", "torch-cpu", 20), Row("plain-d8-w1.0", "ort-cpu", 8),
        Row("resnet50", "torch-cpu", 30, depth: null, width: null), Row("resnet50", "ort-cpu", 10, depth: null, width: null),
        Row("my-net", "torch-cpu", 40, depth: null, width: null, pattern: NetworkGroups.UserPattern),
        Row("my-net", "ort-cpu", 4, depth: null, width: null, pattern: NetworkGroups.UserPattern),
        Row("your-net", "torch-cpu", 9, depth: null, width: null, pattern: NetworkGroups.UserPattern),
        Row("your-net", "ort-cpu", 3, depth: null, width: null, pattern: NetworkGroups.UserPattern),
    ];

    [Fact]
    public void User_networks_are_their_own_group_never_pooled_with_patterns_or_reference_networks()
    {
        var data = new ReportData([Run("r", WithUserNetworks())], "torch-cpu");

        Assert.Equal(["plain"], data.Patterns);
        Assert.Equal(["my-net", "your-net"], data.UserNetworks);
        var groups = ReportTables.SummaryRows(data).ToDictionary(r => r.Group, r => r.Summary);
        Assert.Equal(["plain", ReportTables.ReferenceNetworks, ReportTables.UserNetworks, ReportTables.AllCells], ReportTables.SummaryRows(data).Select(r => r.Group));
        Assert.Equal(1, groups[ReportTables.ReferenceNetworks].Count);
        Assert.Equal(3.0, groups[ReportTables.ReferenceNetworks].GeometricMean, 9);
        // my-net 40/4 = 10x, your-net 9/3 = 3x: geometric mean sqrt(30).
        Assert.Equal(2, groups[ReportTables.UserNetworks].Count);
        Assert.Equal(Math.Sqrt(30), groups[ReportTables.UserNetworks].GeometricMean, 9);
        Assert.Equal(2, groups["plain"].Count);

        var users = ReportTables.UserNetworkTable(data);
        Assert.Equal(["my-net", "your-net"], users.Rows.Select(r => (string)r[0]!));
        Assert.DoesNotContain(ReportTables.ReferenceNetworkTable(data).Rows, r => (string)r[0]! is "my-net" or "your-net");
    }

    [Fact]
    public void A_report_with_user_networks_writes_their_table_and_bars_and_names_each_in_the_scatter_figures()
    {
        string output = _temp.Combine("report");

        var outcome = ReportGenerator.Generate([Run("r", WithUserNetworks())], output, new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Contains("tables/user-networks.csv", outcome.Files);
        Assert.Contains("user-latency", outcome.Figures);
        Assert.Contains("reference-latency", outcome.Figures);
        string bars = File.ReadAllText(Path.Combine(output, "figures", "user-latency.svg"));
        Assert.Contains("my-net", bars);
        Assert.DoesNotContain("resnet50", bars);
        string scatter = File.ReadAllText(Path.Combine(output, "figures", "speedup-vs-macs_ort-cpu.svg"));
        Assert.Contains("my-net", scatter);
        Assert.Contains("your-net", scatter);
        Assert.Contains("reference networks", scatter);
        Assert.DoesNotContain(outcome.Headlines, h => h.Contains("best pattern", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_user_networks_no_user_figure_or_table_is_written_and_none_is_listed_as_skipped()
    {
        var outcome = ReportGenerator.Generate([Run("r", [Row("plain-d4-w1.0", "torch-cpu", 10), Row("plain-d4-w1.0", "ort-cpu", 5)])],
            _temp.Combine("report"), new ReportOptions { Formats = FigureFormats.Svg });

        Assert.DoesNotContain(outcome.Files, f => f.Contains("user", StringComparison.Ordinal));
        Assert.DoesNotContain(outcome.SkippedFigures, s => s.Figure == "User networks");
    }

    [Fact]
    public void The_roofline_is_drawn_from_the_probe_columns_and_skipped_with_a_reason_without_them()
    {
        var small = new SyntheticRun { Patterns = ["residual", "darts"], Depths = [2, 8], Widths = [1.0], ReferenceNetworks = ["resnet50"], Backends = ["torch-cpu", "ort-cpu"] };
        var with = (small with { RunId = "probed", Roofline = true }).Write(_temp.Combine("probed"));
        var without = (small with { RunId = "older" }).Write(_temp.Combine("older"));

        var drawn = ReportGenerator.Generate([with], _temp.Combine("report-probed"), new ReportOptions { Formats = FigureFormats.Svg });
        var skipped = ReportGenerator.Generate([without], _temp.Combine("report-older"), new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Contains("roofline", drawn.Figures);
        Assert.DoesNotContain(drawn.SkippedFigures, s => s.Figure == "Roofline");
        string svg = File.ReadAllText(_temp.Combine("report-probed", "figures", "roofline.svg"));
        Assert.Contains("FLOP/byte", svg);
        Assert.Contains("GFLOP/s", svg);
        Assert.Contains("roof, 4 thr: 400 GFLOP/s, 20 GB/s", svg); // SyntheticRun: 100 GFLOP/s per thread, 20 GB/s
        Assert.Contains("No cell lies above its roof.", File.ReadAllText(_temp.Combine("report-probed", "report.md")));

        Assert.DoesNotContain("roofline", skipped.Figures);
        var reason = Assert.Single(skipped.SkippedFigures, s => s.Figure == "Roofline").Reason;
        Assert.Contains("achieved_gflops", reason);
        Assert.Contains("predates the machine probe", reason);
    }

    [Fact]
    public void The_roofline_caption_counts_cells_above_their_roof()
    {
        ResultRow Probed(string model, string backend, double achieved)
        {
            var row = Row(model, backend, 10);
            (row.AchievedGflops, row.ArithmeticIntensity, row.PeakGflops, row.PeakBandwidthGbs) = (achieved, 2.0, 100.0, 10.0);
            return row;
        }
        // Attainable: min(100, 2 × 10) = 20 GFLOP/s; 25 is above it.
        var data = new ReportData([Run("r", [Probed("plain-d4-w1.0", "torch-cpu", 5), Probed("plain-d4-w1.0", "ort-cpu", 25)])], "torch-cpu");

        using var set = ReportFigures.Build(data);

        var roofline = Assert.Single(set.Drafts, d => d.Name == "roofline");
        Assert.Contains("1 of 2 cells lie above their roof", roofline.Caption);
    }

    /// <summary>
    /// tiny on torch-cpu: two 3x3 convolutions (4 + 2 ms, fixed 0.5 each), a batch norm (2 ms, fixed 1), a ReLU (2 ms, fixed 1):
    /// 10 ms, 3 ms fixed, end to end 11 ms. On ort-cpu: 1 + 0.5 ms (fixed 0.125 each), batch norm and ReLU fused at 0.25 ms each:
    /// 2 ms, 0.25 ms fixed, end to end 2.2 ms.
    /// </summary>
    private const string TinyLayers = """
        model,backend,threads,batch,resolution,layer,layer_type,macs,time_ms,fixed_ms,share,end_to_end_ms,note
        tiny,torch-cpu,4,1,64,conv1,dense convolution 3x3,1000,4,0.5,0.4,11,
        tiny,torch-cpu,4,1,64,conv2,dense convolution 3x3,500,2,0.5,0.2,11,
        tiny,torch-cpu,4,1,64,bn1,batch norm,10,2,1,0.2,11,
        tiny,torch-cpu,4,1,64,relu1,activation,5,2,1,0.2,11,
        tiny,ort-cpu,4,1,64,conv1,dense convolution 3x3,1000,1,0.125,0.5,2.2,
        tiny,ort-cpu,4,1,64,conv2,dense convolution 3x3,500,0.5,0.125,0.25,2.2,
        tiny,ort-cpu,4,1,64,bn1,batch norm,10,0.25,0,0.125,2.2,fused
        tiny,ort-cpu,4,1,64,relu1,activation,5,0.25,0,0.125,2.2,fused

        """;

    private static List<Dictionary<string, string>> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        return csv.GetRecords<dynamic>().Select(r => ((IDictionary<string, object>)r).ToDictionary(p => p.Key, p => (string)p.Value)).ToList();
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public void A_profile_folder_gives_the_layer_figures_and_a_layer_types_table_with_shares_fixed_times_and_speedups()
    {
        string profile = _temp.Combine("profile");
        Directory.CreateDirectory(profile);
        File.WriteAllText(Path.Combine(profile, RunFolder.LayersFileName), TinyLayers);
        string output = _temp.Combine("report");

        var outcome = ReportGenerator.Generate([new RunFolder(profile)], output, new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Contains("layer-time-share", outcome.Figures);
        Assert.Contains("layer-speedup_ort-cpu", outcome.Figures);
        Assert.DoesNotContain(outcome.SkippedFigures, s => s.Figure.Contains("layer", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(outcome.Warnings, w => w.Contains("without manifest.json", StringComparison.Ordinal));
        var rows = ReadCsv(Path.Combine(output, "tables", "layer-types.csv"));
        var byKey = rows.ToDictionary(r => (r["backend"], r["layer_type"]));
        void Expect(string backend, string type, int layers, double time, double fixedMs, double share, double? speedup, double? saved)
        {
            var row = byKey[(backend, type)];
            Assert.Equal(layers, int.Parse(row["layers"], CultureInfo.InvariantCulture));
            Assert.Equal(time, Number(row["time_ms"]), 12);
            Assert.Equal(fixedMs, Number(row["fixed_ms"]), 12);
            Assert.Equal(share, Number(row["share"]), 12);
            if (speedup is null) Assert.Equal("", row["speedup"]); else Assert.Equal(speedup.Value, Number(row["speedup"]), 12);
            if (saved is null) Assert.Equal("", row["saved_fraction"]); else Assert.Equal(saved.Value, Number(row["saved_fraction"]), 12);
        }
        Expect("torch-cpu", "dense convolution 3x3", 2, 6, 1, 0.6, null, null);
        Expect("torch-cpu", "batch norm", 1, 2, 1, 0.2, null, null);
        Expect("torch-cpu", ReportTables.AllLayers, 4, 10, 3, 1, null, null);
        // ort-cpu saves 8 ms: 4.5 of them in the convolutions, 1.75 in each of batch norm and activation.
        Expect("ort-cpu", "dense convolution 3x3", 2, 1.5, 0.25, 0.75, 4, 4.5 / 8);
        Expect("ort-cpu", "batch norm", 1, 0.25, 0, 0.125, 8, 1.75 / 8);
        Expect("ort-cpu", "activation", 1, 0.25, 0, 0.125, 8, 1.75 / 8);
        Expect("ort-cpu", ReportTables.AllLayers, 4, 2, 0.25, 1, 5, 1);
        Assert.Equal(0.3, Number(byKey[("torch-cpu", ReportTables.AllLayers)]["fixed_fraction"]), 12);
        Assert.Equal(10.0 / 11, Number(byKey[("torch-cpu", ReportTables.AllLayers)]["coverage"]), 12);
        Assert.Equal("2", byKey[("ort-cpu", ReportTables.AllLayers)]["fused_layers"]);
        Assert.Contains(outcome.Headlines, h => h.StartsWith("torch-cpu: 30% of the summed per-layer time", StringComparison.Ordinal));
        Assert.Contains(outcome.Headlines, h => h.StartsWith("tiny, ort-cpu over torch-cpu: 5.00×", StringComparison.Ordinal) && h.Contains("dense convolution 3x3 56% (4.0×)"));
        Assert.Contains("layer-types", File.ReadAllText(Path.Combine(output, "report.md")));
    }

    [Fact]
    public void A_run_folder_with_layers_csv_gets_the_layer_figures_beside_the_others_and_one_without_says_why_not()
    {
        var small = new SyntheticRun { RunId = "profiled", Patterns = ["residual"], Depths = [2, 4], Widths = [1.0], ReferenceNetworks = [], Backends = ["torch-cpu", "ort-cpu"] };
        var run = small.Write(_temp.Combine("profiled"));
        File.WriteAllText(run.LayersFile, TinyLayers);
        var plain = (small with { RunId = "plain" }).Write(_temp.Combine("plain"));

        var profiled = ReportGenerator.Generate([run], _temp.Combine("report"), new ReportOptions { Formats = FigureFormats.Svg });
        var unprofiled = ReportGenerator.Generate([plain], _temp.Combine("report-plain"), new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Contains("layer-time-share", profiled.Figures);
        Assert.Contains("speedup-vs-depth_ort-cpu_w1.0", profiled.Figures);
        Assert.Contains("tables/layer-types.csv", profiled.Files);
        Assert.DoesNotContain("tables/layer-types.csv", unprofiled.Files);
        Assert.Contains("no layers.csv", Assert.Single(unprofiled.SkippedFigures, s => s.Figure.StartsWith("Per-layer", StringComparison.Ordinal)).Reason);
    }

    [Fact]
    public void Layer_speedups_need_a_baseline_profile_and_say_so()
    {
        string profile = _temp.Combine("ort-only");
        Directory.CreateDirectory(profile);
        File.WriteAllText(Path.Combine(profile, RunFolder.LayersFileName),
            string.Join('\n', TinyLayers.Split('\n').Where(l => !l.Contains("torch-cpu", StringComparison.Ordinal))));

        var outcome = ReportGenerator.Generate([new RunFolder(profile)], _temp.Combine("report"), new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Contains("layer-time-share", outcome.Figures);
        Assert.Contains("no per-layer profile of the baseline torch-cpu", Assert.Single(outcome.SkippedFigures, s => s.Figure == "Speed-up per layer type").Reason);
    }

    [Fact]
    public void Profiles_at_two_resolutions_give_one_figure_each_named_after_its_setting()
    {
        string profile = _temp.Combine("two-resolutions");
        Directory.CreateDirectory(profile);
        var lines = TinyLayers.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        File.WriteAllText(Path.Combine(profile, RunFolder.LayersFileName),
            string.Join('\n', lines.Concat(lines.Skip(1).Select(l => l.Replace(",4,1,64,", ",4,1,128,", StringComparison.Ordinal)))) + "\n");

        var outcome = ReportGenerator.Generate([new RunFolder(profile)], _temp.Combine("report"), new ReportOptions { Formats = FigureFormats.Svg });

        Assert.Equal(["layer-speedup_ort-cpu_t4_b1_r128", "layer-speedup_ort-cpu_t4_b1_r64", "layer-time-share_t4_b1_r128", "layer-time-share_t4_b1_r64"],
            outcome.Figures.Where(f => f.StartsWith("layer", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(2, outcome.Headlines.Count(h => h.StartsWith("tiny (", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_folder_with_neither_results_nor_layers_is_refused_naming_both()
    {
        string empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<ResultsFormatException>(() => ReportGenerator.Generate([new RunFolder(empty)], _temp.Combine("report"), new ReportOptions()));

        Assert.Contains("results.csv", error.Message);
        Assert.Contains("layers.csv", error.Message);
        Assert.False(Directory.Exists(_temp.Combine("report")));
    }
}
