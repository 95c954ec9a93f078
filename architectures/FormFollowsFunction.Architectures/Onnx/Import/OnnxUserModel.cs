using System.Collections.Concurrent;
using System.Globalization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using Onnx;

namespace FormFollowsFunction.Architectures.Onnx.Import;

/// <summary>An ONNX file without a network description, as its graph alone tells it.</summary>
/// <param name="InputShape">The input's shape, the file's static dimensions fixed by the given shape.</param>
/// <param name="DeclaredOutput">The output's shape as the file declares it (<c>1x1</c>, <c>batchx1</c>, <c>?</c> when it declares none).</param>
public sealed record GraphOnlyModel(TensorShape InputShape, string DeclaredOutput, OnnxFileFacts Facts, long FileBytes, OnnxFileCounts Counts);

/// <summary>
/// A user's ONNX file named as a model: <c>path/net.onnx</c>, or <c>path/net.onnx@1x3x48x192</c> to fix its
/// dynamic input dimensions (what <c>--input-shape</c> and YAML <c>input_shape:</c> add).
/// </summary>
/// <remarks>
/// The model's <see cref="ModelDefinition.Id"/> is the file name with the shape, <c>net.onnx@1x3x48x192</c>:
/// short in tables, and distinct for two shapes of one file. Its <see cref="ModelDefinition.Identifier"/> is
/// the full path with the shape, which a worker process resolves to the same file. The input shape fixes
/// the network, so the sweep's resolution and batch do not change it.
/// </remarks>
public static class OnnxUserModel
{
    public const string Extension = ".onnx";

    // One import per file and shape per process: the sweep builds a model several times.
    private static readonly ConcurrentDictionary<string, Lazy<ImportedModel>> Imports = new();

    /// <summary>True when <paramref name="identifier"/> names an ONNX file rather than a catalog model.</summary>
    public static bool Names(string identifier) =>
        identifier.EndsWith(Extension, StringComparison.OrdinalIgnoreCase) || identifier.Contains(Extension + "@", StringComparison.OrdinalIgnoreCase);

    /// <summary><paramref name="path"/> with <paramref name="shape"/> appended (when given), as <see cref="Resolve"/> reads it.</summary>
    public static string Identifier(string path, TensorShape? shape) => shape is null ? path : $"{path}@{shape}";

    /// <summary>Parses <c>1x3x48x192</c>; the message of a malformed shape says how to write one.</summary>
    public static TensorShape ParseShape(string text)
    {
        var parts = text.Trim().Split('x', 'X');
        var dims = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] <= 0)
                throw new UnknownModelException($"input shape '{text}' is not positive whole numbers joined by 'x'; write it as 1x3x224x224");
        return TensorShape.Of(dims);
    }

    public static ModelDefinition Resolve(string identifier)
    {
        int at = identifier.LastIndexOf('@');
        string path = at >= 0 && identifier[..at].EndsWith(Extension, StringComparison.OrdinalIgnoreCase) ? identifier[..at] : identifier;
        TensorShape? shape = path.Length < identifier.Length ? ParseShape(identifier[(path.Length + 1)..]) : null;
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new UnknownModelException($"model file '{path}' does not exist; give the path of an .onnx file");
        string id = Identifier(Path.GetFileName(full), shape);
        var file = OnnxImporter.Read(full);
        InputShape(file.Graph, full, shape);
        // A file with operators the importer lacks has no description: ONNX Runtime can still measure the file itself.
        if (OnnxImporter.UnsupportedOperators(file) is { Count: > 0 } unsupported)
        {
            string problem = OnnxImporter.UnsupportedOperatorsProblem(Path.GetFileName(full), unsupported);
            return new ModelDefinition(id, ModelDefinition.UserFamily, null, null, _ => throw new OnnxImportException(problem), full, Identifier(full, shape),
                DescriptionProblem: problem);
        }
        var import = Imports.GetOrAdd(Identifier(full, shape), _ => new Lazy<ImportedModel>(() => OnnxImporter.Import(full, shape, id)));
        return new ModelDefinition(id, ModelDefinition.UserFamily, null, null, _ => import.Value.Network, full, Identifier(full, shape),
            network => network == import.Value.Network
                ? import.Value.Weights
                : throw new ArgumentException($"the weights of {id} are for the network its import made"));
    }

    /// <summary>The imported file when it imports, for <see cref="Resolve"/>'s models; throws <see cref="OnnxImportException"/> otherwise.</summary>
    public static ImportedModel Imported(ModelDefinition model) =>
        model.Identifier is { } key && Imports.TryGetValue(key, out var import)
            ? import.Value
            : throw new ArgumentException($"{model.Id} is not an imported ONNX file");

    /// <summary>
    /// For a file <see cref="Resolve"/> found no description for (<see cref="ModelDefinition.DescriptionProblem"/>): what the
    /// file says of itself and what its graph alone counts at the model's input shape.
    /// </summary>
    public static GraphOnlyModel GraphOnly(ModelDefinition model)
    {
        if (model.HasDescription || InputShapeOf(model) is not { } shape)
            throw new ArgumentException($"{model.Id} is not an ONNX file without a network description");
        string path = model.SourceFile!;
        byte[] bytes = OnnxImporter.ReadBytes(path);
        var file = OnnxImporter.Parse(bytes, path);
        var output = file.Graph.Output.Count == 1 ? file.Graph.Output[0].Type?.TensorType?.Shape : null;
        string declared = output is null
            ? "?"
            : string.Join('x', output.Dim.Select(d => d.DimValue > 0 ? d.DimValue.ToString(CultureInfo.InvariantCulture) : d.DimParam is { Length: > 0 } p ? p : "?"));
        return new GraphOnlyModel(shape, declared, OnnxFileFacts.Of(file, bytes), bytes.LongLength,
            OnnxGraphCounter.CountFile(file, [.. shape.Dimensions.Select(d => (long)d)]));
    }

    /// <summary>The input shape of an ONNX file's model (the file's static dimensions, fixed by its given shape); null for every other model.</summary>
    public static TensorShape? InputShapeOf(ModelDefinition model)
    {
        if (model.SourceFile is not { } file || !Names(file) || model.Identifier is not { } identifier) return null;
        return InputShape(OnnxImporter.Read(file).Graph, file, identifier.Length > file.Length ? ParseShape(identifier[(file.Length + 1)..]) : null);
    }

    /// <summary>
    /// For an ONNX file's model: the batch (first input dimension) and the "resolution" its rows carry, the input's
    /// height for an NCHW input and its last dimension otherwise; null for every other model.
    /// </summary>
    public static (int Batch, int Resolution)? InputSize(ModelDefinition model) =>
        InputShapeOf(model) is { } shape ? (shape.Dimensions[0], shape.Rank == 4 ? shape.Dimensions[2] : shape.Dimensions[^1]) : null;

    /// <summary>
    /// The input shape of <paramref name="graph"/> fixed by <paramref name="shape"/>; refuses early what no backend can
    /// run: a dynamic input without a shape, a non-float32 input, several inputs.
    /// </summary>
    private static TensorShape InputShape(GraphProto graph, string path, TensorShape? shape)
    {
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet();
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        string file = Path.GetFileName(path);
        if (inputs.Count != 1) throw new OnnxImportException($"{file} has {inputs.Count} inputs; the suite measures models with one input");
        var type = inputs[0].Type.TensorType;
        if (type.ElemType != (int)TensorProto.Types.DataType.Float)
            throw new OnnxImportException($"{file}: input '{inputs[0].Name}' is {(TensorProto.Types.DataType)type.ElemType}; the suite measures float32 models");
        var dims = type.Shape.Dim;
        bool dynamic = dims.Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue <= 0);
        if (dynamic && shape is null)
        {
            string written = string.Join('x', dims.Select(d => d.DimValue > 0 ? d.DimValue.ToString(CultureInfo.InvariantCulture) : d.DimParam is { Length: > 0 } p ? p : "?"));
            string example = string.Join('x', dims.Select((d, i) => d.DimValue > 0 ? d.DimValue : i == 0 ? 1 : 224));
            throw new OnnxImportException($"{file}: input '{inputs[0].Name}' has dynamic dimensions ({written}); fix them with --input-shape {example} (or input_shape: in YAML)");
        }
        if (shape is null) return TensorShape.Of([.. dims.Select(d => (int)d.DimValue)]);
        if (shape.Rank != dims.Count)
            throw new OnnxImportException($"{file}: input '{inputs[0].Name}' has rank {dims.Count}; the input shape {shape} has rank {shape.Rank}");
        for (int i = 0; i < dims.Count; i++)
            if (dims[i].DimValue > 0 && dims[i].DimValue != shape.Dimensions[i])
                throw new OnnxImportException($"{file}: input '{inputs[0].Name}' has {dims[i].DimValue} in static dimension {i}; the input shape {shape} has {shape.Dimensions[i]}");
        return shape;
    }
}
