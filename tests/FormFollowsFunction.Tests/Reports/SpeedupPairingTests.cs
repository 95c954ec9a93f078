using FormFollowsFunction.Reports.Comparison;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Statistics;
using FormFollowsFunction.Results;
using static FormFollowsFunction.Tests.Reports.RowFactory;

namespace FormFollowsFunction.Tests.Reports;

public sealed class SpeedupPairingTests
{
    [Fact]
    public void Ok_cells_pair_with_the_baseline_of_the_same_model_and_setting()
    {
        var run = Run("r1", [
            Row("plain-d4-w1.0", "torch-cpu", 10.0, ciLow: 9.5, ciHigh: 10.5),
            Row("plain-d4-w1.0", "ort-cpu", 4.0, ciLow: 3.9, ciHigh: 4.1),
            Row("plain-d4-w1.0", "ort-openvino", 2.0),
        ]);

        var set = SpeedupPairing.Pair([run]);

        Assert.Equal(2, set.Speedups.Count);
        var ort = Assert.Single(set.Speedups, s => s.Backend == "ort-cpu");
        Assert.Equal(2.5, ort.Value, 12);
        Assert.Equal("torch-cpu", ort.BaselineBackend);
        // Ratio of extreme bounds: baseline low / backend high, baseline high / backend low.
        Assert.Equal((9.5 / 4.1, 10.5 / 3.9), ort.Interval!.Value);
        Assert.Null(Assert.Single(set.Speedups, s => s.Backend == "ort-openvino").Interval);
        Assert.Equal(["ort-cpu", "ort-openvino"], set.Backends);
        Assert.Empty(set.Unpaired);
    }

    [Fact]
    public void Non_ok_cells_never_become_speedups_and_missing_or_failed_baselines_are_explained()
    {
        var run = Run("r1", [
            Row("a-d2-w1.0", "torch-cpu", 10.0),
            Row("a-d2-w1.0", "ort-cpu", 1.0, CellStatus.Mismatch),   // fast but wrong
            Row("b-d2-w1.0", "ort-cpu", 5.0),                        // no baseline at all
            Row("c-d2-w1.0", "torch-cpu", null, CellStatus.Crashed),
            Row("c-d2-w1.0", "ort-cpu", 5.0),                        // baseline crashed
            Row("d-d2-w1.0", "torch-cpu", 10.0, threads: 4),
            Row("d-d2-w1.0", "ort-cpu", 5.0, threads: 8),            // other setting: not the same cell
            Row("e-d2-w1.0", "torch-cpu", 10.0),
            Row("e-d2-w1.0", "ort-cpu", 5.0, CellStatus.Timeout),
        ]);

        var set = SpeedupPairing.Pair([run]);

        Assert.Empty(set.Speedups);
        Assert.Equal(["b-d2-w1.0", "c-d2-w1.0", "d-d2-w1.0"], set.Unpaired.Select(u => u.Row.Model).Order());
        Assert.Contains("no ok torch-cpu cell", set.Unpaired.Single(u => u.Row.Model == "b-d2-w1.0").Reason);
        Assert.Contains("status crashed", set.Unpaired.Single(u => u.Row.Model == "c-d2-w1.0").Reason);
    }

    [Fact]
    public void Another_baseline_can_be_chosen()
    {
        var run = Run("r1", [Row("m-d2-w1.0", "torch-cpu", 10.0), Row("m-d2-w1.0", "ort-cpu", 4.0)]);

        var set = SpeedupPairing.Pair([run], "ort-cpu");

        var speedup = Assert.Single(set.Speedups);
        Assert.Equal("torch-cpu", speedup.Backend);
        Assert.Equal(0.4, speedup.Value, 12);
    }

    [Fact]
    public void A_run_without_the_baseline_borrows_it_from_a_run_on_the_same_machine_only()
    {
        var baselineRun = Run("torch-only", [Row("m-d2-w1.0", "torch-cpu", 9.0)]);
        var ortRun = Run("ort-only", [Row("m-d2-w1.0", "ort-cpu", 3.0)]);
        var elsewhere = Run("ort-elsewhere", [Row("m-d2-w1.0", "ort-cpu", 3.0)], SyntheticRun.Machine("Other CPU"));

        var set = SpeedupPairing.Pair([baselineRun, ortRun, elsewhere]);

        var speedup = Assert.Single(set.Speedups);
        Assert.Equal("ort-only", speedup.Run.RunId);
        Assert.Equal("torch-only", speedup.BaselineRun.RunId);
        Assert.Equal(3.0, speedup.Value, 12);
        Assert.Equal("ort-elsewhere", Assert.Single(set.Unpaired).Run.RunId);
    }

    [Fact]
    public void The_last_row_of_a_cell_measured_twice_is_the_one_that_counts()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var run = Run("r1", [
            Row("m-d2-w1.0", "torch-cpu", 10.0, time: t0),
            Row("m-d2-w1.0", "ort-cpu", null, CellStatus.Crashed, time: t0.AddMinutes(1)),
            Row("m-d2-w1.0", "ort-cpu", 5.0, time: t0.AddMinutes(2)),
        ]);

        var speedup = Assert.Single(SpeedupPairing.Pair([run]).Speedups);

        Assert.Equal(2.0, speedup.Value, 12);
        Assert.Equal(2, run.CurrentRows.Count);
    }

    [Fact]
    public void Launches_paired_round_by_round_give_a_t_interval_on_the_log_ratios()
    {
        // Baseline launches 10, 12, 11, 10 ms; backend 5, 5, 4.4 ms and a crash in round 4: three pairs.
        var (baseline, baselineLaunches) = Cell("m-d2-w1.0", "torch-cpu", [10, 12, 11, 10]);
        var (backend, backendLaunches) = Cell("m-d2-w1.0", "ort-cpu", [5, 5, 4.4]);
        var crashed = Launch(backend, 4, null, CellStatus.Crashed);
        var run = Run("r1", [baseline, backend], launches: [.. baselineLaunches, .. backendLaunches, crashed]);

        var speedup = Assert.Single(SpeedupPairing.Pair([run]).Speedups);

        // The point value stays the ratio of the rows' medians: 10.5 / 5.
        Assert.Equal(2.1, speedup.Value, 12);
        Assert.Equal([(1, 2.0), (2, 2.4), (3, 2.5)], speedup.Pairs.Select(p => (p.Round, Math.Round(p.Ratio, 12))));
        Assert.Equal(SpeedupIntervalMethod.LaunchPairs, speedup.IntervalMethod);
        // By hand: logs of 2, 2.4, 2.5; s = their sample standard deviation; t(0.975, 2) = 4.302652729911275.
        double[] logs = [Math.Log(2.0), Math.Log(2.4), Math.Log(2.5)];
        double mean = logs.Average();
        double s = Math.Sqrt(logs.Sum(l => (l - mean) * (l - mean)) / 2);
        double half = 4.302652729911275 * s / Math.Sqrt(3);
        var (low, high) = speedup.Interval!.Value;
        Assert.Equal(2.1 * Math.Exp(-half), low, 9);
        Assert.Equal(2.1 * Math.Exp(half), high, 9);
        Assert.Equal(1.5633, low, 3);
        Assert.Equal(2.8210, high, 3);
        Assert.Equal(speedup.PairedInterval, speedup.Interval);
        Assert.NotEqual(speedup.BoundsInterval, speedup.Interval);
    }

    [Fact]
    public void Without_two_pairs_or_with_a_borrowed_baseline_the_interval_falls_back_to_the_rows_bounds()
    {
        var (baseline, baselineLaunches) = Cell("m-d2-w1.0", "torch-cpu", [10, 12]);
        var (backend, backendLaunches) = Cell("m-d2-w1.0", "ort-cpu", [5, 6]);
        // Round 2 of the backend failed: one pair only.
        var onePair = Run("r1", [baseline, backend], launches: [.. baselineLaunches, backendLaunches[0], Launch(backend, 2, null, CellStatus.Failed)]);

        var single = Assert.Single(SpeedupPairing.Pair([onePair]).Speedups);
        Assert.Single(single.Pairs);
        Assert.Equal(SpeedupIntervalMethod.Bounds, single.IntervalMethod);
        Assert.Equal(single.BoundsInterval, single.Interval);

        // A baseline borrowed from another run ran at other times: its rounds are not paired.
        var torchOnly = Run("torch-only", [baseline], launches: baselineLaunches);
        var ortOnly = Run("ort-only", [backend], launches: backendLaunches);
        var borrowed = Assert.Single(SpeedupPairing.Pair([torchOnly, ortOnly]).Speedups);
        Assert.Empty(borrowed.Pairs);
        Assert.Equal(SpeedupIntervalMethod.Bounds, borrowed.IntervalMethod);
        Assert.StartsWith("Error bars: interval [baseline CI low", SpeedupIntervals.ErrorBarNote([borrowed]));
    }

    [Fact]
    public void A_round_whose_two_launches_ran_in_different_machine_states_is_not_paired_when_threads_synchronise()
    {
        var (baseline, baselineLaunches) = Cell("m-d2-w1.0", "torch-cpu", [10, 10, 10.5]);
        var (backend, backendLaunches) = Cell("m-d2-w1.0", "ort-cpu", [5, 5, 5]);
        // The host moved the CPUs apart between the two launches of round 3.
        double[] baselineNs = [105, 110, 420], backendNs = [104, 108, 106];
        for (int i = 0; i < 3; i++)
        {
            baselineLaunches[i].Measurement.CoreLatencyNs = baselineNs[i];
            backendLaunches[i].Measurement.CoreLatencyNs = backendNs[i];
        }
        var run = Run("r1", [baseline, backend], launches: [.. baselineLaunches, .. backendLaunches]);

        Assert.Equal([1, 2], Assert.Single(SpeedupPairing.Pair([run]).Speedups).Pairs.Select(p => p.Round));

        // One thread each: no cross-core synchronisation, every round pairs.
        foreach (var row in new[] { baseline, backend }.Concat(baselineLaunches.Select(l => l.Measurement)).Concat(backendLaunches.Select(l => l.Measurement)))
            row.Threads = 1;
        var single = Run("r2", [baseline, backend], launches: [.. baselineLaunches, .. backendLaunches]);
        Assert.Equal([1, 2, 3], Assert.Single(SpeedupPairing.Pair([single]).Speedups).Pairs.Select(p => p.Round));
    }

    [Fact]
    public void Compare_counts_each_runs_speedup_inside_the_other_runs_interval_and_repeat_interval_and_leaves_out_another_machine_state()
    {
        // Base: 2.0x with pairs 2.0, 2.1, 1.9 (95% half-width 4.30 · 0.050 / √3 = 0.124 in log units); new: 2.05x
        // (inside) for m1, 3.0x (outside) for m2, 2.3x for m4 (ln 1.15 = 0.140: outside either interval, inside their
        // combined half-width √2 · 0.124 = 0.176); m3 ran in another machine state.
        LoadedRun RunOf(string id, double m1, double m2, double m3Core, double m4)
        {
            var rows = new List<ResultRow>();
            var launches = new List<LaunchRow>();
            foreach (var (model, speedup, core) in new[] { ("m1-d2-w1.0", m1, 105.0), ("m2-d2-w1.0", m2, 105.0), ("m3-d2-w1.0", 2.0, m3Core), ("m4-d2-w1.0", m4, 105.0) })
            {
                var (baseline, baselineLaunches) = Cell(model, "torch-cpu", [10, 10.5, 9.5]);
                var (backend, backendLaunches) = Cell(model, "ort-cpu", [10 / speedup, 10 / speedup, 10 / speedup]);
                foreach (var row in new[] { baseline, backend }.Concat(baselineLaunches.Select(l => l.Measurement)).Concat(backendLaunches.Select(l => l.Measurement)))
                    row.CoreLatencyNs = core;
                rows.AddRange([baseline, backend]);
                launches.AddRange([.. baselineLaunches, .. backendLaunches]);
            }
            return Run(id, rows, launches: launches);
        }
        var baseRun = RunOf("base", 2.0, 2.0, 105, 2.0);
        var newRun = RunOf("new", 2.05, 3.0, 420, 2.3);

        var speedups = SpeedupComparison.Of(baseRun, newRun);

        Assert.Equal(["m1-d2-w1.0", "m2-d2-w1.0", "m3-d2-w1.0", "m4-d2-w1.0"], speedups.Select(s => s.Key.Model));
        Assert.Equal((true, true, true), (speedups[0].NewInsideBase, speedups[0].BaseInsideNew, speedups[0].Agree));
        Assert.Equal((false, false), (speedups[1].NewInsideBase, speedups[1].Agree));
        Assert.Equal(1.5, speedups[1].Ratio, 9);
        Assert.True(speedups[2].MachineStateChanged);
        Assert.Equal((false, false, true), (speedups[3].NewInsideBase, speedups[3].BaseInsideNew, speedups[3].Agree));
        // The repeat interval (where an identical run would land) is √2 wider: half-width 0.176, which holds m4's 0.140.
        Assert.Equal((true, true), (speedups[3].NewInsideBaseRepeat, speedups[3].BaseInsideNewRepeat));
        Assert.Equal((false, false), (speedups[1].NewInsideBaseRepeat, speedups[1].BaseInsideNewRepeat));
        var coverage = SpeedupCoverage.Of(speedups);
        Assert.Equal((6, 4), (coverage.RepeatCompared, coverage.RepeatInside));
        Assert.Equal(1, coverage.MachineStateChanged);
        Assert.Equal(6, coverage.Compared);
        Assert.Equal(2, coverage.Inside);
        Assert.Equal((3, 2), (coverage.Paired, coverage.Agreeing));
    }

    [Fact]
    public void A_resumed_run_counts_the_last_row_of_each_launch()
    {
        var (baseline, baselineLaunches) = Cell("m-d2-w1.0", "torch-cpu", [10, 10, 10]);
        var (backend, backendLaunches) = Cell("m-d2-w1.0", "ort-cpu", [5, 5, 5]);
        var redone = Launch(backend, 2, 4, CellStatus.Ok);
        redone.Measurement.TimestampUtc = backendLaunches[1].Measurement.TimestampUtc.AddHours(1);
        var run = Run("r1", [baseline, backend], launches: [.. baselineLaunches, .. backendLaunches, redone]);

        Assert.Equal([5.0, 4.0, 5.0], run.OkLaunchMedians(backend.Key));
        var speedup = Assert.Single(SpeedupPairing.Pair([run]).Speedups);
        Assert.Equal([2.0, 2.5, 2.0], speedup.Pairs.Select(p => p.Ratio));
        Assert.Equal("Error bars: 95% interval from 3 round-by-round pairs of launches (t on log ratios).", SpeedupIntervals.ErrorBarNote([speedup]));
    }

    [Fact]
    public void Drift_between_rounds_cancels_in_the_paired_interval()
    {
        // The machine is 30% slower in some rounds than in others, for both backends alike; the backend is
        // always about twice as fast as the baseline within a round.
        double[] drift = [1.0, 1.3, 0.8, 1.2, 0.9];
        double[] own = [1.0, 1.01, 0.99, 1.0, 1.005];
        var (baseline, baselineLaunches) = Cell("m-d2-w1.0", "torch-cpu", drift.Select(d => 10 * d).ToList());
        var (backend, backendLaunches) = Cell("m-d2-w1.0", "ort-cpu", drift.Select((d, i) => 5 * d * own[i]).ToList());
        var run = Run("r1", [baseline, backend], launches: [.. baselineLaunches, .. backendLaunches]);

        var speedup = Assert.Single(SpeedupPairing.Pair([run]).Speedups);

        var paired = speedup.PairedInterval!.Value;
        var bounds = speedup.BoundsInterval!.Value;
        Assert.InRange(paired.Low, 1.95, 2.0);
        Assert.InRange(paired.High, 2.0, 2.05);
        // The rows' own intervals carry the drift, so the bounds interval is many times wider (on the log scale).
        Assert.True(Math.Log(bounds.High / bounds.Low) > 20 * Math.Log(paired.High / paired.Low), $"bounds {bounds}, paired {paired}");
    }
}
