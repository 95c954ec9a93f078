using System.Text.Json;
using System.Text.Json.Serialization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Onnx.Import;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>One node in <c>fff describe --json</c>. Counts are for the whole batch; bytes are float32.</summary>
internal sealed record LayerDescription(
    string Name, string Kind, IReadOnlyList<string> Inputs, IReadOnlyList<int> OutputShape,
    long Params, long Macs, long Flops, long WeightBytes, long OutputBytes, long LiveBytes);

/// <summary>
/// What <c>fff describe --json</c> writes: the model, its input, the totals and one entry per node.
/// MACs count convolutions and fully connected layers only; FLOPs = 2 · MACs + the other layers'
/// arithmetic (docs/architectures.md, "Counting conventions").
/// </summary>
internal sealed record ModelDescription(
    string Model, int Resolution, int Batch, int Classes,
    IReadOnlyList<int> InputShape, IReadOnlyList<int> OutputShape,
    long Params, long Macs, long Flops, long WeightBytes, long ActivationBytes, long PeakActivationBytes,
    IReadOnlyList<LayerDescription> Layers)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static ModelDescription From(NetworkCounts counts, InputSpec input) => new(
        counts.ModelId, input.Resolution, input.Batch, input.Classes,
        counts.InputShape.Dimensions, counts.OutputShape.Dimensions,
        counts.Parameters, counts.Macs, counts.Flops, counts.WeightBytes, counts.ActivationBytes, counts.PeakActivationBytes,
        [.. counts.Layers.Select(l => new LayerDescription(
            l.Node.Name, l.Node.Layer.Kind, l.Node.Inputs, l.Node.OutputShape.Dimensions,
            l.Parameters, l.Macs, l.Flops, l.WeightBytes, l.OutputBytes, l.LiveBytes))]);

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}

/// <summary>
/// What <c>fff describe --json</c> writes for an ONNX file without a network description: the file's facts and
/// what its graph alone counts; a count that is not known is null (never zero), <c>macs_unknown</c> says why
/// MACs are not, and <c>description_problem</c> names the unsupported operators.
/// </summary>
internal sealed record GraphOnlyDescription(
    string Model, string File, string Producer, long Opset, string Sha256,
    IReadOnlyList<int> InputShape, string DeclaredOutput,
    long Params, long? Macs, long? Flops, long WeightBytes, long? ActivationBytes, long? PeakActivationBytes,
    string? MacsUnknown, string DescriptionProblem)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Operator names and reasons stay readable; the JSON is data for people and scripts, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static GraphOnlyDescription From(ModelDefinition model, GraphOnlyModel file) => new(
        model.Id, model.SourceFile!, file.Facts.Producer, file.Facts.Opset, file.Facts.Sha256,
        file.InputShape.Dimensions, file.DeclaredOutput,
        file.Counts.Parameters, file.Counts.Macs, null, file.Counts.WeightBytes, null, null,
        file.Counts.MacsUnknown, model.DescriptionProblem!);

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}
