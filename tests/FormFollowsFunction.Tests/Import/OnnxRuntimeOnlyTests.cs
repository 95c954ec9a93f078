using System.Security.Cryptography;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Benchmarks;
using FormFollowsFunction.Tests.Support;
using Onnx;
using static FormFollowsFunction.Tests.Import.OnnxFileBuilder;

namespace FormFollowsFunction.Tests.Import;

/// <summary>
/// A user's ONNX file with operators the importer lacks has no network description: it is measured on ONNX
/// Runtime alone (ONNX Runtime CPU its reference and baseline), counted from its graph, and refused, with the
/// route, wherever TorchSharp would be needed for it.
/// </summary>
[Collection(SweepProcessesCollection.Name)]
public sealed class OnnxRuntimeOnlyTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Floating-point elements of the file's tensors of more than one element: 32x6 + 6 + 6x1 (the last bias is a scalar).</summary>
    private const long FileParameters = 32 * 6 + 6 + 6;

    /// <summary>
    /// A small scorer in the shape of a wake-word model: [1, 4, 8] → Flatten → Gemm → Sin → Gemm → Sigmoid, one value
    /// out. ONNX Runtime runs Sin; the importer and the graph counter do not know it. The output's shape is not declared.
    /// </summary>
    private string Scorer()
    {
        var b = new OnnxFileBuilder(13);
        var x = b.Input("features", 1, 4, 8);
        var flat = b.Op("Flatten", [x], Int("axis", 1));
        var hidden = b.Op("Gemm", [flat, b.Weight([32, 6], 0.3), b.Weight([6], 0.1)]);
        var wave = b.Op("Sin", [hidden]);
        var score = b.Op("Gemm", [wave, b.Weight([6, 1], 0.5), b.Weight([1], 0.1)]);
        return b.Save(b.Op("Sigmoid", [score]), _folder.Combine("scorer.onnx"));
    }

    private const string Route = "scorer.onnx: unsupported ONNX operators: Sin; measure it on ONNX Runtime alone with --backends ort-cpu --baseline ort-cpu";

    private static SweepConfiguration Sweep(string path, string[] backends, string baseline) =>
        new() { Models = [path], Backends = backends, Baseline = baseline };

    [Fact]
    public void The_file_resolves_to_a_model_without_a_description_that_only_onnx_runtime_can_run()
    {
        var model = ModelCatalog.Default.Resolve(Scorer());

        Assert.False(model.HasDescription);
        Assert.StartsWith(Route, model.DescriptionProblem);
        Assert.DoesNotContain('\n', model.DescriptionProblem!);
        var refused = Assert.Throws<OnnxImportException>(() => model.Build(InputSpec.Default));
        Assert.Equal(model.DescriptionProblem, refused.Message);
        Assert.True(BackendCatalog.OrtCpu.CanRun(model));
        Assert.False(BackendCatalog.TorchCpu.CanRun(model));
        // Its reference comes from ONNX Runtime CPU; a catalog model's from TorchSharp first.
        var configuration = new SweepConfiguration();
        Assert.Equal(["ort-cpu"], configuration.ReferenceCandidates(model).Select(b => b.Name));
        Assert.Equal(["torch-cpu", "ort-cpu"], configuration.ReferenceCandidates(ModelCatalog.Default.Resolve("resnet18")).Select(b => b.Name));
    }

    [Fact]
    public void The_validator_and_the_plan_accept_it_with_onnx_runtime_backends_and_an_onnx_runtime_baseline()
    {
        string path = Scorer();
        var resolved = SweepConfigurationValidator.Resolve(Sweep(path, ["ort-cpu"], "ORT-CPU"), ModelCatalog.Default, physicalCores: 2);

        Assert.Equal("ort-cpu", resolved.Baseline);
        var group = Assert.Single(SweepPlan.Whole(resolved, ModelCatalog.Default));
        Assert.Equal("ort-cpu", group.Reference);
        Assert.All(group.Cells, c => Assert.Equal("ort-cpu", c.Backend.Name));
        // The file's input shape fixes the cell: batch 1, and its last dimension as the "resolution".
        Assert.Equal((1, 8), (group.Batch, group.Resolution));
    }

    [Theory]
    [InlineData("torch-cpu,ort-cpu", "ort-cpu")]
    [InlineData("ort-cpu", "torch-cpu")]
    public void The_validator_refuses_it_wherever_the_plan_needs_torchsharp_with_the_route(string backends, string baseline)
    {
        var e = Assert.Throws<SweepConfigurationException>(() =>
            SweepConfigurationValidator.Resolve(Sweep(Scorer(), backends.Split(','), baseline), ModelCatalog.Default, physicalCores: 2));

        Assert.StartsWith(Route, e.Message);
        Assert.Contains("docs/user-models.md", e.Message);
    }

    [Fact]
    public void Fff_run_with_torchsharp_in_the_plan_exits_2_with_one_line_and_writes_nothing()
    {
        string run = _folder.Combine("run");

        var result = FffProgram.Run("run", "--models", Scorer(), "--backends", "torch-cpu,ort-cpu", "--baseline", "ort-cpu", "--out", run);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: {Route}", line);
        Assert.False(Directory.Exists(run), "a refused run left a run folder");
    }

    [Fact]
    public void Fff_run_on_onnx_runtime_alone_measures_the_file_itself_with_its_graph_counts_and_reports_it()
    {
        string path = Scorer();
        string run = _folder.Combine("run");

        var result = FffProgram.Run("run", "--models", path, "--backends", "ort-cpu", "--baseline", "ort-cpu",
            "--launches", "1", "--max-seconds", "0.2", "--out", run, "--no-report");

        Assert.True(result.ExitCode == 0, result.Error);
        var row = Assert.Single(ResultsCsv.Read(Path.Combine(run, RunFolder.ResultsFileName)));
        Assert.Equal(("scorer.onnx", "ort-cpu", "ok"), (row.Model, row.Backend, row.Status));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), row.OnnxSha256);
        Assert.True(row.MedianMs > 0);
        // Counted from the graph: its tensors are; its MACs are not (the walk stops at Sin), nor what needs the description.
        Assert.Equal(FileParameters, row.Params);
        Assert.True(row.WeightBytes > 0);
        Assert.Null(row.Macs);
        Assert.Null(row.Flops);
        Assert.Null(row.ActivationBytes);
        Assert.Null(row.ArithmeticIntensity);
        // ONNX Runtime CPU made the reference, one value (the output is a single score), and TorchSharp was never loaded.
        Assert.Equal("ort-cpu", row.ParityReference);
        Assert.Null(row.ParityRelErr);
        var manifest = new RunFolder(run).ReadManifest();
        Assert.DoesNotContain("torch-cpu", manifest.Backends.Keys);
        Assert.Equal("ort-cpu", SweepConfigurationLayers.FromJson(manifest.Configuration).Baseline);

        // The report reads the empty counts and takes the run's baseline.
        string report = _folder.Combine("report");
        var reported = FffProgram.Run("report", run, "--out", report, "--formats", "svg");
        Assert.True(reported.ExitCode == 0, reported.Error);
        string text = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("scorer.onnx", text);
        Assert.Contains("over ort-cpu", text);
        Assert.DoesNotContain("over torch-cpu", text);
    }

    [Fact]
    public void Describe_answers_with_what_the_graph_alone_tells()
    {
        string path = Scorer();

        var result = FffProgram.Run("describe", path, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(FileParameters, root.GetProperty("params").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("macs").ValueKind);
        Assert.Contains("Sin", root.GetProperty("macs_unknown").GetString());
        Assert.StartsWith(Route, root.GetProperty("description_problem").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), root.GetProperty("sha256").GetString());
    }

    [Fact]
    public void The_graph_counts_tensors_of_initializers_and_constant_nodes_and_macs_only_where_shapes_are_inferred()
    {
        var b = new OnnxFileBuilder(13);
        var x = b.Input("x", 2, 8);
        var product = b.Op("MatMul", [x, b.Weight([8, 5], 0.3, asConstantNode: true)]);
        var shifted = b.Op("Add", [b.Op("Add", [product, b.Weight([5], 0.1)]), b.Scalar(0.5f)]);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(b.Save(b.Op("Exp", [shifted]), _folder.Combine("exp.onnx"))));

        var counts = OnnxGraphCounter.CountFile(model, [2, 8]);

        // 8x5 held by a Constant node, 5 by an initializer; the scalar is a helper, though its bytes are held.
        Assert.Equal(8 * 5 + 5, counts.Parameters);
        Assert.Equal((8 * 5 + 5 + 1) * sizeof(float), counts.WeightBytes);
        // The importer lacks Exp, the counter's shape walk does not: the product's MACs are known.
        Assert.Contains("Exp", OnnxImporter.UnsupportedOperators(model));
        Assert.Equal(2 * 8 * 5, counts.Macs);
        Assert.Null(counts.MacsUnknown);

        model.Graph.Node[^1].OpType = "Sin";
        var stopped = OnnxGraphCounter.CountFile(model, [2, 8]);
        Assert.Null(stopped.Macs);
        Assert.Contains("Sin", stopped.MacsUnknown);
        Assert.Equal(counts.Parameters, stopped.Parameters);
    }

    [Fact]
    public void A_single_value_can_be_a_reference_unless_it_is_zero_and_several_equal_values_cannot()
    {
        Assert.Null(OutputComparison.ReferenceProblem([0.73f]));
        Assert.Contains("single zero", OutputComparison.ReferenceProblem([0f]));
        Assert.Contains("constant", OutputComparison.ReferenceProblem([0.73f, 0.73f, 0.73f]));
        Assert.Null(OutputComparison.ReferenceProblem([0.73f, 0.72f]));
        Assert.True(OutputComparison.Compare([0.75f], [0.73f]).Problem is null);
    }
}
