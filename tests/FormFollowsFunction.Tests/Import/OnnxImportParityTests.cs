using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static FormFollowsFunction.Tests.Import.OnnxFileBuilder;

namespace FormFollowsFunction.Tests.Import;

/// <summary>
/// ONNX files written the way PyTorch's exporter, tf2onnx and paddle2onnx write them are imported into the
/// description; the TorchSharp module of the import must compute what ONNX Runtime computes on the file
/// itself (relative L2 at most 1e-4), and shapes and counts must follow from the file.
/// </summary>
public sealed class OnnxImportParityTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>PyTorch style: dynamic batch and spatial sizes, batch norm not folded, hard-swish decomposed as x·clip(x+3, 0, 6)/6.</summary>
    private string PytorchStyle()
    {
        var b = new OnnxFileBuilder(13, "pytorch");
        var x = b.Input("x", "batch", 3, "height", "width");
        var conv = b.Op("Conv", [x, b.Weight([8, 3, 3, 3], 0.5), b.Weight([8], 0.1)], Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2), Ints("kernel_shape", 3, 3));
        var bn = b.Op("BatchNormalization", [conv, b.Weight([8], 0.2, offset: 1), b.Weight([8], 0.1), b.Weight([8], 0.1), b.Weight([8], 0.2, offset: 1)], Float("epsilon", 1e-5f));
        var shifted = b.Op("Add", [bn, b.Scalar(3)]);
        var clipped = b.Op("Clip", [shifted, b.Scalar(0), b.Scalar(6)]);
        var swish = b.Op("Div", [b.Op("Mul", [bn, clipped]), b.Scalar(6)]);
        var dw = b.Op("Relu", [b.Op("Conv", [swish, b.Weight([8, 1, 3, 3], 0.6)], Int("group", 8), Ints("pads", 1, 1, 1, 1))]);
        var pooled = b.Op("MaxPool", [dw], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
        var flat = b.Op("Flatten", [b.Op("GlobalAveragePool", [pooled])], Int("axis", 1));
        var logits = b.Op("Gemm", [flat, b.Weight([4, 8], 0.5), b.Weight([4], 0.1)], Int("transB", 1));
        return b.Save(logits, _folder.Combine("pytorch_style.onnx"));
    }

    /// <summary>tf2onnx style at opset 9: NHWC input transposed, weights in Constant nodes, SAME padding as asymmetric pads,
    /// Clip with attributes, Upsample, and a Reshape whose shape is computed from Shape/Gather/Unsqueeze/Concat.</summary>
    private string Tf2OnnxStyle()
    {
        var b = new OnnxFileBuilder(9, "tf2onnx");
        var x = b.Input("input_1", "unk__1", 16, 16, 3);
        var nchw = b.Op("Transpose", [x], Ints("perm", 0, 3, 1, 2));
        var conv = b.Op("Conv", [nchw, b.Weight([6, 3, 3, 3], 0.5, asConstantNode: true), b.Weight([6], 0.1, asConstantNode: true)],
            Ints("strides", 2, 2), Ints("pads", 0, 0, 1, 1), Ints("kernel_shape", 3, 3));
        var relu6 = b.Op("Clip", [conv], Float("min", 0), Float("max", 6));
        var leaky = b.Op("LeakyRelu", [relu6], Float("alpha", 0.1f));
        var up = b.Op("Upsample", [leaky, b.Floats([4], [1, 1, 2, 2], asConstantNode: true)], Text("mode", "nearest"));
        var joined = b.Op("Concat", [up, nchw], Int("axis", 1));
        var shape = b.Op("Shape", [joined]);
        var batch = b.Op("Unsqueeze", [b.Op("Gather", [shape, b.Longs([0], scalar: true)], Int("axis", 0))], Ints("axes", 0));
        var target = b.Op("Concat", [batch, b.Longs([-1])], Int("axis", 0));
        var flat = b.Op("Reshape", [joined, target]);
        return b.Save(b.Op("Sigmoid", [flat]), _folder.Combine("tf2onnx_style.onnx"));
    }

    /// <summary>paddle2onnx style at opset 14: PRelu, HardSwish, reflect Pad, ConvTranspose, Split, opset-11+ Resize
    /// (nearest with sizes computed from the input's shape, and bilinear with scales), arithmetic on activations.</summary>
    private string PaddleStyle()
    {
        var b = new OnnxFileBuilder(14, "PaddlePaddle");
        var x = b.Input("x", "p2o.DynamicDimension.0", 3, "p2o.DynamicDimension.1", "p2o.DynamicDimension.2");
        var conv = b.Op("Conv", [x, b.Weight([4, 3, 3, 3], 0.5), b.Weight([4], 0.1)], Ints("pads", 1, 1, 1, 1));
        var prelu = b.Op("PRelu", [conv, b.Weight([4, 1, 1], 0.3)]);
        var swish = b.Op("HardSwish", [prelu]);
        var padded = b.Op("Pad", [swish, b.Longs([0, 0, 1, 1, 0, 0, 1, 1])], Text("mode", "reflect"));
        var pooled = b.Op("AveragePool", [padded], Ints("kernel_shape", 3, 3), Ints("strides", 1, 1), Int("count_include_pad", 0));
        var up = b.Op("ConvTranspose", [pooled, b.Weight([4, 4, 2, 2], 0.5), b.Weight([4], 0.1)], Ints("strides", 2, 2), Ints("kernel_shape", 2, 2));
        var parts = b.Ops("Split", [up, b.Longs([2, 2])], 2, Int("axis", 1));
        var diff = b.Op("Sub", [parts[0], parts[1]]);
        var magnitude = b.Op("Reciprocal", [b.Op("Sqrt", [b.Op("Add", [b.Op("Pow", [diff, b.Scalar(2)]), b.Scalar(1)])])]);
        var gate = b.Op("HardSigmoid", [magnitude], Float("alpha", 0.5f), Float("beta", 0.25f));
        var sizes = b.Op("Concat", [b.Op("Slice", [b.Op("Shape", [gate]), b.Longs([0]), b.Longs([2])]), b.Longs([64, 80])], Int("axis", 0));
        var nearest = b.Op("Resize", [gate, "", "", sizes], Text("mode", "nearest"), Text("coordinate_transformation_mode", "asymmetric"), Text("nearest_mode", "floor"));
        var down = b.Op("Resize", [nearest, "", b.Floats([4], [1, 1, 0.5f, 0.5f], asConstantNode: true)], Text("mode", "linear"));
        var mixed = b.Op("Mul", [down, b.Op("Tanh", [parts[0]])]);
        return b.Save(mixed, _folder.Combine("paddle_style.onnx"));
    }

    /// <summary>An attention block at opset 17: LayerNormalization, projections as MatMul, heads split by Reshape/Transpose with
    /// a computed shape, scaled Softmax, GELU written with Erf, a Slice and a ReduceMean on activations.</summary>
    private string AttentionBlock()
    {
        var b = new OnnxFileBuilder(17, "pytorch");
        var x = b.Input("tokens", "batch", 8, 16);
        var norm = b.Op("LayerNormalization", [x, b.Weight([16], 0.1, offset: 1), b.Weight([16], 0.1)], Int("axis", -1), Float("epsilon", 1e-5f));
        var batch = b.Op("Unsqueeze", [b.Op("Gather", [b.Op("Shape", [x]), b.Longs([0], scalar: true)]), b.Longs([0])]);
        var headsShape = b.Op("Concat", [batch, b.Longs([8, 2, 8])], Int("axis", 0));
        string Heads(long[] perm) => b.Op("Transpose", [b.Op("Reshape", [b.Op("MatMul", [norm, b.Weight([16, 16], 0.4)]), headsShape])], Ints("perm", perm));
        var q = Heads([0, 2, 1, 3]);
        var kT = Heads([0, 2, 3, 1]);
        var v = Heads([0, 2, 1, 3]);
        var scores = b.Op("Softmax", [b.Op("Div", [b.Op("MatMul", [q, kT]), b.Scalar(MathF.Sqrt(8))])], Int("axis", -1));
        var merged = b.Op("Reshape", [b.Op("Transpose", [b.Op("MatMul", [scores, v])], Ints("perm", 0, 2, 1, 3)), b.Longs([0, 0, -1])]);
        var residual = b.Op("Add", [x, merged]);
        var erf = b.Op("Erf", [b.Op("Div", [residual, b.Scalar(MathF.Sqrt(2))])]);
        var gelu = b.Op("Mul", [b.Op("Mul", [residual, b.Op("Add", [erf, b.Scalar(1)])]), b.Scalar(0.5f)]);
        var tail = b.Op("Slice", [gelu, b.Longs([1]), b.Longs([8]), b.Longs([1])]);
        var pooled = b.Op("ReduceMean", [tail], Ints("axes", 1), Int("keepdims", 0));
        return b.Save(b.Op("Gemm", [pooled, b.Weight([16, 4], 0.4)]), _folder.Combine("attention.onnx"));
    }

    public static TheoryData<string, string> Files() => new()
    {
        { "pytorch", "2x3x20x24" },
        { "tf2onnx", "1x16x16x3" },
        { "paddle", "1x3x16x20" },
        { "attention", "2x8x16" },
    };

    private string Build(string style) => style switch
    {
        "pytorch" => PytorchStyle(),
        "tf2onnx" => Tf2OnnxStyle(),
        "paddle" => PaddleStyle(),
        _ => AttentionBlock(),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void TorchSharp_on_the_import_agrees_with_onnx_runtime_on_the_file(string style, string shape)
    {
        string path = Build(style);
        var imported = OnnxImporter.Import(path, OnnxUserModel.ParseShape(shape), style);
        var network = imported.Network;
        var input = ModelInput.Create(network.InputShape, seed: 5);

        float[] ort = RunOnnxRuntime(path, network.InputShape, input, out var ortShape);
        float[] torch;
        using (var module = TorchNetwork.Build(network, imported.Weights))
            torch = module.Run(input);

        Assert.Equal(ortShape, network.OutputShape.Dimensions.ToArray());
        Assert.Equal(ort.Length, torch.Length);
        var difference = OutputComparison.Compare(ort, torch);
        output.WriteLine($"{style}: {network}, relative L2 {difference.RelativeL2Error:E2}");
        Assert.True(OutputComparison.IsNonConstant(torch), "the output is constant");
        Assert.Null(difference.Problem);
        Assert.True(difference.IsWithin(Tolerance), $"relative L2 error {difference.RelativeL2Error:E3} exceeds {Tolerance:E0}");
    }

    [Fact]
    public void Pytorch_style_file_counts_its_convolutions_and_products_and_its_weights()
    {
        var network = OnnxImporter.Import(PytorchStyle(), TensorShape.Of(2, 3, 20, 24), "pytorch").Network;
        var counts = NetworkCounter.Count(network);
        // Stride-2 3x3 convolution to 8 channels of 10x12, depthwise 3x3, then an 8 → 4 fully connected layer, batch 2.
        long expectedMacs = 2L * 8 * 10 * 12 * (3 * 3 * 3) + 2L * 8 * 10 * 12 * (3 * 3) + 2L * 8 * 4;
        Assert.Equal(expectedMacs, counts.Macs);
        // Conv weight and bias, BN scale and shift (running statistics are buffers), depthwise weight, Gemm weight and bias;
        // the scalars 3, 0 and 6 of the decomposed hard-swish are helpers, not parameters.
        long expectedParameters = 8 * 27 + 8 + 8 + 8 + 8 * 9 + 4 * 8 + 4;
        Assert.Equal(expectedParameters, counts.Parameters);
        Assert.Equal(TensorShape.Of(2, 4), network.OutputShape);
        Assert.Contains(network.Nodes, n => n.Layer is BatchNorm2d);
        Assert.Contains(network.Nodes, n => n.Layer is Conv2d { IsDepthwise: true });
        Assert.Contains(network.Nodes, n => n.Layer is Linear { InFeatures: 8, OutFeatures: 4 });
    }

    [Fact]
    public void Shape_subgraphs_fold_for_the_given_input_shape()
    {
        string path = Tf2OnnxStyle();
        var small = OnnxImporter.Import(path, TensorShape.Of(1, 16, 16, 3), "tf").Network;
        var batch3 = OnnxImporter.Import(path, TensorShape.Of(3, 16, 16, 3), "tf").Network;
        // (6 upsampled + 3 input channels) x 16 x 16 per sample, whatever the batch.
        Assert.Equal(TensorShape.Of(1, 9 * 16 * 16), small.OutputShape);
        Assert.Equal(TensorShape.Of(3, 9 * 16 * 16), batch3.OutputShape);
        Assert.DoesNotContain(small.Nodes, n => n.Layer.Kind is "Shape" or "Gather" or "Unsqueeze");
        // SAME padding of the stride-2 convolution is asymmetric: a Pad layer takes the extra row and column.
        Assert.Contains(small.Nodes, n => n.Layer is Pad);
        Assert.Contains(small.Nodes, n => n.Layer is Activation { Function: ActivationFunction.Relu6 });
    }

    [Fact]
    public void Attention_block_imports_with_its_shapes_and_counts_every_matrix_product()
    {
        var network = OnnxImporter.Import(AttentionBlock(), TensorShape.Of(2, 8, 16), "attention").Network;
        var counts = NetworkCounter.Count(network);
        // Three 16x16 projections of 8 tokens, Q·Kᵀ and scores·V per head (2 heads of 8), the 16 → 4 head, batch 2.
        long expectedMacs = 2 * (3L * 8 * 16 * 16 + 2L * 8 * 8 * 8 * 2 + 16 * 4);
        Assert.Equal(expectedMacs, counts.Macs);
        Assert.Equal(TensorShape.Of(2, 4), network.OutputShape);
        Assert.Contains(network.Nodes, n => n.Layer is Softmax && n.OutputShape == TensorShape.Of(2, 2, 8, 8));
        Assert.Contains(network.Nodes, n => n.Layer is LayerNorm);
    }

    [Fact]
    public void A_file_resolved_through_the_catalog_is_a_user_model_with_the_files_own_weights()
    {
        string path = PytorchStyle();
        var model = ModelCatalog.Default.Resolve($"{path}@1x3x20x24");
        Assert.Equal(ModelDefinition.UserFamily, model.Family);
        Assert.Equal("pytorch_style.onnx@1x3x20x24", model.Id);
        Assert.Equal(Path.GetFullPath(path), model.SourceFile);
        var again = ModelCatalog.Default.Resolve(model.ResolvableId);
        Assert.Equal(model.Id, again.Id);

        var network = model.Build(InputSpec.Default);
        Assert.Equal(TensorShape.Of(1, 3, 20, 24), network.InputShape);
        var weights = model.Weights(network, seed: 99);
        var file = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var convWeight = file.Graph.Initializer.First(i => i.Dims.Count == 4);
        var firstConv = network.Nodes.First(n => n.Layer is Conv2d);
        Assert.Equal(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(convWeight.RawData.Span).ToArray(), weights[$"{firstConv.Name}.weight"].ToArray());
    }

    /// <summary>Runs the file itself in ONNX Runtime CPU, one thread.</summary>
    private static float[] RunOnnxRuntime(string path, TensorShape shape, float[] input, out int[] outputShape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [.. shape.Dimensions.Select(d => (long)d)]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        outputShape = [.. outputs[0].GetTensorTypeAndShape().Shape.Select(d => (int)d)];
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
