using System.Globalization;
using FormFollowsFunction.Cli;
using FormFollowsFunction.Cli.Commands;
using FormFollowsFunction.Reports.History;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Tests.History;

/// <summary><c>fff history</c> on synthetic nightly histories: steps found where planted and nowhere else, exit codes, outputs.</summary>
public sealed class HistoryTests : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static int Fff(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.Settings.StrictParsing = true;
            config.SetExceptionHandler((exception, _) => ErrorReporter.Report(exception));
            config.AddCommand<HistoryCommand>("history");
        });
        return app.Run(args);
    }

    private static HistoryOutcome Analyse(IEnumerable<string> runs, HistoryOptions? options = null) =>
        RunHistory.Analyse(runs.Select(p => new RunFolder(p)).ToList(), options ?? new HistoryOptions());

    /// <summary>ort-cpu 25% slower from run 6 of 8, onnxruntime 1.31.1 → 1.32.0 from run 6.</summary>
    private static readonly SyntheticHistory Planted = new()
    {
        Seed = 3,
        Factor = (run, backend, _) => backend == "ort-cpu" && run >= 6 ? 1.25 : 1.0,
        OnnxRuntimeVersion = run => run >= 6 ? "1.32.0" : "1.31.1",
    };

    [Fact]
    public void A_clean_noisy_history_has_no_step()
    {
        var runs = new SyntheticHistory { Runs = 40, RunNoise = 0.03, Seed = 11 }.Write(_temp.Combine("runs"));
        var outcome = Analyse(runs);
        Assert.Equal(6, outcome.Cells.Count);
        Assert.Empty(outcome.Steps);
        Assert.False(outcome.HasCurrentRegression);
        Assert.Equal(0, Fff("history", _temp.Combine("runs"), "--out", _temp.Combine("h")));
    }

    [Fact]
    public void A_planted_step_is_found_at_its_run_on_its_backend_only()
    {
        var runs = Planted.Write(_temp.Combine("runs"));
        var outcome = Analyse(runs);

        Assert.Equal(3, outcome.Steps.Count);
        Assert.All(outcome.Steps, s =>
        {
            Assert.Equal("ort-cpu", s.Cell.Key.Backend);
            Assert.Equal(SyntheticHistory.RunName(6), s.FirstRun.Id);
            Assert.Equal(SyntheticHistory.RunName(5), s.LastGoodRun.Id);
            Assert.Equal(StepVerdict.Regression, s.Verdict);
            Assert.InRange(s.Ratio, 1.15, 1.35);
            Assert.InRange(1.25, s.RatioLow!.Value, s.RatioHigh!.Value);
            Assert.True(s.IsPresentInNewestRun);
            Assert.Contains("onnxruntime 1.31.1 → 1.32.0", s.Changed, StringComparison.Ordinal);
            Assert.Contains("git 0005", s.Changed, StringComparison.Ordinal);
        });
        Assert.Equal(HistoryCommand.RegressionPresent, Fff("history", _temp.Combine("runs"), "--out", _temp.Combine("h")));

        string csv = File.ReadAllText(_temp.Combine("h", HistoryWriter.CsvFileName));
        Assert.StartsWith("machine,model,backend,threads,batch,resolution,machine_state_ns,first_run,last_good_run,ratio,ratio_ci95_low,ratio_ci95_high,verdict,", csv, StringComparison.Ordinal);
        Assert.Equal(4, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("regression", File.ReadAllText(_temp.Combine("h", HistoryWriter.MarkdownFileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_night_whose_launches_ran_in_two_machine_states_adds_a_point_to_each_states_series()
    {
        // Four launches a night. Nights 1 and 2: launches 1-2 near (105 ns), 3-4 far (420 ns, twice as slow);
        // nights 3-6 near, nights 7-8 far; ort-cpu 25% slower from night 6. The far state's series is nights 1, 2 | 7, 8:
        // a step of two nights on each side, first seen on night 7. The near series is 1-5 | 6: one night is no step yet.
        // Quiet nights (±0.5%): two against two nights is little to go on, and this is about which points each series gets.
        var runs = new SyntheticHistory
        {
            Runs = 8, Seed = 11, Launches = 4, RunNoise = 0.005, LaunchNoise = 0.005,
            CoreLatencyOfLaunch = (run, launch) => run >= 7 || (run <= 2 && launch >= 3) ? 420 : 105,
            StateFactor = core => core > 300 ? 2.0 : 1.0,
            Factor = (run, backend, _) => backend == "ort-cpu" && run >= 6 ? 1.25 : 1.0,
        }.Write(_temp.Combine("runs"));

        var outcome = Analyse(runs);

        var far = outcome.Cells.Where(c => c.MachineStateNs == 420).ToList();
        Assert.All(far, c => Assert.Equal([1, 2, 7, 8], c.Runs.Select(r => r.Index + 1)));
        Assert.All(outcome.Cells.Where(c => c.MachineStateNs == 105), c => Assert.Equal([1, 2, 3, 4, 5, 6], c.Runs.Select(r => r.Index + 1)));
        Assert.Equal(3, outcome.Steps.Count);
        Assert.All(outcome.Steps, s =>
        {
            Assert.Equal(("ort-cpu", 420.0, StepVerdict.Regression), (s.Cell.Key.Backend, s.Cell.MachineStateNs!.Value, s.Verdict));
            Assert.Equal((SyntheticHistory.RunName(2), SyntheticHistory.RunName(7)), (s.LastGoodRun.Id, s.FirstRun.Id));
            Assert.InRange(s.Ratio, 1.15, 1.35);
            Assert.True(s.IsPresentInNewestRun);
        });
        Assert.True(outcome.HasCurrentRegression);
    }

    [Fact]
    public void A_multi_threaded_cell_has_a_series_per_machine_state_and_a_step_is_found_in_each()
    {
        // Five of twelve nights ran with the host's CPUs far apart (420 ns), which makes every cell twice as slow;
        // ort-cpu is 25% slower from night 8. Per state: near 1,3,4,6 | 8,9,11; far 2,5,7 | 10,12.
        int[] far = [2, 5, 7, 10, 12];
        var runs = new SyntheticHistory
        {
            Runs = 12, Seed = 5,
            CoreLatencyOfRun = run => far.Contains(run) ? 420 : 105,
            Factor = (run, backend, _) => (far.Contains(run) ? 2.0 : 1.0) * (backend == "ort-cpu" && run >= 8 ? 1.25 : 1.0),
        }.Write(_temp.Combine("runs"));

        var outcome = Analyse(runs);

        Assert.Equal(12, outcome.Cells.Count); // 3 models x 2 backends x 2 states
        Assert.Equal([105.0, 420.0], outcome.Cells.Select(c => c.MachineStateNs!.Value).Distinct().Order());
        Assert.Equal(6, outcome.Steps.Count);
        Assert.All(outcome.Steps, s =>
        {
            Assert.Equal("ort-cpu", s.Cell.Key.Backend);
            Assert.Equal(StepVerdict.Regression, s.Verdict);
            Assert.InRange(s.Ratio, 1.15, 1.35);
            var (lastGood, first) = s.Cell.MachineStateNs == 105 ? (6, 8) : (7, 10);
            Assert.Equal((SyntheticHistory.RunName(lastGood), SyntheticHistory.RunName(first)), (s.LastGoodRun.Id, s.FirstRun.Id));
        });
        // The newest night ran in the far state: the regression of that state's series is the one present in it.
        Assert.All(outcome.Steps, s => Assert.Equal(s.Cell.MachineStateNs == 420, s.IsPresentInNewestRun));
        Assert.Equal(HistoryCommand.RegressionPresent, Fff("history", _temp.Combine("runs"), "--out", _temp.Combine("h")));
        Assert.Contains(",420,", File.ReadAllText(_temp.Combine("h", HistoryWriter.CsvFileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_dashboards_latency_line_is_moved_neither_by_nights_in_the_other_machine_state_nor_by_a_missing_cell()
    {
        // Every cell runs at 2 threads; the far nights (420 ns) make every cell twice as slow, and one model fails on night 4.
        int[] far = [2, 5, 7];
        var runs = new SyntheticHistory
        {
            Runs = 8, Seed = 5, RunNoise = 0.01,
            CoreLatencyOfRun = run => far.Contains(run) ? 420 : 105,
            Factor = (run, _, _) => far.Contains(run) ? 2.0 : 1.0,
            Fails = (run, model) => run == 4 && model == "residual-d3-w1.0",
        }.Write(_temp.Combine("runs"));
        var machine = Assert.Single(Analyse(runs).Machines);

        var latency = MachineTrends.RelativeLatency(machine);

        Assert.Equal([("ort-cpu", 8), ("torch-cpu", 8)], latency.Select(l => (l.Backend, l.Points.Count)));
        // Run-to-run noise only: a geometric mean of latencies would double on nights 2, 5 and 7 and move on night 4.
        Assert.All(latency, l => Assert.All(l.Points, p => Assert.InRange(p.Value, 0.95, 1.05)));
    }

    [Fact]
    public void The_dashboards_lines_show_a_backends_change_by_its_factor()
    {
        var runs = Planted.Write(_temp.Combine("runs"));
        var machine = Assert.Single(Analyse(runs).Machines);

        var latency = MachineTrends.RelativeLatency(machine);
        var speedup = Assert.Single(MachineTrends.Speedup(machine, "torch-cpu"));

        Assert.Equal(["ort-cpu", "torch-cpu"], latency.Select(l => l.Backend));
        // ort-cpu 25% slower from run 6: its relative latency and its speed-up move by that factor; torch-cpu's does not.
        Assert.InRange(latency[0].Points[7].Value / latency[0].Points[0].Value, 1.15, 1.35);
        Assert.InRange(latency[1].Points[7].Value / latency[1].Points[0].Value, 0.93, 1.07);
        Assert.Equal("ort-cpu", speedup.Backend);
        Assert.InRange(speedup.Points[0].Value / speedup.Points[7].Value, 1.15, 1.35);
    }

    [Fact]
    public void The_runs_before_a_step_alone_have_no_regression()
    {
        var runs = Planted.Write(_temp.Combine("runs"));
        Assert.Empty(Analyse(runs.Take(5)).Steps);
        var args = new List<string> { "history" };
        args.AddRange(runs.Take(5));
        args.AddRange(["--out", _temp.Combine("h")]);
        Assert.Equal(0, Fff([.. args]));
        // --last picks the newest runs: the last 3 hold only the new level.
        Assert.Empty(Analyse(runs, new HistoryOptions { Last = 3 }).Steps);
        Assert.Equal(0, Fff("history", _temp.Combine("runs"), "--last", "3", "--out", _temp.Combine("h3")));
        Assert.Equal(0, Fff("history", _temp.Combine("runs"), "--since", "2026-01-06", "--out", _temp.Combine("h4")));
    }

    [Fact]
    public void One_slow_night_is_no_step()
    {
        var runs = new SyntheticHistory { Factor = (run, backend, _) => backend == "ort-cpu" && run == 4 ? 1.4 : 1.0 }.Write(_temp.Combine("runs"));
        Assert.Empty(Analyse(runs).Steps);
        // Nor is the newest night alone: a new level must persist.
        var last = new SyntheticHistory { Factor = (run, backend, _) => backend == "ort-cpu" && run == 8 ? 1.4 : 1.0 }.Write(_temp.Combine("last"));
        Assert.Empty(Analyse(last).Steps);
        Assert.Equal(0, Fff("history", _temp.Combine("last"), "--out", _temp.Combine("h")));
        // With --min-persistence 1 the newest night is a level of its own.
        Assert.Equal(HistoryCommand.RegressionPresent, Fff("history", _temp.Combine("last"), "--min-persistence", "1", "--out", _temp.Combine("h1")));
    }

    [Fact]
    public void An_improvement_is_found_and_does_not_fail_the_job()
    {
        var runs = new SyntheticHistory { Runs = 10, Factor = (run, backend, _) => backend == "torch-cpu" && run >= 5 ? 0.7 : 1.0 }.Write(_temp.Combine("runs"));
        var outcome = Analyse(runs);
        Assert.Equal(3, outcome.Steps.Count);
        Assert.All(outcome.Steps, s =>
        {
            Assert.Equal(StepVerdict.Improvement, s.Verdict);
            Assert.Equal("torch-cpu", s.Cell.Key.Backend);
            Assert.Equal(SyntheticHistory.RunName(5), s.FirstRun.Id);
            Assert.InRange(s.Ratio, 0.63, 0.77);
        });
        Assert.Equal(0, Fff("history", _temp.Combine("runs"), "--out", _temp.Combine("h")));
    }

    [Fact]
    public void A_regression_later_fixed_is_reported_but_not_present()
    {
        var runs = new SyntheticHistory { Runs = 12, Factor = (run, backend, _) => backend == "ort-cpu" && run is >= 4 and <= 8 ? 1.3 : 1.0 }.Write(_temp.Combine("runs"));
        var outcome = Analyse(runs);
        Assert.Equal(6, outcome.Steps.Count);
        Assert.Equal(3, outcome.Steps.Count(s => s.Verdict == StepVerdict.Regression && s.FirstRun.Id == SyntheticHistory.RunName(4)));
        Assert.Equal(3, outcome.Steps.Count(s => s.Verdict == StepVerdict.Improvement && s.FirstRun.Id == SyntheticHistory.RunName(9)));
        Assert.False(outcome.HasCurrentRegression);
    }

    [Fact]
    public void Machines_are_told_apart_by_hostname_and_fingerprint()
    {
        var a = new SyntheticHistory { Runs = 4 }.Write(_temp.Combine("all", "a"));
        var b = new SyntheticHistory { Runs = 4, Hostname = "lab-02", Factor = (_, _, _) => 2.0 }.Write(_temp.Combine("all", "b"));
        var outcome = Analyse(a.Concat(b));
        Assert.Equal(["lab-01", "lab-02"], outcome.Machines.Select(m => m.Name).ToArray());
        Assert.All(outcome.Machines, m => Assert.Equal(4, m.Runs.Count));
        Assert.Empty(outcome.Steps);
        // Folders of run folders are searched two levels down.
        Assert.Equal(8, RunHistory.Find([_temp.Combine("all")]).Count);
    }

    [Fact]
    public void The_dashboard_is_one_html_file_with_an_anchor_per_cell()
    {
        var runs = Planted.Write(_temp.Combine("runs"));
        Assert.Equal(HistoryCommand.RegressionPresent, Fff("history", _temp.Combine("runs"), "--out", _temp.Combine("h")));
        string html = File.ReadAllText(_temp.Combine("h", HistoryWriter.HtmlFileName));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.EndsWith("</html>\n", html, StringComparison.Ordinal);
        var outcome = Analyse(runs);
        foreach (var cell in outcome.Cells) Assert.Contains($"id=\"{cell.Anchor}\"", html, StringComparison.Ordinal);
        foreach (var step in outcome.Steps) Assert.Contains($"href=\"#{step.Cell.Anchor}\"", html, StringComparison.Ordinal);
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal);
        Assert.Contains("<polyline", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"figures/", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_gives_one_line_exit_2_and_writes_nothing()
    {
        Directory.CreateDirectory(_temp.Combine("empty"));
        _temp.Write("notes/readme.txt", "not a run");
        string output = _temp.Combine("h");
        foreach (var args in new[]
                 {
                     new[] { "history", _temp.Combine("empty"), "--out", output },
                     ["history", _temp.Combine("notes"), "--out", output],
                     ["history", _temp.Combine("missing"), "--out", output],
                 })
        {
            var result = FffProgram.Run(args);
            Assert.Equal(ErrorReporter.InputError, result.ExitCode);
            Assert.Single(result.ErrorLines);
            Assert.StartsWith("error:", result.ErrorLines[0], StringComparison.Ordinal);
            Assert.False(Directory.Exists(output));
        }
        var runs = new SyntheticHistory { Runs = 3 }.Write(_temp.Combine("runs"));
        Assert.Equal(ErrorReporter.InputError, Fff("history", runs[0], "--since", "yesterday", "--out", output));
        Assert.Equal(ErrorReporter.InputError, Fff("history", runs[0], "--since", "2030-01-01", "--out", output));
        Assert.Equal(ErrorReporter.InputError, Fff("history", runs[0], "--out", _temp.Combine("notes")));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void L1_fit_finds_a_clean_step_and_ignores_an_outlier()
    {
        double[] y = [0, 0.01, -0.01, 0, 0.01, 0.22, 0.23, 0.21, 0.22];
        var fit = StepDetector.L1Fit(y, penalty: 0.1);
        Assert.Equal([(0, 5), (5, 9)], fit.Select(s => (s.Start, s.End)).ToArray());
        double[] outlier = [0, 0.01, -0.01, 0.34, 0, 0.01, 0, -0.01];
        var detection = StepDetector.Detect(outlier, new StepDetectorOptions());
        Assert.Empty(detection.Steps);
        // 1.4826 · 0.5 / √2 = 0.524
        Assert.InRange(StepDetector.NoiseSigma([0, 0.5, 1.0, 1.5], 0.001), 0.52, 0.53);
    }

    [Fact]
    public void A_year_of_nightly_runs_of_300_cells_gives_a_dashboard_under_20_MB()
    {
        var history = new SyntheticHistory
        {
            Runs = 365, Models = 100, Backends = ["torch-cpu", "ort-cpu", "ort-openvino"], Launches = 2, RunNoise = 0.03,
            Factor = (run, backend, model) => backend == "ort-cpu" && model == "residual-d7-w1.0" && run >= 300 ? 1.3 : 1.0,
        };
        // FFF_SYNTHETIC_HISTORY=DIR keeps the runs in DIR, to time 'fff history DIR' by hand (docs/reports.md).
        string folder = Environment.GetEnvironmentVariable("FFF_SYNTHETIC_HISTORY") is { Length: > 0 } keep ? keep : _temp.Combine("runs");
        history.Write(folder);
        var outcome = RunHistory.Analyse(RunHistory.Find([folder]), new HistoryOptions());
        Assert.Equal(300, outcome.Cells.Count);
        Assert.Contains(outcome.Steps, s => s.Cell.Key.Model == "residual-d7-w1.0" && s.FirstRun.Id == SyntheticHistory.RunName(300) && s.IsPresentInNewestRun);
        HistoryWriter.Write(outcome, _temp.Combine("h"));
        long bytes = new FileInfo(_temp.Combine("h", HistoryWriter.HtmlFileName)).Length;
        Assert.True(bytes < 20L << 20, $"index.html is {bytes.ToString(CultureInfo.InvariantCulture)} bytes");
    }
}
