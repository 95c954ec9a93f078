using System.Globalization;
using CsvHelper;
using FormFollowsFunction.Reports;
using FormFollowsFunction.Reports.Comparison;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Results;
using static FormFollowsFunction.Tests.Reports.RowFactory;

using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Reports;

public sealed class RunComparerTests : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly Func<string, string, double> ResidualOnOrtCpuTenPercentSlower =
        (backend, model) => backend == "ort-cpu" && model.StartsWith("residual-", StringComparison.Ordinal) ? 1.10 : 1.0;

    private LoadedRun Write(SyntheticRun run) => LoadedRun.Load(run.Write(_temp.Combine(run.RunId)));

    [Fact]
    public void A_ten_percent_regression_in_raw_samples_is_flagged_by_Mann_Whitney()
    {
        var baseRun = Write(new SyntheticRun { RunId = "base", Seed = 11, Samples = true });
        var newRun = Write(new SyntheticRun { RunId = "new", Seed = 12, Samples = true, LatencyFactor = ResidualOnOrtCpuTenPercentSlower });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.True(outcome.HasRegression);
        var regressions = outcome.Cells.Where(c => c.Verdict == ComparisonVerdict.Regression).ToList();
        Assert.Equal(8, regressions.Count); // residual x 4 depths x 2 widths on ort-cpu
        Assert.All(regressions, c =>
        {
            Assert.Equal("ort-cpu", c.Key.Backend);
            Assert.StartsWith("residual-", c.Key.Model);
            Assert.Equal(SignificanceMethod.MannWhitney, c.Method);
            Assert.True(c.PValue < 0.001, $"p = {c.PValue}");
            Assert.InRange(c.Ratio!.Value, 1.05, 1.16);
        });
        Assert.Equal(0, outcome.Count(ComparisonVerdict.Improvement));
        Assert.Equal(SyntheticRun.FailurePlan.Count, outcome.Count(ComparisonVerdict.StillFailing));
        // Runs from before launches: today's within-process test, with the warning that says what its p-values are worth.
        string warning = Assert.Single(outcome.Warnings);
        Assert.Contains("has no launches.csv", warning);
        Assert.Contains("describe one worker process each and overstate significance", warning);
        Assert.All(outcome.Cells, c => Assert.Null(c.DetectableChangePercent));
    }

    [Fact]
    public void Two_runs_drawn_from_the_same_distribution_pass()
    {
        var baseRun = Write(new SyntheticRun { RunId = "base", Seed = 21, Samples = true });
        var newRun = Write(new SyntheticRun { RunId = "new", Seed = 22, Samples = true });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.False(outcome.HasRegression);
        Assert.Equal(0, outcome.Count(ComparisonVerdict.Improvement));
        Assert.Equal(outcome.Cells.Count - SyntheticRun.FailurePlan.Count, outcome.Count(ComparisonVerdict.Unchanged));
        Assert.All(outcome.Cells.Where(c => c.Verdict == ComparisonVerdict.Unchanged), c => Assert.InRange(c.Ratio!.Value, 0.97, 1.03));
    }

    [Fact]
    public void Without_samples_the_confidence_intervals_decide()
    {
        var baseRun = Write(new SyntheticRun { RunId = "base", Seed = 31 });
        var newRun = Write(new SyntheticRun { RunId = "new", Seed = 32, LatencyFactor = ResidualOnOrtCpuTenPercentSlower });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        var regressions = outcome.Cells.Where(c => c.Verdict == ComparisonVerdict.Regression).ToList();
        Assert.Equal(8, regressions.Count);
        Assert.All(regressions, c => Assert.Equal(SignificanceMethod.IntervalOverlap, c.Method));
        Assert.All(regressions, c => Assert.Null(c.PValue));
    }

    [Fact]
    public void A_large_change_with_overlapping_intervals_is_not_significant_and_one_without_any_interval_is_inconclusive()
    {
        var baseRun = Run("base", [
            Row("wide-d2-w1.0", "ort-cpu", 10, ciLow: 8, ciHigh: 12),
            Row("bare-d2-w1.0", "ort-cpu", 10),
            Row("fast-d2-w1.0", "ort-cpu", 10, ciLow: 9.9, ciHigh: 10.1),
        ]);
        var newRun = Run("new", [
            Row("wide-d2-w1.0", "ort-cpu", 11, ciLow: 9, ciHigh: 13),
            Row("bare-d2-w1.0", "ort-cpu", 12),
            Row("fast-d2-w1.0", "ort-cpu", 8, ciLow: 7.9, ciHigh: 8.1),
        ]);

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.Equal(ComparisonVerdict.NotSignificant, outcome.Cells.Single(c => c.Key.Model == "wide-d2-w1.0").Verdict);
        var bare = outcome.Cells.Single(c => c.Key.Model == "bare-d2-w1.0");
        Assert.Equal(ComparisonVerdict.Inconclusive, bare.Verdict);
        Assert.Contains("no raw samples and no confidence intervals", bare.Note);
        var fast = outcome.Cells.Single(c => c.Key.Model == "fast-d2-w1.0");
        Assert.Equal(ComparisonVerdict.Improvement, fast.Verdict);
        Assert.Equal(-20, fast.ChangePercent!.Value, 10);
        Assert.False(outcome.HasRegression);
    }

    [Fact]
    public void A_cell_that_stops_working_is_a_regression_and_one_that_starts_is_fixed()
    {
        var baseRun = Run("base", [Row("a-d2-w1.0", "ort-cpu", 10), Row("b-d2-w1.0", "ort-cpu", null, CellStatus.Crashed), Row("only-base-d2-w1.0", "ort-cpu", 1)]);
        var newRun = Run("new", [Row("a-d2-w1.0", "ort-cpu", null, CellStatus.Mismatch), Row("b-d2-w1.0", "ort-cpu", 10), Row("only-new-d2-w1.0", "ort-cpu", 1)]);

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        var broken = outcome.Cells.Single(c => c.Key.Model == "a-d2-w1.0");
        Assert.Equal(ComparisonVerdict.NewlyFailing, broken.Verdict);
        Assert.Contains("mismatch", broken.Note);
        Assert.Equal(ComparisonVerdict.Fixed, outcome.Cells.Single(c => c.Key.Model == "b-d2-w1.0").Verdict);
        Assert.True(outcome.HasRegression);
        Assert.Equal("only-base-d2-w1.0", Assert.Single(outcome.OnlyInBase).Model);
        Assert.Equal("only-new-d2-w1.0", Assert.Single(outcome.OnlyInNew).Model);
    }

    [Fact]
    public void An_ok_cell_missing_from_the_new_run_fails_the_comparison_and_a_failed_one_does_not()
    {
        var baseRun = Run("base", [Row("a-d2-w1.0", "ort-cpu", 10), Row("gone-d2-w1.0", "ort-openvino", 5)]);
        var newRun = Run("new", [Row("a-d2-w1.0", "ort-cpu", 10)]);

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.Equal(ComparisonVerdict.Unchanged, Assert.Single(outcome.Cells).Verdict);
        Assert.Equal("gone-d2-w1.0", Assert.Single(outcome.Lost).Model);
        Assert.True(outcome.HasRegression);

        var failedBefore = Run("base-failed", [Row("a-d2-w1.0", "ort-cpu", 10), Row("gone-d2-w1.0", "ort-openvino", null, CellStatus.Crashed)]);
        var again = RunComparer.Compare(failedBefore, newRun, new ComparisonOptions());
        Assert.Empty(again.Lost);
        Assert.False(again.HasRegression);
    }

    [Fact]
    public void Different_machines_configurations_and_versions_are_reported()
    {
        var baseRun = Write(new SyntheticRun { RunId = "base", Patterns = ["plain"], ReferenceNetworks = [] });
        var other = Write(new SyntheticRun { RunId = "other", Patterns = ["plain"], ReferenceNetworks = [], CpuModel = "Other CPU", Threads = 8 });

        var outcome = RunComparer.Compare(baseRun, other, new ComparisonOptions());

        Assert.Contains(outcome.Warnings, w => w == "machines differ: CPU: Synthetic CPU 9000 @ 3.0GHz vs Other CPU");
        Assert.Contains(outcome.Warnings, w => w == "configurations differ: threads: 4 vs 8");
        // Different thread counts are different cells: nothing matches, everything is listed as only in one run.
        Assert.Empty(outcome.Cells);
        Assert.Equal(baseRun.Rows.Count, outcome.OnlyInBase.Count);
    }

    [Fact]
    public void Compare_md_and_csv_are_written_together_with_every_matched_cell()
    {
        var baseRun = Write(new SyntheticRun { RunId = "base", Seed = 41, Patterns = ["residual"], ReferenceNetworks = [] });
        var newRun = Write(new SyntheticRun { RunId = "new", Seed = 42, Patterns = ["residual"], ReferenceNetworks = [], LatencyFactor = ResidualOnOrtCpuTenPercentSlower });
        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());
        string output = _temp.Combine("compare");

        var files = ComparisonWriter.Write(outcome, output);

        Assert.Equal(new[] { "compare.md", "compare.csv", "compare-backends.csv", "compare-speedups.csv" }.Select(f => Path.Combine(Path.GetFullPath(output), f)), files);
        string md = File.ReadAllText(Path.Combine(output, "compare.md"));
        Assert.Contains("Result: **regression found**", md);
        Assert.Contains("| regression | 8 |", md);
        using var reader = new StreamReader(Path.Combine(output, "compare.csv"));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(outcome.Cells.Count, rows.Count);
        Assert.Equal(8, rows.Count(r => (string)r["verdict"] == "regression"));
        Assert.All(rows.Where(r => (string)r["verdict"] == "regression"),
            r => Assert.True(double.Parse((string)r["ratio_new_over_base"], CultureInfo.InvariantCulture) > 1.05));

        // Every accelerated cell's speed-up in both runs: ort-cpu's residual cells lost about a tenth of theirs.
        var speedups = ReadCsv(Path.Combine(output, "compare-speedups.csv"));
        Assert.Equal(outcome.Speedups.Count, speedups.Count);
        Assert.NotEmpty(speedups);
        Assert.All(speedups.Where(r => (string)r["backend"] == "ort-cpu"),
            r => Assert.InRange(double.Parse((string)r["ratio_new_over_base"], CultureInfo.InvariantCulture), 0.85, 0.97));
        Assert.Contains("each run's speed-up inside the other run's 95% interval", md);
    }

    [Theory]
    [InlineData(-1, 0.05, "--threshold")]
    [InlineData(double.NaN, 0.05, "--threshold")]
    [InlineData(5, 0, "--alpha")]
    [InlineData(5, 1.5, "--alpha")]
    public void Bad_options_are_refused(double threshold, double alpha, string named)
    {
        var error = Assert.Throws<ReportInputException>(() => new ComparisonOptions { ThresholdPercent = threshold, Alpha = alpha }.Validate());
        Assert.StartsWith(named, error.Message);
    }

    [Fact]
    public void A_missing_run_folder_is_an_input_error()
    {
        var good = new SyntheticRun { RunId = "good", Patterns = ["plain"], ReferenceNetworks = [] }.Write(_temp.Combine("good"));

        var error = Assert.Throws<ResultsFormatException>(() => RunComparer.Compare(good, new RunFolder(_temp.Combine("nope")), new ComparisonOptions()));

        Assert.Contains("no such folder", error.Message);
    }

    // ---- launches ---------------------------------------------------------------------------

    /// <summary>
    /// 30 cells (15 networks on torch-cpu and ort-cpu), 5 launches each with log-normal noise of ±5% per process
    /// (two standard deviations: σ = 0.025 on the log). At this noise the Benjamini-Hochberg-corrected Welch test detects about
    /// 10% with 80% power, so a 25% change is caught in every cell; at σ = 0.05 it would be missed now and then (detectable ≈ 20%).
    /// </summary>
    private static readonly SyntheticRun Launched = new()
    {
        Backends = ["torch-cpu", "ort-cpu"], Patterns = ["plain", "residual", "dwbottleneck"], Depths = [2, 8], Widths = [0.5, 1.0],
        ReferenceNetworks = ["resnet50", "mobilenetv2", "darts"], WithFailures = false, Launches = 5, LaunchNoise = 0.025,
    };

    [Fact]
    public void Two_runs_drawn_from_the_same_launch_distribution_give_no_regression_or_improvement()
    {
        var baseRun = Write(Launched with { RunId = "base", Seed = 101 });
        var newRun = Write(Launched with { RunId = "new", Seed = 102 });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.Equal(30, outcome.Cells.Count);
        Assert.All(outcome.Cells, c =>
        {
            Assert.Equal(SignificanceMethod.WelchLaunches, c.Method);
            Assert.Equal((5, 5), (c.BaseLaunches, c.NewLaunches));
            Assert.NotNull(c.PAdjusted);
            Assert.True(c.PAdjusted >= c.PValue);
            Assert.InRange(c.DetectableChangePercent!.Value, 1, 100);
            Assert.DoesNotContain(c.Verdict, new[] { ComparisonVerdict.Regression, ComparisonVerdict.Improvement });
        });
        // None is significant after the correction, although noise moves a cell's median by a few percent.
        Assert.Equal(30, outcome.LaunchTestedCells);
        Assert.All(outcome.Backends, b => Assert.Equal(BackendVerdict.Unchanged, b.Verdict));
        Assert.Equal(["ort-cpu", "torch-cpu"], outcome.Backends.Select(b => b.Backend));
        Assert.Empty(outcome.Warnings);
        Assert.False(outcome.HasRegression);
    }

    [Fact]
    public void One_backend_25_percent_slower_regresses_in_every_cell_and_in_its_geometric_mean_and_the_other_is_not_flagged()
    {
        var baseRun = Write(Launched with { RunId = "base", Seed = 111 });
        var newRun = Write(Launched with { RunId = "new", Seed = 112, LatencyFactor = (backend, _) => backend == "ort-cpu" ? 1.25 : 1.0 });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        var ort = outcome.Cells.Where(c => c.Key.Backend == "ort-cpu").ToList();
        Assert.Equal(15, ort.Count);
        Assert.All(ort, c => Assert.Equal(ComparisonVerdict.Regression, c.Verdict));
        Assert.All(ort, c => Assert.True(c.PAdjusted < 0.05, $"{c.Key}: adjusted p = {c.PAdjusted}"));
        AssertTorchCpuNotFlagged(outcome);
        var ortBackend = outcome.Backends.Single(b => b.Backend == "ort-cpu");
        Assert.Equal(BackendVerdict.Regression, ortBackend.Verdict);
        Assert.Equal(15, ortBackend.Cells);
        Assert.InRange(ortBackend.GeometricMeanRatio!.Value, 1.18, 1.32);
        Assert.True(ortBackend.Ci95Low > 1.05);
        Assert.Equal(BackendVerdict.Unchanged, outcome.Backends.Single(b => b.Backend == "torch-cpu").Verdict);
        Assert.True(outcome.HasRegression);
        Assert.DoesNotContain(outcome.Warnings, w => w.StartsWith("every backend's geometric mean", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_backend_slower_together_is_still_a_regression_and_the_warning_points_at_the_machine()
    {
        // The machine, not an engine: every cell of both backends 20% slower.
        var baseRun = Write(Launched with { RunId = "base", Seed = 113 });
        var newRun = Write(Launched with { RunId = "new", Seed = 114, LatencyFactor = (_, _) => 1.2 });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.All(outcome.Backends, b => Assert.Equal(BackendVerdict.Regression, b.Verdict));
        Assert.True(outcome.HasRegression);
        string warning = Assert.Single(outcome.Warnings, w => w.StartsWith("every backend's geometric mean is slower (", StringComparison.Ordinal));
        foreach (var b in outcome.Backends) Assert.Contains(FormattableString.Invariant($"{b.Backend} {b.ChangePercent:+0.0;-0.0}%"), warning);
        Assert.Contains("more likely the machine's", warning);
    }

    [Fact]
    public void A_slow_down_too_thin_for_any_cell_is_caught_by_the_backend_geometric_mean()
    {
        // Every cell exactly 8% slower in every launch: each cell is beyond the threshold, but with 2 launches and
        // much noise no cell is significant after the correction; the geometric mean over 15 cells is.
        var noisy = Launched with { Launches = 2, LaunchNoise = 0.15 };
        var baseRun = Write(noisy with { RunId = "base", Seed = 121 });
        var newRun = Write(noisy with { RunId = "new", Seed = 121, LatencyFactor = (backend, _) => backend == "ort-cpu" ? 1.08 : 1.0 });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions { ThresholdPercent = 5 });

        // The same seed draws the same noise: every ort-cpu ratio is exactly 1.08, every torch-cpu ratio 1.
        Assert.All(outcome.Cells.Where(c => c.Key.Backend == "ort-cpu"), c => Assert.Equal(1.08, c.Ratio!.Value, 9));
        Assert.Equal(BackendVerdict.Regression, outcome.Backends.Single(b => b.Backend == "ort-cpu").Verdict);
        Assert.True(outcome.HasRegression);
    }

    [Fact]
    public void A_cell_measured_under_another_configuration_is_configuration_changed_and_fails_nothing()
    {
        const string capped = "cpu (oneDNN max ISA SSE41)";
        var baseRun = Write(Launched with { RunId = "base", Seed = 131 });
        var newRun = Write(Launched with
        {
            RunId = "new", Seed = 132,
            DeviceOf = (backend, model) => backend == "torch-cpu" && model == "resnet50" ? capped : "cpu",
            LatencyFactor = (backend, model) => backend == "torch-cpu" && model == "resnet50" ? 2.9 : 1.0,
        });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        var cell = outcome.Cells.Single(c => c.Key.Backend == "torch-cpu" && c.Key.Model == "resnet50");
        Assert.Equal(ComparisonVerdict.ConfigurationChanged, cell.Verdict);
        Assert.Equal([$"device: cpu → {capped}"], cell.ConfigurationChanges);
        Assert.Contains("device: cpu → cpu (oneDNN max ISA SSE41)", cell.Note);
        Assert.InRange(cell.Ratio!.Value, 2.5, 3.3);
        Assert.Equal(14, outcome.Backends.Single(b => b.Backend == "torch-cpu").Cells);
        Assert.Equal(29, outcome.LaunchTestedCells);
        Assert.False(outcome.HasRegression);

        string output = _temp.Combine("compare");
        ComparisonWriter.Write(outcome, output);
        var rows = ReadCsv(Path.Combine(output, "compare.csv"));
        var written = rows.Single(r => (string)r["model"] == "resnet50" && (string)r["backend"] == "torch-cpu");
        Assert.Equal("configuration-changed", written["verdict"]);
        Assert.Equal($"device: cpu → {capped}", written["configuration_changes"]);
    }

    [Fact]
    public void Multi_threaded_cells_measured_wholly_in_another_machine_state_are_machine_state_changed_and_fail_nothing()
    {
        // The host moved the CPUs apart between the runs: every launch of the new run at 420 ns, and twice as slow.
        var baseRun = Write(Launched with { RunId = "base", Seed = 161, CoreLatencyOfRound = _ => 105 });
        var newRun = Write(Launched with { RunId = "new", Seed = 162, CoreLatencyOfRound = _ => 420, RoundDrift = _ => 2.0 });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.All(outcome.Cells, c =>
        {
            Assert.Equal(ComparisonVerdict.MachineStateChanged, c.Verdict);
            Assert.Contains("core-to-core round trip 105 ns (5 launches) in the base run, 420 ns (5 launches) in the new one", c.Note);
            Assert.InRange(c.Ratio!.Value, 1.7, 2.3);
        });
        Assert.All(outcome.Backends, b => Assert.Equal(0, b.Cells));
        Assert.False(outcome.HasRegression);
        // Nothing was tested, and the user is told so rather than left with a quiet pass.
        string warning = Assert.Single(outcome.Warnings, w => w.Contains("ran in different machine states", StringComparison.Ordinal));
        Assert.StartsWith("30 of 30 compared cell(s)", warning);
        Assert.Contains("they are most of the comparison", warning);
        Assert.Equal("no regression among the 0 tested cells; 30 not tested (machine state changed)", outcome.Result);
    }

    [Fact]
    public void A_regression_is_found_on_the_launches_both_runs_measured_in_one_machine_state()
    {
        // The new run's last round ran with the CPUs far apart (twice as slow for every cell); ort-cpu is also 25% slower.
        var baseRun = Write(Launched with { RunId = "base", Seed = 171, CoreLatencyOfRound = _ => 105 });
        var newRun = Write(Launched with
        {
            RunId = "new", Seed = 172,
            CoreLatencyOfRound = r => r == 5 ? 420 : 110, RoundDrift = r => r == 5 ? 2.0 : 1.0,
            LatencyFactor = (backend, _) => backend == "ort-cpu" ? 1.25 : 1.0,
        });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        AssertOrtCpuRegressed(outcome, "compared on the launches at a core-to-core round trip of 105 ns (5 of 5 base, 4 of 5 new)");
        AssertTorchCpuNotFlagged(outcome);
        Assert.Equal(BackendVerdict.Regression, outcome.Backends.Single(b => b.Backend == "ort-cpu").Verdict);
        Assert.Equal(BackendVerdict.Unchanged, outcome.Backends.Single(b => b.Backend == "torch-cpu").Verdict);
    }

    [Fact]
    public void Launches_split_between_machine_states_in_both_runs_are_compared_with_the_state_as_a_blocking_factor()
    {
        // The host moved the CPUs in both runs: the base run's first round far apart (twice as slow) and the rest close,
        // the new run the other way round, so no one state holds two launches of each run; ort-cpu is 25% slower in the new run.
        var baseRun = Write(Launched with { RunId = "base", Seed = 197, CoreLatencyOfRound = r => r == 1 ? 420 : 105, RoundDrift = r => r == 1 ? 2.0 : 1.0 });
        var newRun = Write(Launched with
        {
            RunId = "new", Seed = 198,
            CoreLatencyOfRound = r => r == 1 ? 105 : 420, RoundDrift = r => r == 1 ? 1.0 : 2.0,
            LatencyFactor = (backend, _) => backend == "ort-cpu" ? 1.25 : 1.0,
        });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.All(outcome.Cells, c =>
        {
            Assert.Equal(SignificanceMethod.StateBlockedLaunches, c.Method);
            Assert.Contains("the state a blocking factor: core-to-core round trips 105 ns (4 of 5 base, 1 of 5 new) and 420 ns (1 of 5 base, 4 of 5 new)", c.Note);
        });
        AssertOrtCpuRegressed(outcome);
        AssertTorchCpuNotFlagged(outcome);
        Assert.Equal(BackendVerdict.Regression, outcome.Backends.Single(b => b.Backend == "ort-cpu").Verdict);

        string output = _temp.Combine("compare");
        ComparisonWriter.Write(outcome, output);
        Assert.All(ReadCsv(Path.Combine(output, "compare.csv")), r => Assert.Equal("state-blocked-launches", r["test"]));
    }

    [Fact]
    public void The_state_blocked_test_weighs_each_states_difference_and_pools_the_variance_within_runs_and_states()
    {
        // Differences 1 and 1; weights 1/(1/3 + 1/3) = 1.5 and 1/(1/2 + 1/2) = 1; squares 2 + 2 + 0.5 + 0.5 over df 2 + 2 + 1 + 1.
        var test = FormFollowsFunction.Reports.Statistics.StateBlockedTest.Compare([([1, 2, 3], [2, 3, 4]), ([10, 11], [11, 12])]);
        Assert.Equal(1, test.Difference, 12);
        Assert.Equal(6, test.DegreesOfFreedom);
        Assert.Equal(Math.Sqrt(5.0 / 6 / 2.5), test.StandardError, 12);
        Assert.Equal(Math.Sqrt(3), test.T, 12);
        Assert.InRange(test.PValue, 0.13, 0.14); // R: 2 * pt(-sqrt(3), 6) = 0.1340
        // The states' levels (1..3 against 10..12) do not enter: only the runs' differences within each state.
        Assert.Throws<ArgumentException>(() => FormFollowsFunction.Reports.Statistics.StateBlockedTest.Compare([([1], [2]), ([3], [4])]));
    }

    [Fact]
    public void A_launch_during_which_the_machine_state_changed_does_not_hide_a_regression()
    {
        // Both runs with the CPUs far apart (420 ns); ort-cpu 25% slower in the new run. Its round-2 launch probed 420 ns,
        // then the host moved the CPUs together and it ran 40% faster; the sweep's probe after it read 105 ns.
        var far = Launched with { CoreLatencyOfRound = _ => 420, CoreLatencyAfterRound = _ => 420 };
        var baseRun = Write(far with { RunId = "base", Seed = 195 });
        var newRun = Write(far with
        {
            RunId = "new", Seed = 196,
            CoreLatencyAfterRound = r => r == 2 ? 105 : 420, RoundDrift = r => r == 2 ? 0.6 : 1.0,
            LatencyFactor = (backend, _) => backend == "ort-cpu" ? 1.25 : 1.0,
        });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        AssertOrtCpuRegressed(outcome, "1 launch(es) during which the machine state changed set aside");
        AssertTorchCpuNotFlagged(outcome);
    }

    [Fact]
    public void A_launch_that_something_else_slowed_hides_neither_a_regression_nor_calls_one()
    {
        // One launch of every ort-cpu cell in the new run ran beside another job, 20 times slower; ort-cpu is also 25% slower.
        var baseRun = Write(Launched with { RunId = "base", Seed = 191 });
        var disturbed = Write(Launched with
        {
            RunId = "new", Seed = 192,
            LatencyFactor = (backend, _) => backend == "ort-cpu" ? 1.25 : 1.0,
            RoundDrift = round => round == 3 ? 20 : 1,
        });

        var outcome = RunComparer.Compare(baseRun, disturbed, new ComparisonOptions());

        AssertOrtCpuRegressed(outcome, "1 disturbed launch(es) set aside");
        AssertTorchCpuNotFlagged(outcome);
    }

    [Fact]
    public void Single_threaded_cells_are_compared_on_every_launch_whatever_the_machine_state()
    {
        var single = Launched with { Threads = 1 };
        var baseRun = Write(single with { RunId = "base", Seed = 181, CoreLatencyOfRound = _ => 105 });
        var newRun = Write(single with { RunId = "new", Seed = 182, CoreLatencyOfRound = _ => 420 });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.All(outcome.Cells, c =>
        {
            Assert.Equal(SignificanceMethod.WelchLaunches, c.Method);
            Assert.DoesNotContain(c.Verdict, new[] { ComparisonVerdict.MachineStateChanged, ComparisonVerdict.Regression, ComparisonVerdict.Improvement });
        });
    }

    [Fact]
    public void Configuration_changes_name_every_column_that_differs()
    {
        var a = Row("m-d2-w1.0", "ort-cpu", 10);
        a.Device = "cpu"; a.GraphOptimization = "all"; a.BackendVersion = "onnxruntime 1.31.1"; a.OnnxSha256 = "aa";
        var b = Row("m-d2-w1.0", "ort-cpu", 10);
        b.Device = "cpu"; b.GraphOptimization = "basic"; b.BackendVersion = "onnxruntime 1.32.0"; b.OnnxSha256 = "bb";

        Assert.Equal(["graph_optimization: all → basic", "backend_version: onnxruntime 1.31.1 → onnxruntime 1.32.0", "onnx_sha256: aa → bb"],
            RunComparer.ConfigurationChanges(a, b));
        Assert.Empty(RunComparer.ConfigurationChanges(a, a));
    }

    [Fact]
    public void A_run_without_launches_against_one_with_them_is_compared_the_old_way_with_the_warning()
    {
        var baseRun = Write(Launched with { RunId = "old", Seed = 141, Launches = 0 });
        var newRun = Write(Launched with { RunId = "new", Seed = 142 });

        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());

        Assert.All(outcome.Cells, c => Assert.Equal(SignificanceMethod.IntervalOverlap, c.Method));
        Assert.All(outcome.Cells, c => Assert.Equal((0, 5), (c.BaseLaunches, c.NewLaunches)));
        string warning = Assert.Single(outcome.Warnings);
        Assert.StartsWith("30 of 30 compared cell(s) could not be tested on launches (the base run old has no launches.csv", warning);

        string output = _temp.Combine("compare");
        ComparisonWriter.Write(outcome, output);
        Assert.Contains("overstate significance", File.ReadAllText(Path.Combine(output, "compare.md")));
    }

    [Fact]
    public void The_correction_keeps_a_cell_that_passes_alone_from_passing_among_many_unchanged_ones()
    {
        // One cell 14% slower with ±5-10% launch noise: p about 0.03 on its own. Nine identical cells beside it give p = 1.
        double[] noise = [10, 11, 9, 10.5, 9.5];
        (ResultRow, IReadOnlyList<LaunchRow>) Make(string model, double factor) => Cell(model, "ort-cpu", noise.Select(m => m * factor).ToList());
        var changedBase = Make("changed-d2-w1.0", 1.0);
        var changedNew = Make("changed-d2-w1.0", 1.14);
        var quietBase = Enumerable.Range(0, 9).Select(i => Make($"quiet{i}-d2-w1.0", 1.0)).ToList();
        var quietNew = Enumerable.Range(0, 9).Select(i => Make($"quiet{i}-d2-w1.0", 1.0)).ToList();

        var alone = RunComparer.Compare(
            Run("base", [changedBase.Item1], launches: changedBase.Item2),
            Run("new", [changedNew.Item1], launches: changedNew.Item2), new ComparisonOptions());
        var cell = Assert.Single(alone.Cells);
        Assert.InRange(cell.PValue!.Value, 0.01, 0.05);
        Assert.Equal(cell.PValue, cell.PAdjusted);
        Assert.Equal(ComparisonVerdict.Regression, cell.Verdict);

        var many = RunComparer.Compare(
            Run("base", [changedBase.Item1, .. quietBase.Select(q => q.Item1)], launches: [.. changedBase.Item2, .. quietBase.SelectMany(q => q.Item2)]),
            Run("new", [changedNew.Item1, .. quietNew.Select(q => q.Item1)], launches: [.. changedNew.Item2, .. quietNew.SelectMany(q => q.Item2)]),
            new ComparisonOptions());
        var among = many.Cells.Single(c => c.Key.Model == "changed-d2-w1.0");
        Assert.Equal(cell.PValue!.Value, among.PValue!.Value, 12);
        Assert.Equal(Math.Min(1, 10 * cell.PValue.Value), among.PAdjusted!.Value, 12);
        Assert.Equal(ComparisonVerdict.NotSignificant, among.Verdict);
        Assert.True(among.DetectableChangePercent > cell.DetectableChangePercent);
        Assert.All(many.Cells.Where(c => c != among), c => Assert.Equal((1.0, ComparisonVerdict.Unchanged), (c.PValue!.Value, c.Verdict)));
    }

    [Fact]
    public void Benjamini_Hochberg_adjusts_step_up_and_welch_matches_its_closed_form()
    {
        // Sorted 0.01, 0.03, 0.04, 0.5 (m = 4) → 4·0.01/1, 4·0.03/2, 4·0.04/3, 4·0.5/4, each then the least of
        // itself and those after it: 0.04, min(0.06, 0.0533) = 0.0533, 0.0533, 0.5.
        var adjusted = FormFollowsFunction.Reports.Statistics.MultipleTesting.BenjaminiHochberg([0.04, 0.5, 0.01, 0.03]);
        Assert.Equal([0.053333333333, 0.5, 0.04, 0.053333333333], adjusted.Select(p => Math.Round(p, 12)));
        // Many cells changed alike: every p-value 0.02 among 8 stays 0.02, where Holm would make the smallest 0.16.
        Assert.All(FormFollowsFunction.Reports.Statistics.MultipleTesting.BenjaminiHochberg(Enumerable.Repeat(0.02, 8).ToList()),
            p => Assert.Equal(0.02, p, 12));

        // Means 3 and 6, variances 2.5 and 10, n = 5: SE = √2.5, t = 3/√2.5, df = 2.5² / (0.5²/4 + 2²/4).
        var welch = FormFollowsFunction.Reports.Statistics.WelchTest.Compare([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
        Assert.Equal(3, welch.Difference, 12);
        Assert.Equal(Math.Sqrt(2.5), welch.StandardError, 12);
        Assert.Equal(3 / Math.Sqrt(2.5), welch.T, 12);
        Assert.Equal(6.25 / 1.0625, welch.DegreesOfFreedom, 12);
        Assert.InRange(welch.PValue, 0.105, 0.110); // R: t.test(c(2,4,6,8,10), c(1,2,3,4,5)) gives p = 0.1075
    }

    [Fact]
    public void Compare_backends_csv_and_the_detectable_change_are_written()
    {
        var baseRun = Write(Launched with { RunId = "base", Seed = 151 });
        var newRun = Write(Launched with { RunId = "new", Seed = 152, LatencyFactor = (backend, _) => backend == "ort-cpu" ? 1.25 : 1.0 });
        var outcome = RunComparer.Compare(baseRun, newRun, new ComparisonOptions());
        string output = _temp.Combine("compare");

        var files = ComparisonWriter.Write(outcome, output);

        Assert.Contains(Path.Combine(Path.GetFullPath(output), "compare-backends.csv"), files);
        Assert.Equal("backend,cells,geomean_ratio_new_over_base,geomean_change_percent,ci95_low_ratio,ci95_high_ratio,threshold_percent,verdict",
            File.ReadLines(Path.Combine(output, "compare-backends.csv")).First());
        var backends = ReadCsv(Path.Combine(output, "compare-backends.csv")).ToDictionary(r => (string)r["backend"]);
        Assert.Equal("regression", backends["ort-cpu"]["verdict"]);
        Assert.Equal("unchanged", backends["torch-cpu"]["verdict"]);
        Assert.Equal("15", backends["ort-cpu"]["cells"]);
        var cells = ReadCsv(Path.Combine(output, "compare.csv"));
        Assert.All(cells, r =>
        {
            Assert.Equal("welch-launches", r["test"]);
            Assert.True(double.Parse((string)r["detectable_change_percent"], CultureInfo.InvariantCulture) > 0);
            Assert.Equal(("5", "5"), ((string)r["base_launches"], (string)r["new_launches"]));
        });
        string md = File.ReadAllText(Path.Combine(output, "compare.md"));
        Assert.Contains("## Backends", md);
        Assert.Contains("| ort-cpu | 15 |", md);
        Assert.Contains("Benjamini and Hochberg", md);
        Assert.Contains("Welch", md);
        Assert.Contains("| backends with a geometric-mean regression (fails the comparison) | 1 |", md);
    }

    private static List<IDictionary<string, object>> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        return csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
    }

    /// <summary>Every ort-cpu cell is a regression of about the planted 25%, its note holding <paramref name="note"/> where given.</summary>
    private static void AssertOrtCpuRegressed(ComparisonOutcome outcome, string? note = null) =>
        Assert.All(outcome.Cells.Where(c => c.Key.Backend == "ort-cpu"), c =>
        {
            Assert.Equal(ComparisonVerdict.Regression, c.Verdict);
            Assert.InRange(c.Ratio!.Value, 1.15, 1.35);
            if (note is not null) Assert.Contains(note, c.Note);
        });

    /// <summary>No torch-cpu cell is flagged either way: the planted change touched ort-cpu alone.</summary>
    private static void AssertTorchCpuNotFlagged(ComparisonOutcome outcome) =>
        Assert.All(outcome.Cells.Where(c => c.Key.Backend == "torch-cpu"),
            c => Assert.DoesNotContain(c.Verdict, new[] { ComparisonVerdict.Regression, ComparisonVerdict.Improvement }));
}
