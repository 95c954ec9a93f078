using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Tests.Support;
using Onnx;
using static FormFollowsFunction.Tests.Import.OnnxFileBuilder;

namespace FormFollowsFunction.Tests.Import;

/// <summary>What the importer refuses, each with one line that names the problem and the fix.</summary>
public sealed class OnnxImportErrorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WithUnsupportedOperators()
    {
        var b = new OnnxFileBuilder(13);
        var x = b.Input("x", 1, 4, 8, 8);
        var relu = b.Op("Relu", [x]);
        var top = b.Ops("TopK", [b.Op("Flatten", [relu]), b.Longs([3])], 2)[0];
        return b.Save(b.Op("Einsum", [top], Text("equation", "ij->ij")), _folder.Combine("unsupported.onnx"));
    }

    [Fact]
    public void Unsupported_operators_are_named_together_on_one_line()
    {
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(WithUnsupportedOperators(), null, "u"));
        Assert.Contains("unsupported ONNX operators: Einsum, TopK;", e.Message);
        Assert.Contains("docs/user-models.md", e.Message); // the fix: where the supported set is listed
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Describe_of_a_file_with_unsupported_operators_names_them_and_gives_what_the_graph_tells()
    {
        var result = FffProgram.Run("describe", WithUnsupportedOperators());
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("unsupported ONNX operators: Einsum, TopK;", result.Output);
        Assert.Contains("no network description", result.Output);
        Assert.Contains("not known", result.Output);
    }

    [Fact]
    public void Verify_of_a_file_with_unsupported_operators_exits_2_with_one_line_naming_them_and_the_route()
    {
        var result = FffProgram.Run("verify", WithUnsupportedOperators());
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains("unsupported ONNX operators: Einsum, TopK; measure it on ONNX Runtime alone with --backends ort-cpu --baseline ort-cpu", line);
    }

    [Fact]
    public void A_dynamic_dimension_without_an_input_shape_names_the_input_and_the_flag()
    {
        var b = new OnnxFileBuilder(13);
        var x = b.Input("pixels", "batch", 3, 16, "width");
        string path = b.Save(b.Op("Relu", [x]), _folder.Combine("dynamic.onnx"));

        var e = Assert.Throws<OnnxImportException>(() => ModelCatalog.Default.Resolve(path));
        Assert.Contains("input 'pixels' has dynamic dimensions (batchx3x16xwidth)", e.Message);
        Assert.Contains("--input-shape 1x3x16x224", e.Message);
        // With a shape it imports; a shape that contradicts a static dimension is refused.
        Assert.Equal(TensorShape.Of(2, 3, 16, 5), ModelCatalog.Default.Resolve($"{path}@2x3x16x5").Build(InputSpec.Default).OutputShape);
        var wrong = Assert.Throws<OnnxImportException>(() => ModelCatalog.Default.Resolve($"{path}@2x3x17x5"));
        Assert.Contains("static dimension 2", wrong.Message);
    }

    [Fact]
    public void A_model_that_is_not_float32_is_refused_with_the_reason()
    {
        var b = new OnnxFileBuilder(13);
        var x = b.Input("ids", TensorProto.Types.DataType.Int64, 1, 8);
        string path = b.Save(b.Op("Relu", [x]), _folder.Combine("int64.onnx"));
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(path, null, "i"));
        Assert.Contains("input 'ids' is Int64; the suite measures float32 models", e.Message);

        var half = new OnnxFileBuilder(13);
        var input = half.Input("x", 1, 4);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(half.Save(half.Op("Relu", [input]), _folder.Combine("half.onnx"))));
        var weight = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float16, RawData = Google.Protobuf.ByteString.CopyFrom(new byte[8]) };
        weight.Dims.Add(4);
        model.Graph.Initializer.Add(weight);
        model.Graph.Node[0].OpType = "Add";
        model.Graph.Node[0].Input.Add("w");
        string halfPath = _folder.Combine("half.onnx");
        File.WriteAllBytes(halfPath, Google.Protobuf.MessageExtensions.ToByteArray(model));
        var f16 = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(halfPath, null, "h"));
        Assert.Contains("initializer 'w' is Float16; the suite measures float32 models", f16.Message);
    }

    [Fact]
    public void A_missing_file_or_a_malformed_shape_is_a_user_error()
    {
        var missing = Assert.Throws<UnknownModelException>(() => ModelCatalog.Default.Resolve(_folder.Combine("absent.onnx")));
        Assert.Contains("does not exist", missing.Message);
        var malformed = Assert.Throws<UnknownModelException>(() => OnnxUserModel.ParseShape("1x3xAx4"));
        Assert.Contains("write it as 1x3x224x224", malformed.Message);
    }
}
