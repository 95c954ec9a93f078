using System.Text.Json;
using System.Text.Json.Serialization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;

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
