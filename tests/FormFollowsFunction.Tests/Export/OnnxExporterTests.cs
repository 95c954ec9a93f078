using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Weights;
using Onnx;

namespace FormFollowsFunction.Tests.Export;

public sealed class OnnxExporterTests
{
    public static TheoryData<string> Networks() => TestNetworks.All();

    [Theory]
    [MemberData(nameof(Networks))]
    public void Export_is_byte_identical_for_the_same_seed_and_differs_for_another(string caseName)
    {
        var network = TestNetworks.Build(caseName);
        byte[] first = OnnxExporter.Export(network, NetworkWeights.Initialize(network, 1));
        byte[] second = OnnxExporter.Export(TestNetworks.Build(caseName), NetworkWeights.Initialize(network, 1));
        byte[] other = OnnxExporter.Export(network, NetworkWeights.Initialize(network, 2));

        Assert.Equal(OnnxExporter.Sha256(first), OnnxExporter.Sha256(second));
        Assert.True(first.AsSpan().SequenceEqual(second));
        Assert.NotEqual(OnnxExporter.Sha256(first), OnnxExporter.Sha256(other));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Graph_has_named_nodes_weights_as_initializers_and_static_input_and_output(string caseName)
    {
        var network = TestNetworks.Build(caseName);
        var weights = NetworkWeights.Initialize(network, 0);
        var model = ModelProto.Parser.ParseFrom(OnnxExporter.Export(network, weights));

        Assert.Equal(OnnxExporter.Opset, model.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal(["input"], model.Graph.Input.Select(i => i.Name));
        Assert.Equal(["output"], model.Graph.Output.Select(o => o.Name));
        Assert.Equal(network.InputShape.Dimensions.Select(d => (long)d), model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        Assert.Equal(network.OutputShape.Dimensions.Select(d => (long)d), model.Graph.Output[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue));

        var nodeNames = model.Graph.Node.Select(n => n.Name).ToHashSet();
        Assert.All(network.Nodes, n => Assert.Contains(n.Name, nodeNames));
        Assert.Equal(network.Parameters.Select(p => p.Name), model.Graph.Initializer.Select(i => i.Name));
        foreach (var initializer in model.Graph.Initializer)
            Assert.True(initializer.RawData.Span.SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights[initializer.Name])),
                $"{initializer.Name} does not hold the weights' bytes");
        // Nothing is folded: one BatchNormalization per batch norm of the description.
        Assert.Equal(network.Nodes.Count(n => n.Layer is BatchNorm2d), model.Graph.Node.Count(n => n.OpType == "BatchNormalization"));
        Assert.Equal("fff.model", model.MetadataProps[0].Key);
        Assert.Equal(network.Id, model.MetadataProps[0].Value);
    }

    [Theory]
    [InlineData("activations", "Relu", "Clip", "Sigmoid", "Mul", "BatchNormalization", "Identity")]
    [InlineData("sums-gates-concat", "Add", "Sum", "Mul", "Concat", "GlobalAveragePool")]
    [InlineData("pooling", "MaxPool", "AveragePool", "GlobalAveragePool")]
    [InlineData("adaptive-identity-7to7", "Identity")]
    [InlineData("adaptive-divisible-14to7", "AveragePool")]
    [InlineData("adaptive-global-5to1", "GlobalAveragePool")]
    [InlineData("adaptive-uneven-10to7", "MatMul", "Constant")]
    [InlineData("classifier-batch2", "Flatten", "Gemm")]
    [InlineData("factorized-reduce-crop", "Slice")]
    public void Layers_map_to_the_documented_operators(string caseName, params string[] operators)
    {
        var network = TestNetworks.Build(caseName);
        var model = OnnxExporter.ToModel(network, NetworkWeights.Initialize(network, 0));
        var used = model.Graph.Node.Select(n => n.OpType).ToHashSet();
        Assert.All(operators, op => Assert.Contains(op, used));
    }

    [Fact]
    public void Average_pooling_carries_count_include_pad_and_ceil_mode()
    {
        var network = TestNetworks.Build("pooling-ceil-mode");
        var model = OnnxExporter.ToModel(network, NetworkWeights.Initialize(network, 0));
        long Attribute(string node, string name) => model.Graph.Node.Single(n => n.Name == node).Attribute.Single(a => a.Name == name).I;

        Assert.Equal(1, Attribute("avg3s2p1_ceil_include", "count_include_pad"));
        Assert.Equal(0, Attribute("avg3s2p1_ceil_exclude", "count_include_pad"));
        Assert.Equal(1, Attribute("avg3s2p1_ceil_exclude", "ceil_mode"));
        Assert.Equal(1, Attribute("max3s2_ceil", "ceil_mode"));
    }

    [Fact]
    public void Pooling_matrix_rows_average_pytorch_adaptive_windows()
    {
        // 10 -> 7: windows [0,2) [1,3) [2,5) [4,6) [5,8) [7,9) [8,10).
        var matrix = LayerExport.PoolingMatrix(10, 7);
        Assert.Equal([0.5f, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0], matrix[..10]);
        Assert.Equal([0, 0, 1 / 3f, 1 / 3f, 1 / 3f, 0, 0, 0, 0, 0], matrix[20..30]);
        // 2 -> 7: every output copies or averages its one or two inputs.
        var up = LayerExport.PoolingMatrix(2, 7);
        Assert.All(Enumerable.Range(0, 7), i => Assert.Equal(1f, up[(i * 2)..(i * 2 + 2)].Sum(), 6));
    }

    [Fact]
    public void Export_to_file_writes_the_bytes_it_hashes_and_leaves_no_temporary_file()
    {
        var network = TestNetworks.Build("convolutions");
        var weights = NetworkWeights.Initialize(network, 0);
        string folder = Directory.CreateTempSubdirectory("fff-export-").FullName;
        try
        {
            var exported = OnnxExporter.ExportToFile(network, weights, Path.Combine(folder, "nested", "convolutions.onnx"));
            byte[] bytes = File.ReadAllBytes(exported.Path);
            Assert.Equal(bytes.LongLength, exported.Bytes);
            Assert.Equal(OnnxExporter.Sha256(bytes), exported.Sha256);
            Assert.Equal(OnnxExporter.Sha256(OnnxExporter.Export(network, weights)), exported.Sha256);
            Assert.Equal(64, exported.Sha256.Length);
            Assert.Single(Directory.GetFiles(Path.Combine(folder, "nested")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_node_named_output_that_is_not_the_output_is_refused_with_its_name()
    {
        var b = new NetworkBuilder("clash", TensorShape.Nchw(1, 3, 8, 8));
        var x = b.Conv2d("output", b.Input, 4, 3);
        var network = b.Build(b.Relu("relu", x));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(network, NetworkWeights.Initialize(network, 0)));
        Assert.Contains("'output'", e.Message);
    }
}
