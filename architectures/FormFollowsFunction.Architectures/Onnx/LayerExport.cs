using FormFollowsFunction.Architectures.Description;
using Onnx;

namespace FormFollowsFunction.Architectures.Onnx;

/// <summary>The ONNX operator (or short operator sequence) each description layer becomes.</summary>
internal static class LayerExport
{
    public static void Write(GraphWriter graph, Network network, Node node)
    {
        string name = node.Name;
        string output = graph.TensorName(name);
        string[] inputs = [.. node.Inputs.Select(graph.TensorName)];
        string doc = node.Layer.ToString();
        switch (node.Layer)
        {
            case Conv2d conv:
                graph.AddNode("Conv", name, conv.HasBias ? [inputs[0], $"{name}.weight", $"{name}.bias"] : [inputs[0], $"{name}.weight"], output, doc)
                    .Ints("kernel_shape", conv.Kernel.Height, conv.Kernel.Width)
                    .Ints("strides", conv.Stride.Height, conv.Stride.Width)
                    .Ints("pads", Pads(conv.Padding))
                    .Ints("dilations", conv.Dilation.Height, conv.Dilation.Width)
                    .Int("group", conv.Groups);
                break;
            case BatchNorm2d norm:
                graph.AddNode("BatchNormalization", name,
                        [inputs[0], $"{name}.weight", $"{name}.bias", $"{name}.running_mean", $"{name}.running_var"], output, doc)
                    .Float("epsilon", (float)norm.Epsilon);
                break;
            case Activation { Function: ActivationFunction.Relu }:
                graph.AddNode("Relu", name, inputs, output, doc);
                break;
            case Activation { Function: ActivationFunction.Relu6 }:
                var (min, max) = graph.Relu6Bounds();
                graph.AddNode("Clip", name, [inputs[0], min, max], output, doc);
                break;
            case Activation { Function: ActivationFunction.Sigmoid }:
                graph.AddNode("Sigmoid", name, inputs, output, doc);
                break;
            case Activation { Function: ActivationFunction.Silu }:
                // x * sigmoid(x): the default domain has no fused SiLU (HardSwish is a different function).
                string sigmoid = graph.AddNode("Sigmoid", $"{name}/sigmoid", inputs, $"{name}/sigmoid", doc).Output[0];
                graph.AddNode("Mul", name, [inputs[0], sigmoid], output, doc);
                break;
            case Identity:
                graph.AddNode("Identity", name, inputs, output, doc);
                break;
            case Add:
                graph.AddNode(inputs.Length == 2 ? "Add" : "Sum", name, inputs, output, doc);
                break;
            case Multiply:
                graph.AddNode("Mul", name, inputs, output, doc);
                break;
            case Concat:
                graph.AddNode("Concat", name, inputs, output, doc).Int("axis", 1);
                break;
            case MaxPool2d pool:
                graph.AddNode("MaxPool", name, inputs, output, doc)
                    .Ints("kernel_shape", pool.Kernel.Height, pool.Kernel.Width)
                    .Ints("strides", pool.Stride.Height, pool.Stride.Width)
                    .Ints("pads", Pads(pool.Padding))
                    .Int("ceil_mode", pool.CeilMode ? 1 : 0);
                break;
            case AvgPool2d pool:
                graph.AddNode("AveragePool", name, inputs, output, doc)
                    .Ints("kernel_shape", pool.Kernel.Height, pool.Kernel.Width)
                    .Ints("strides", pool.Stride.Height, pool.Stride.Width)
                    .Ints("pads", Pads(pool.Padding))
                    .Int("ceil_mode", pool.CeilMode ? 1 : 0)
                    .Int("count_include_pad", pool.CountIncludePad ? 1 : 0);
                break;
            case GlobalAvgPool:
                graph.AddNode("GlobalAveragePool", name, inputs, output, doc);
                break;
            case AdaptiveAvgPool2d pool:
                WriteAdaptiveAveragePool(graph, network.ShapeOf(node.Inputs[0]), pool.OutputSize, name, inputs[0], output, doc);
                break;
            case Flatten:
                graph.AddNode("Flatten", name, inputs, output, doc).Int("axis", 1);
                break;
            case Linear linear:
                graph.AddNode("Gemm", name, linear.HasBias ? [inputs[0], $"{name}.weight", $"{name}.bias"] : [inputs[0], $"{name}.weight"], output, doc)
                    .Int("transB", 1);
                break;
            case SpatialCrop crop:
                var shape = network.ShapeOf(node.Inputs[0]);
                graph.AddNode("Slice", name,
                    [
                        inputs[0],
                        graph.Int64Constant($"{name}/starts", crop.Top, crop.Left),
                        graph.Int64Constant($"{name}/ends", shape.Height, shape.Width),
                        graph.Int64Constant($"{name}/axes", 2, 3),
                    ], output, doc);
                break;
            case ZeroPad2d pad:
                // pads: [N, C, H, W begins, N, C, H, W ends].
                graph.AddNode("Pad", name, [inputs[0], graph.Int64Constant($"{name}/pads", 0, 0, 0, 0, 0, 0, pad.Bottom, pad.Right)], output, doc);
                break;
            default:
                throw new NotSupportedException($"{network.Id}: the ONNX export has no mapping for {node.Layer.Kind} layer '{name}'");
        }
    }

    /// <summary>ONNX pads: [top, left, bottom, right]; the description's padding is symmetric.</summary>
    private static long[] Pads(Size2d padding) => [padding.Height, padding.Width, padding.Height, padding.Width];

    /// <summary>
    /// PyTorch's adaptive average pooling, exactly: Identity when the size does not change, a global or
    /// regular AveragePool when the input divides evenly, and otherwise the separable linear map
    /// Y = P_rows · X · P_colsᵀ as two MatMuls with constant matrices whose row i averages input window i.
    /// </summary>
    private static void WriteAdaptiveAveragePool(GraphWriter graph, TensorShape input, Size2d size, string name, string x, string output, string doc)
    {
        int h = input.Height, w = input.Width, oh = size.Height, ow = size.Width;
        if (h == oh && w == ow)
        {
            graph.AddNode("Identity", name, [x], output, doc);
        }
        else if (oh == 1 && ow == 1)
        {
            graph.AddNode("GlobalAveragePool", name, [x], output, doc);
        }
        else if (h % oh == 0 && w % ow == 0)
        {
            graph.AddNode("AveragePool", name, [x], output, doc)
                .Ints("kernel_shape", h / oh, w / ow)
                .Ints("strides", h / oh, w / ow);
        }
        else
        {
            // [N,C,H,W] x [W,OW] -> [N,C,H,OW]; then [OH,H] x [N,C,H,OW] -> [N,C,OH,OW] (MatMul broadcasts).
            string columns = graph.FloatConstant($"{name}/columns", Transpose(PoolingMatrix(w, ow), ow, w), w, ow);
            string rows = graph.FloatConstant($"{name}/rows", PoolingMatrix(h, oh), oh, h);
            string pooledColumns = graph.AddNode("MatMul", $"{name}/pool_columns", [x, columns], $"{name}/pool_columns", doc).Output[0];
            graph.AddNode("MatMul", name, [rows, pooledColumns], output, doc);
        }
    }

    /// <summary>[outputSize, inputSize], row i = 1/|window i| on PyTorch's adaptive window i.</summary>
    internal static float[] PoolingMatrix(int inputSize, int outputSize)
    {
        var matrix = new float[outputSize * inputSize];
        for (int i = 0; i < outputSize; i++)
        {
            var (start, end) = AdaptiveAvgPool2d.Window(i, inputSize, outputSize);
            matrix.AsSpan(i * inputSize + start, end - start).Fill(1f / (end - start));
        }
        return matrix;
    }

    private static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                result[c * rows + r] = matrix[r * columns + c];
        return result;
    }
}
