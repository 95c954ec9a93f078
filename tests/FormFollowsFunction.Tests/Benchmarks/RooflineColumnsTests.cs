using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Hardware.Roofline;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>The roofline columns as the assembler fills them, on hand-computed numbers.</summary>
public sealed class RooflineColumnsTests
{
    // 2 GFLOP of work on 0.5 GB of weights and activations: 4 FLOP/byte.
    private static readonly ModelFileSidecar Model = new(
        "residual-d1-w0.25", "residual", 1, 0.25, "m.onnx", 32, 1, 7, 17, "sha", 1, Params: 10, Macs: 1_000_000_000, Flops: 2_000_000_000,
        WeightBytes: 100_000_000, ActivationBytes: 400_000_000, PeakActivationBytes: 1, 10, 1_000_000_000, "test", "test");

    private static readonly MachinePeaks Peaks = new()
    {
        ProbeVersion = MachinePeaksProbe.Version,
        ByThreads = [new ThreadPeak(1, Gflops: 100, BandwidthGbs: 10), new ThreadPeak(2, Gflops: 200, BandwidthGbs: 100)],
    };

    private static SweepCell Cell(int threads) => new(ModelCatalog.Default.Resolve("residual-d1-w0.25"), BackendCatalog.OrtCpu, threads, 1, 32);

    private static ResultRowAssembler Assembler(MachinePeaks? peaks) =>
        new(new SweepContext("run", "host", 32L << 20, new Dictionary<string, ProbedBackend>(), peaks), SweepPresets.Quick);

    private static CellMeasurement Measured(double medianMs, CellStatus status = CellStatus.Ok) => new()
    {
        Status = status,
        Statistics = LatencyStatistics.From([medianMs, medianMs, medianMs]),
        StopReason = StopReason.MaxIterations,
    };

    [Fact]
    public void A_memory_bound_cell_is_set_against_intensity_times_bandwidth()
    {
        // 2e9 FLOP in 40 ms = 50 GFLOP/s; the roof at 1 thread is min(100, 4 × 10 = 40) = 40 GFLOP/s.
        var row = Assembler(Peaks).Launch(Cell(1), Model, Measured(40), null);

        Assert.Equal(50, row.AchievedGflops!.Value, 9);
        Assert.Equal(4, row.ArithmeticIntensity!.Value, 12);
        Assert.Equal((100.0, 10.0), (row.PeakGflops!.Value, row.PeakBandwidthGbs!.Value));
        Assert.Equal(50 / 40.0, row.RooflineFraction!.Value, 9);
    }

    [Fact]
    public void A_compute_bound_cell_is_set_against_the_peak_at_its_own_thread_count()
    {
        // At 2 threads the roof is min(200, 4 × 100 = 400) = 200 GFLOP/s; 2e9 FLOP in 20 ms = 100 GFLOP/s.
        var row = Assembler(Peaks).Launch(Cell(2), Model, Measured(20), null);

        Assert.Equal((200.0, 100.0), (row.PeakGflops!.Value, row.PeakBandwidthGbs!.Value));
        Assert.Equal(0.5, row.RooflineFraction!.Value, 9);
    }

    [Fact]
    public void The_cell_row_recomputes_achieved_flops_from_the_median_of_its_launches()
    {
        var assembler = Assembler(Peaks);
        var launches = new[] { 10.0, 20.0, 40.0 }.Select(ms => assembler.Launch(Cell(2), Model, Measured(ms), null)).ToList();

        var row = ResultRowAssembler.Cell(launches);

        // Median of the launch medians: 20 ms → 100 GFLOP/s, half of the 200 GFLOP/s roof.
        Assert.Equal(20, row.MedianMs);
        Assert.Equal(100, row.AchievedGflops!.Value, 9);
        Assert.Equal(0.5, row.RooflineFraction!.Value, 9);
    }

    [Fact]
    public void Without_a_probe_value_the_peak_columns_and_the_fraction_are_empty_never_zero()
    {
        var unprobed = Assembler(null).Launch(Cell(1), Model, Measured(40), null);
        var otherThreads = Assembler(Peaks).Launch(Cell(4), Model, Measured(40), null);

        foreach (var row in new[] { unprobed, otherThreads })
        {
            Assert.Null(row.PeakGflops);
            Assert.Null(row.PeakBandwidthGbs);
            Assert.Null(row.RooflineFraction);
            Assert.Equal(50, row.AchievedGflops!.Value, 9); // the counts and the latency are still known
        }
    }

    [Fact]
    public void A_row_that_is_not_ok_gets_no_achieved_flops_nor_fraction()
    {
        var assembler = Assembler(Peaks);
        var mismatch = assembler.Launch(Cell(1), Model, Measured(40, CellStatus.Mismatch), null);
        var cell = ResultRowAssembler.Cell([assembler.Launch(Cell(1), Model, Measured(40), null), mismatch]);

        Assert.Null(mismatch.AchievedGflops);
        Assert.Null(mismatch.RooflineFraction);
        Assert.Equal("mismatch", cell.Status);
        Assert.Null(cell.AchievedGflops);
        Assert.Null(cell.RooflineFraction);
        Assert.Equal(100.0, cell.PeakGflops); // machine facts stay: the roof is known, the cell's place under it is not
    }
}
