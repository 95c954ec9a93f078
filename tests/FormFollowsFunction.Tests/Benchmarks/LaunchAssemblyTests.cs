using System.Diagnostics;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>How launches are ordered, recorded and combined into a cell's row, without worker processes.</summary>
public sealed class LaunchAssemblyTests
{
    private static ResultRow Launch(double median, int iterations, double mean, double sd, string status = "ok", string stop = "ci-target") => new()
    {
        Model = "m", Backend = "ort-cpu", Threads = 2, Batch = 1, Resolution = 224, Status = status,
        MedianMs = median, Iterations = iterations, MeanMs = mean, StddevMs = sd, MinMs = median - 1, MaxMs = median + 1,
        P90Ms = median + 0.5, P99Ms = median + 0.9, Ci95LowMs = median - 0.1, Ci95HighMs = median + 0.1, StopReason = stop,
        CompileMs = median * 10, FirstMs = median * 2, ParityRelErr = median * 1e-8, TaskClockMs = median * 2, CountersStatus = "partial; x",
    };

    [Fact]
    public void A_cell_row_is_the_median_of_its_launch_medians_with_a_t_interval_on_their_logs_and_pooled_moments()
    {
        var launches = new[] { Launch(10, 100, 10.2, 1), Launch(12, 50, 12.1, 2, stop: "max-time"), Launch(11, 150, 11.0, 1.5) };

        var row = ResultRowAssembler.Cell(launches);

        Assert.Equal(11, row.MedianMs);
        Assert.Equal(3, row.Launches);
        // CV of 10, 12, 11: sd 1 / mean 11.
        Assert.Equal(1 / 11.0, row.LaunchCv!.Value, 12);
        // exp(ln 11 ± t(0.975, 2) · s / √3), s the sd of ln 10, ln 12, ln 11; t(0.975, 2) = 4.302653.
        double[] logs = [Math.Log(10), Math.Log(12), Math.Log(11)];
        double mean = logs.Average(), s = Math.Sqrt(logs.Sum(l => (l - mean) * (l - mean)) / 2);
        double half = 4.302652729749464 * s / Math.Sqrt(3);
        Assert.Equal(11 * Math.Exp(-half), row.Ci95LowMs!.Value, 9);
        Assert.Equal(11 * Math.Exp(half), row.Ci95HighMs!.Value, 9);
        Assert.Equal(300, row.Iterations);
        double pooledMean = (100 * 10.2 + 50 * 12.1 + 150 * 11.0) / 300;
        Assert.Equal(pooledMean, row.MeanMs!.Value, 12);
        double squares = 99 * 1 + 49 * 4 + 149 * 2.25 + 100 * Math.Pow(10.2 - pooledMean, 2) + 50 * Math.Pow(12.1 - pooledMean, 2) + 150 * Math.Pow(11.0 - pooledMean, 2);
        Assert.Equal(Math.Sqrt(squares / 299), row.StddevMs!.Value, 12);
        Assert.Equal((9, 13), (row.MinMs!.Value, row.MaxMs!.Value));
        Assert.Equal(11.5, row.P90Ms);
        Assert.Equal(110, row.CompileMs);
        Assert.Equal(12 * 1e-8, row.ParityRelErr!.Value, 15);
        Assert.Equal(22, row.TaskClockMs);
        Assert.Equal("ci-targetx2 max-timex1", row.StopReason);
        Assert.Equal(("ok", ""), (row.Status, row.Error));
        Assert.Equal("", row.SamplesFile);
    }

    [Fact]
    public void A_multi_threaded_cell_is_estimated_from_the_launches_of_its_majority_machine_state()
    {
        ResultRow At(double median, double coreNs, int threads = 2)
        {
            var launch = Launch(median, 100, median, 0.1);
            launch.Threads = threads;
            launch.CoreLatencyNs = coreNs;
            return launch;
        }
        // Three launches with the cores close together (about 105 ns), one with them far apart and twice as slow.
        var row = ResultRowAssembler.Cell([At(1.0, 104), At(2.1, 420), At(1.1, 108), At(1.05, 100)]);

        Assert.Equal(3, row.Launches);
        Assert.Equal(1.05, row.MedianMs);
        Assert.Equal(104, row.CoreLatencyNs);
        Assert.Equal(300, row.Iterations);

        // One thread synchronises across no cores: every launch counts.
        var single = ResultRowAssembler.Cell([At(1.0, 104, 1), At(1.2, 420, 1), At(1.1, 108, 1), At(1.05, 100, 1)]);
        Assert.Equal(4, single.Launches);
        Assert.Equal(1.075, single.MedianMs!.Value, 12);
    }

    [Fact]
    public void A_launch_that_something_else_slowed_is_left_out_of_its_cells_row()
    {
        var launches = new[] { Launch(10, 100, 10, 0.1), Launch(10.2, 100, 10.2, 0.1), Launch(250, 5, 250, 30), Launch(9.9, 100, 9.9, 0.1) };

        var row = ResultRowAssembler.Cell(launches);

        Assert.Equal(3, row.Launches);
        Assert.Equal(10, row.MedianMs);
        Assert.Equal(300, row.Iterations);
        Assert.Equal(10.2 + 1, row.MaxMs);
    }

    [Fact]
    public void One_launch_keeps_its_own_figures_and_interval()
    {
        var launch = Launch(10, 100, 10.2, 1);

        var row = ResultRowAssembler.Cell([launch]);

        Assert.Equal((10.0, 9.9, 10.1, 1), (row.MedianMs!.Value, row.Ci95LowMs!.Value, row.Ci95HighMs!.Value, row.Launches!.Value));
        Assert.Null(row.LaunchCv);
        Assert.Null(launch.Launches); // the launch's own row is not changed
    }

    [Fact]
    public void A_launch_that_was_not_measured_decides_the_cell_and_a_mismatch_outranks_ok()
    {
        var crashed = new ResultRow { Model = "m", Backend = "ort-cpu", Threads = 2, Batch = 1, Resolution = 224, Status = "crashed", Error = "worker killed by SIGSEGV" };
        var mismatch = Launch(11, 10, 11, 1, status: "mismatch");
        mismatch.Error = "relative L2 error 2e-2";

        var broken = ResultRowAssembler.Cell([Launch(10, 10, 10, 1), crashed]);
        var wrong = ResultRowAssembler.Cell([Launch(10, 10, 10, 1), mismatch, Launch(12, 10, 12, 1)]);

        Assert.Equal(("crashed", "launch 2 of 2: worker killed by SIGSEGV"), (broken.Status, broken.Error));
        Assert.Equal(10, broken.MedianMs); // what was timed is kept, but a crashed cell is never a speed-up
        Assert.Equal(("mismatch", "launch 2 of 3: relative L2 error 2e-2"), (wrong.Status, wrong.Error));
    }

    [Fact]
    public void The_ledger_completes_a_cell_at_its_last_launch_or_at_a_launch_that_was_not_measured()
    {
        var ledger = new SweepLedger(launchesPerCell: 3);
        var ok = new CellKey("m", "ort-cpu", 2, 1, 224);
        var broken = ok with { Backend = "torch-cpu" };
        LaunchRow At(CellKey key, int launch, string status) => new()
        {
            Round = launch, Launch = launch,
            Measurement = new ResultRow { Model = key.Model, Backend = key.Backend, Threads = key.Threads, Batch = key.Batch, Resolution = key.Resolution, Status = status },
        };

        ledger.Record(At(ok, 1, "ok"));
        ledger.Record(At(ok, 2, "mismatch"));
        ledger.Record(At(broken, 1, "timeout"));

        Assert.False(ledger.IsComplete(ok));
        Assert.True(ledger.IsComplete(broken));
        Assert.Equal(1, ledger.PendingLaunches([ok, broken]));
        Assert.True(ledger.HasLaunch(ok, 2));
        Assert.False(ledger.HasLaunch(ok, 3));
        ledger.Record(At(ok, 3, "ok"));
        Assert.True(ledger.IsComplete(ok));
        Assert.Equal([1, 2, 3], ledger.LaunchesOf(ok).Select(l => l.Launch));
    }

    [Fact]
    public void Rounds_run_a_models_backends_side_by_side_per_thread_count_in_alternating_order()
    {
        var model = ModelCatalog.Default.Resolve("residual-d1-w0.25");
        var backends = new[] { BackendCatalog.TorchCpu, BackendCatalog.OrtCpu };
        var cells = backends.SelectMany(b => new[] { 1, 2 }.Select(t => new SweepCell(model, b, t, 1, 32))).ToList();
        var group = new ModelGroup(model, 1, 32, cells, BackendCatalog.TorchCpu.Name);

        string Order(int round) => string.Join(' ', SweepRunner.InRoundOrder(group, round).Select(c => $"{c.Backend.Name}/{c.Threads}"));

        Assert.Equal("torch-cpu/1 ort-cpu/1 torch-cpu/2 ort-cpu/2", Order(1));
        Assert.Equal("ort-cpu/1 torch-cpu/1 ort-cpu/2 torch-cpu/2", Order(2));
        Assert.Equal(Order(1), Order(3));
    }

    [Fact]
    public void The_slow_fault_makes_each_timed_call_at_least_a_quarter_longer_than_the_call_itself()
    {
        var request = new CellRequest { Backend = "ort-cpu", Model = "resnet18" };
        long own = 0;
        void Call()
        {
            long start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() - start < Stopwatch.Frequency / 500) { } // about 2 ms of work
            own = Stopwatch.GetTimestamp() - start;
        }

        Action slowed;
        string? previous = Environment.GetEnvironmentVariable(WorkerFault.Variable);
        try
        {
            Environment.SetEnvironmentVariable(WorkerFault.Variable, "slow:ort-cpu");
            slowed = WorkerFault.SlowIfRequested(request, Call);
            Action plain = Call;
            Assert.Same(plain, WorkerFault.SlowIfRequested(request with { Backend = "torch-cpu" }, plain)); // other cells are not touched
        }
        finally
        {
            Environment.SetEnvironmentVariable(WorkerFault.Variable, previous);
        }

        long before = Stopwatch.GetTimestamp();
        slowed();
        long total = Stopwatch.GetTimestamp() - before;
        Assert.True(total >= own * (1 + WorkerFault.SlowdownFraction), $"slowed call {total} ticks, its own work {own} ticks");
    }

    [Fact]
    public void A_sized_slow_fault_adds_its_own_percentage_and_a_bad_size_is_refused()
    {
        var request = new CellRequest { Backend = "ort-cpu", Model = "resnet18" };
        long own = 0;
        void Call()
        {
            long start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() - start < Stopwatch.Frequency / 500) { }
            own = Stopwatch.GetTimestamp() - start;
        }

        string? previous = Environment.GetEnvironmentVariable(WorkerFault.Variable);
        try
        {
            Environment.SetEnvironmentVariable(WorkerFault.Variable, "slow=100%:ort-cpu");
            var doubled = WorkerFault.SlowIfRequested(request, Call);
            long before = Stopwatch.GetTimestamp();
            doubled();
            long total = Stopwatch.GetTimestamp() - before;
            Assert.True(total >= 2 * own, $"slow=100% call {total} ticks, its own work {own} ticks");

            Environment.SetEnvironmentVariable(WorkerFault.Variable, "slow=fast:ort-cpu");
            var error = Assert.Throws<ArgumentException>(() => WorkerFault.SlowIfRequested(request, Call));
            Assert.Contains("slow=P% needs a positive percentage", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(WorkerFault.Variable, previous);
        }
    }

    [Fact]
    public void Launch_costs_are_medians_per_backend_of_set_up_timed_work_and_worker_life()
    {
        LaunchRow Row(string backend, double setup, double probe, int iterations, double mean, double wall) => new()
        {
            Round = 1, Launch = 1, SetupMs = setup, StartupMs = setup / 4, ProbeMs = probe, WorkerWallMs = wall,
            Measurement = new ResultRow { Model = "m", Backend = backend, Threads = 1, Batch = 1, Resolution = 32, Status = "ok", Iterations = iterations, MeanMs = mean },
        };
        var launches = new[]
        {
            Row("torch-cpu", 1200, 500, 10, 20, 2000), Row("torch-cpu", 1000, 300, 20, 20, 2400), Row("torch-cpu", 1400, 700, 30, 20, 3000),
            Row("ort-cpu", 400, 80, 100, 2, 1000),
            new LaunchRow { Round = 1, Launch = 1, Measurement = new ResultRow { Backend = "ort-cpu", Status = "crashed" } },
        };

        var costs = LaunchCost.Of(launches);

        Assert.Equal(["ort-cpu", "torch-cpu"], costs.Select(c => c.Backend));
        Assert.Equal(new LaunchCost("ort-cpu", 1, 400, 100, 80, 200, 1000), costs[0]);
        Assert.Equal(new LaunchCost("torch-cpu", 3, 1200, 300, 500, 400, 2400), costs[1]);
    }
}
