using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Profiling;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Profiling;

/// <summary>Real profiles of a tiny network, in this process, through ONNX Runtime's profiler and TorchSharp's forward.</summary>
public sealed class LayerProfilerTests : IDisposable
{
    private const string Model = "residual-d1-w0.25";

    // Large enough that the nodes' work outweighs the profiler's cost per node, which is removed at the level the
    // network shows at 1 px: at 32 px and 3 runs a noisy calibration could take every node's time to 0.
    private const int Resolution = 64;
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private LayerProfileAnswer Profile(string backend) => new LayerProfiler(ModelCatalog.Default).Run(new CellRequest
    {
        Model = Model, Backend = backend, Resolution = Resolution, Batch = 1, Threads = 1, Seed = 7,
        ProfileIterations = 8, ProfileFolder = _folder.Combine("profiles"), SelfCheck = false,
    });

    [Theory]
    [InlineData("ort-cpu")]
    [InlineData("torch-cpu")]
    public void Every_description_layer_gets_one_time_with_a_fixed_part_no_larger_than_it(string backend)
    {
        var answer = Profile(backend);

        Assert.True(answer.Succeeded, answer.Error);
        var network = ModelCatalog.Default.Resolve(Model).Build(new InputSpec(Resolution, 1));
        var described = answer.Layers.Where(l => l.Note != LayerProfileNotes.Inserted).ToList();
        Assert.Equal(network.Nodes.Select(n => n.Name), described.Select(l => l.Layer));
        Assert.Equal(network.Nodes.Select(n => LayerClassification.TypeOf(n.Layer)), described.Select(l => l.LayerType));
        Assert.All(answer.Layers, l => Assert.True(l.TimeMs >= 0 && double.IsFinite(l.TimeMs), $"{l.Layer}: {l.TimeMs} ms"));
        Assert.All(answer.Layers.Where(l => l.FixedMs is not null), l => Assert.True(l.FixedMs <= l.TimeMs, $"{l.Layer}: fixed {l.FixedMs} > {l.TimeMs} ms"));
        Assert.True(answer.Layers.Sum(l => l.TimeMs) > 0);
        Assert.True(answer.EndToEndMs > 0);
        Assert.Equal(ResolutionRequirement.Minimum(ModelCatalog.Default.Resolve(Model), new InputSpec(Resolution, 1)), answer.FixedCostResolution);
        if (backend == "ort-cpu")
        {
            // ONNX Runtime fuses this network's BatchNorms into its convolutions: some layers must be marked so.
            Assert.Contains(answer.Layers, l => l.Note == LayerProfileNotes.Fused);
            Assert.NotEmpty(Directory.GetFiles(_folder.Combine("profiles"), "*.json"));
            // Chains calibrated before and after, their mean scaled to the network's own run at its smallest input and removed,
            // and no layer lost more than the overhead of every node there is.
            var overhead = Assert.IsType<OrtProfilerOverhead>(answer.ProfilerOverhead);
            Assert.Equal(2, answer.ProfilerCalibrations.Count);
            var own = Assert.IsType<OrtCalibrationRun>(answer.OwnGraphCalibration);
            Assert.True(own.Nodes > 0 && own.PlainMs > 0 && own.ProfiledMs > 0, own.ToString());
            Assert.Equal(OrtProfilerOverhead.Mean(answer.ProfilerCalibrations).ScaledTo(own), overhead);
            double most = Math.Max(overhead.NodeMs, overhead.WeightedNodeMs) * (network.Nodes.Length + 2);
            Assert.All(answer.Layers, l => Assert.True(l.ProfilerOverheadMs >= 0 && l.ProfilerOverheadMs <= most, $"{l.Layer}: {l.ProfilerOverheadMs} ms"));
        }
        else
        {
            Assert.All(answer.Layers, l => Assert.Equal("", l.Note));
            Assert.Null(answer.ProfilerOverhead);
            Assert.Empty(answer.ProfilerCalibrations);
            Assert.All(answer.Layers, l => Assert.Equal(0, l.ProfilerOverheadMs));
        }
    }

    [Fact]
    public void A_backend_without_a_per_layer_method_is_refused_in_the_answer()
    {
        var answer = Profile("ort-openvino");
        Assert.False(answer.Succeeded);
        Assert.Contains("torch-cpu and ort-cpu, not ort-openvino", answer.Error);
    }

    [Fact]
    public void Layers_csv_has_the_issue_columns_and_shares_that_add_up_to_one_per_cell()
    {
        var answer = new LayerProfileAnswer
        {
            Succeeded = true, EndToEndMs = 2.5, FixedCostResolution = 1, CoreLatencyNs = 105,
            Layers =
            [
                new ProfiledLayer("conv1", "dense convolution 3x3", 1000, 1.5, 0.1, LayerProfileNotes.Fused, ProfilerOverheadMs: 0.004),
                new ProfiledLayer("bn1", "batch norm", 0, 0.5, 0.05, LayerProfileNotes.Fused, ProfilerOverheadMs: 0.001),
                new ProfiledLayer("ReorderOutput", "other", 0, 0.25, null, LayerProfileNotes.Inserted, ProfilerOverheadMs: 0.005),
            ],
        };
        var cell = new ProfileCell("m", BackendCatalog.OrtCpu, 2, 1, 64);
        string path = _folder.Combine("layers.csv");

        using (var csv = new AppendOnlyCsv<LayerProfileRow>(path))
            foreach (var row in LayerProfileRunner.Rows(cell, answer, coreLatencyAfterNs: 118))
                csv.Append(row);

        Assert.Equal("model,backend,threads,batch,resolution,layer,layer_type,macs,time_ms,fixed_ms,profiler_overhead_ms,share,end_to_end_ms,note,core_latency_ns,core_latency_after_ns", File.ReadLines(path).First());
        var rows = LayersCsv.Read(path);
        Assert.Equal(["conv1", "bn1", "ReorderOutput"], rows.Select(r => r.Layer));
        Assert.Equal(1.0, rows.Sum(r => r.Share!.Value), 12);
        Assert.Equal(1.5 / 2.25, rows[0].Share!.Value, 12);
        Assert.All(rows, r => Assert.Equal(cell.Key, r.Key));
        Assert.All(rows, r => Assert.Equal(2.5, r.EndToEndMs));
        Assert.Null(rows[2].FixedMs);
        Assert.All(rows, r => Assert.Equal((105.0, 118.0), (r.CoreLatencyNs, r.CoreLatencyAfterNs)));

        var summary = Assert.Single(LayerProfileSummary.Of(rows));
        Assert.Equal(2.25, summary.LayersMs, 12);
        Assert.Equal(0.9, summary.Coverage!.Value, 12);
        Assert.True(summary.CoversEndToEnd);
        Assert.Equal(0.15 / 2.25, summary.FixedShare, 12);
        Assert.Equal(0.01, summary.ProfilerOverheadMs, 12);
        Assert.Equal("dense convolution 3x3", summary.Types[0].LayerType);
    }

    [Theory]
    [InlineData(2, 105, 452, true)]
    [InlineData(2, 452, 118, true)]
    [InlineData(2, 105, 170, false)]
    [InlineData(1, 105, 452, false)]
    public void A_multi_threaded_cell_profiled_while_the_host_moved_its_cpus_says_so(int threads, double before, double after, bool changed)
    {
        var answer = new LayerProfileAnswer
        {
            Succeeded = true, EndToEndMs = 1.0, FixedCostResolution = 1, CoreLatencyNs = before,
            Layers = [new ProfiledLayer("conv1", "dense convolution 3x3", 1000, 1.0, 0.1, "")],
        };
        var cell = new ProfileCell("m", BackendCatalog.OrtCpu, threads, 1, 64);

        string line = LayerProfileRunner.Describe(new ProfileOutcome(cell, LayerProfileRunner.Rows(cell, answer, after), null, 1));

        Assert.StartsWith("m on ort-cpu: layers 1.00 ms = 100% of the end-to-end 1.00 ms (within 15%)", line);
        if (changed) Assert.EndsWith($"; the machine state changed during the profile (core-to-core round trip {before:0} ns → {after:0} ns): its layers and end-to-end time may come from different states; profile it again", line);
        else Assert.DoesNotContain("machine state", line);
    }
}
