using System.Reflection;
using System.Security.Cryptography;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Weights;
using Google.Protobuf;
using Onnx;

namespace FormFollowsFunction.Architectures.Onnx;

/// <summary>An ONNX file written by <see cref="OnnxExporter.ExportToFile"/>.</summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
public sealed record ExportedModel(string Path, string Sha256, long Bytes, int Opset);

/// <summary>
/// Writes a network description and its weights as an ONNX model: one ONNX node (or a short fixed
/// sequence) per description node, named after it, weights as float32 initializers named
/// <c>node.weight</c> etc., graph input <c>input</c> and output <c>output</c> with static shapes.
/// Nothing is folded or fused: the engines' own graph optimisations are part of what is measured.
/// The same description and weights always give the same bytes.
/// </summary>
/// <remarks>
/// Opset 17 (ONNX 1.12, IR version 8): the newest opset that every engine of the suite accepts
/// (ONNX Runtime 1.31, OpenVINO 2022.3+, TensorRT 8.6+), and every operator written here has had its
/// present float32 semantics since at most opset 17, so a newer opset would change nothing but the
/// version number. Layer mapping (docs/export.md has the table): Conv, BatchNormalization, Relu,
/// Clip(0, 6) for ReLU6, Sigmoid, SiLU as Sigmoid then Mul (the default domain has no fused SiLU),
/// Add (Sum for three or more inputs), Mul, Concat, MaxPool, AveragePool, GlobalAveragePool,
/// adaptive average pooling as Identity / AveragePool / GlobalAveragePool where exact and otherwise as
/// two MatMuls with constant pooling matrices, Flatten, Gemm (transB), Identity, Slice.
/// </remarks>
public static class OnnxExporter
{
    public const int Opset = 17;
    public const long IrVersion = 8;
    public const string InputName = Network.InputName;
    public const string OutputName = "output";
    public const string ProducerName = "FormFollowsFunction";

    /// <summary>Protobuf cannot serialise a message of 2 GiB or more; ONNX then needs external data files.</summary>
    private const long ProtobufLimitBytes = int.MaxValue;

    public static string ProducerVersion { get; } =
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The ONNX model as protobuf message; its initializers share memory with <paramref name="weights"/>.</summary>
    public static ModelProto ToModel(Network network, NetworkWeights weights)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(weights);
        weights.EnsureFits(network);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; exporting on a big-endian machine is not supported");
        if (weights.ElementCount * TensorShape.BytesPerElement >= ProtobufLimitBytes)
            throw new NotSupportedException(
                $"{network.Id} has {weights.ElementCount * TensorShape.BytesPerElement / (1L << 20)} MiB of weights; a single ONNX file holds " +
                "less than 2 GiB (protobuf's limit): choose a smaller width or a smaller network");

        var graph = new GraphWriter(network);
        foreach (var tensor in weights.Tensors)
            graph.AddInitializer(tensor);
        foreach (var node in network.Nodes)
            LayerExport.Write(graph, network, node);

        long trainable = network.Parameters.Where(p => p.Spec.IsTrainable).Sum(p => p.Spec.ElementCount);
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            DocString = $"{network.Id}: {trainable} trainable parameters, input {network.InputShape}, output {network.OutputShape}; " +
                        $"weights drawn from seed {weights.Seed}",
            Graph = graph.Finish(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "fff.model", Value = network.Id });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "fff.seed", Value = weights.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "fff.weights", Value = NetworkWeights.Scheme });
        return model;
    }

    /// <summary>The serialised ONNX model.</summary>
    public static byte[] Export(Network network, NetworkWeights weights) => ToModel(network, weights).ToByteArray();

    /// <summary>
    /// Writes the model to <paramref name="path"/> (through a temporary file in the same folder, so a
    /// reader never sees half a file) and returns its size and SHA-256.
    /// </summary>
    public static ExportedModel ExportToFile(Network network, NetworkWeights weights, string path) =>
        WriteToFile(ToModel(network, weights), path);

    /// <summary>Writes an ONNX model made by <see cref="ToModel"/> as <see cref="ExportToFile"/> does.</summary>
    /// <remarks>The message is streamed to the file and hashed on the way, so no second copy of the weights is made.</remarks>
    public static ExportedModel WriteToFile(ModelProto model, string path)
    {
        string fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        string temporary = $"{fullPath}.{Environment.ProcessId}.tmp";
        try
        {
            long bytes;
            using var sha256 = SHA256.Create();
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            using (var hashing = new CryptoStream(file, sha256, CryptoStreamMode.Write, leaveOpen: true))
            {
                model.WriteTo(hashing);
                hashing.FlushFinalBlock();
                bytes = file.Length;
            }
            File.Move(temporary, fullPath, overwrite: true);
            return new ExportedModel(fullPath, Convert.ToHexStringLower(sha256.Hash!), bytes, Opset);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Lower-case hex SHA-256, the content hash recorded for model files.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
