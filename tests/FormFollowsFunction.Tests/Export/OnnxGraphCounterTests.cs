using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Weights;
using Onnx;

namespace FormFollowsFunction.Tests.Export;

/// <summary>
/// The ONNX recount walks the exported graph alone; it must agree with the description: parameters with the
/// description's trainable tensors, MACs with the convolution and fully connected formula, shapes node by node.
/// </summary>
public sealed class OnnxGraphCounterTests
{
    public static TheoryData<string> Networks() => TestNetworks.All();

    [Theory]
    [MemberData(nameof(Networks))]
    public void Recount_agrees_with_the_description(string caseName)
    {
        var network = TestNetworks.Build(caseName);
        var counts = OnnxGraphCounter.Count(OnnxExporter.ToModel(network, NetworkWeights.Initialize(network, 0)));

        Assert.Equal(network.Parameters.Where(p => p.Spec.IsTrainable).Sum(p => p.Spec.ElementCount), counts.Parameters);
        Assert.Equal(network.Parameters.Where(p => !p.Spec.IsTrainable).Sum(p => p.Spec.ElementCount), counts.Buffers);
        Assert.Equal(DescriptionMacs(network), counts.Macs);
        Assert.Empty(counts.AssumedDimensions);
        foreach (var node in network.Nodes)
        {
            string onnxName = node.Name == network.OutputName ? "output" : node.Name;
            var recount = counts.Nodes.Single(n => n.Name == node.Name);
            Assert.True(node.OutputShape.Dimensions.Select(d => (long)d).SequenceEqual(recount.OutputShape),
                $"{node.Name}: description {node.OutputShape}, ONNX walk {string.Join('x', recount.OutputShape)} ({onnxName})");
        }
    }

    /// <summary>Convolution N·Cout·H·W·(Cin/groups)·kh·kw and fully connected N·in·out, from the description.</summary>
    private static long DescriptionMacs(Network network) => network.Nodes.Sum(node => node.Layer switch
    {
        Conv2d conv => node.OutputShape.ElementCount * conv.FanIn,
        Linear linear => (long)node.OutputShape.Batch * linear.InFeatures * linear.OutFeatures,
        _ => 0L,
    });

    [Fact]
    public void The_exact_adaptive_pool_matmuls_are_counted_apart_from_weight_macs()
    {
        var network = TestNetworks.Build("adaptive-uneven-10to7");
        var counts = OnnxGraphCounter.Count(OnnxExporter.ToModel(network, NetworkWeights.Initialize(network, 0)));
        // [1,6,10,10] x [10,7] then [7,10] x [1,6,10,7]: 6·10·10·7 + 6·7·10·7.
        Assert.Equal(6 * 10 * 10 * 7 + 6 * 7 * 10 * 7, counts.OtherMatMulMacs);
        Assert.Equal(0, counts.WeightMatMulMacs);
    }

    [Fact]
    public void A_file_and_symbolic_batch_are_counted()
    {
        var network = TestNetworks.Build("classifier-batch2");
        var model = OnnxExporter.ToModel(network, NetworkWeights.Initialize(network, 0));
        model.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "batch" };
        string path = Path.Combine(Directory.CreateTempSubdirectory("fff-count-").FullName, "m.onnx");
        try
        {
            File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
            var counts = OnnxGraphCounter.Count(path);
            Assert.Equal(["input[0]=batch"], counts.AssumedDimensions);
            Assert.Equal(DescriptionMacs(network) / 2, counts.Macs); // batch 2 counted as 1
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void An_operator_without_a_shape_rule_is_named_in_the_error()
    {
        var network = TestNetworks.Build("activations");
        var model = OnnxExporter.ToModel(network, NetworkWeights.Initialize(network, 0));
        model.Graph.Node[0].OpType = "DeformConv";
        var e = Assert.Throws<OnnxCountingException>(() => OnnxGraphCounter.Count(model));
        Assert.Contains("DeformConv", e.Message);
        Assert.Contains(model.Graph.Node[0].Name, e.Message);
    }
}
