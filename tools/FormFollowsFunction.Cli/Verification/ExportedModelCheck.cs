using System.Globalization;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx;
using Google.Protobuf;
using Onnx;

namespace FormFollowsFunction.Cli.Verification;

/// <summary>
/// Checks, before ONNX Runtime loads it, that an ONNX file given to <c>fff verify</c> is an fff model for the
/// model, input shape and seed being verified, so a wrong file is a one-line user error that says which flag
/// to change. It reads the file's protobuf only; running it is the backends' session code (<c>OrtBackend</c>).
/// </summary>
internal static class ExportedModelCheck
{
    /// <param name="expectedModel">When given, the file's <c>fff.model</c> metadata, if any, must name this model.</param>
    /// <param name="expectedSeed">When given, the file's <c>fff.seed</c> metadata, if any, must be this seed.</param>
    public static void Require(string path, TensorShape inputShape, string? expectedModel = null, int? expectedSeed = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ONNX file '{path}' does not exist; write it with 'fff export MODEL --out DIR'", path);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new UserInputException($"cannot load '{path}' as an ONNX model ({e.Message}); write it again with 'fff export'");
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new UserInputException($"cannot load '{path}' as an ONNX model (it has no graph); write it again with 'fff export'");

        var graph = model.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        var input = inputs.FirstOrDefault(i => i.Name == OnnxExporter.InputName);
        if (input is null || !graph.Output.Any(o => o.Name == OnnxExporter.OutputName))
            throw new UserInputException(
                $"'{path}' has inputs [{string.Join(", ", inputs.Select(i => i.Name))}] and outputs [{string.Join(", ", graph.Output.Select(o => o.Name))}]; " +
                $"an fff model has input '{OnnxExporter.InputName}' and output '{OnnxExporter.OutputName}': write it with 'fff export'");
        var dimensions = input.Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
        if (!dimensions.SequenceEqual(inputShape.Dimensions.Select(d => (long)d)))
            throw new UserInputException(
                $"'{path}' takes input {string.Join('x', dimensions)}, not {inputShape}; export it with the same --resolution and --batch");

        var metadata = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        if (expectedModel is not null && metadata.TryGetValue("fff.model", out var written) && written != expectedModel)
            throw new UserInputException($"'{path}' holds model '{written}', not '{expectedModel}'; name the model it was exported for");
        if (expectedSeed is int seed && metadata.TryGetValue("fff.seed", out var seedText) && seedText != seed.ToString(CultureInfo.InvariantCulture))
            throw new UserInputException($"'{path}' holds weights drawn with seed {seedText}, not {seed}; pass --seed {seedText}");
    }
}
