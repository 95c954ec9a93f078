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
        Assert.Empty(outcome.Warnings);
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

        Assert.Equal([Path.Combine(Path.GetFullPath(output), "compare.md"), Path.Combine(Path.GetFullPath(output), "compare.csv")], files);
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
}
