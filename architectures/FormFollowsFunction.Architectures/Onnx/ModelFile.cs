using System.Text.Json;
using System.Text.Json.Serialization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Weights;

namespace FormFollowsFunction.Architectures.Onnx;

/// <summary>
/// The JSON sidecar written beside every exported ONNX file (MODEL.json): what the file holds, its
/// SHA-256, and the network's analytic counts, with units in the names. MACs are multiply-accumulates
/// of convolutions and fully connected layers for the whole batch; FLOPs are 2 x MACs plus the other
/// layers' arithmetic (docs/architectures.md); bytes are float32 bytes. A count is null where it is not known: for
/// a user's ONNX file without a network description, what its graph alone cannot tell (<see cref="OnnxFileCounts"/>).
/// </summary>
public sealed record ModelFileSidecar(
    string Model,
    string Family,
    int? Depth,
    double? Width,
    string OnnxFile,
    int Resolution,
    int Batch,
    int Seed,
    int Opset,
    string Sha256,
    long FileBytes,
    long? Params,
    long? Macs,
    long? Flops,
    long? WeightBytes,
    long? ActivationBytes,
    long? PeakActivationBytes,
    long? OnnxRecountParams,
    long? OnnxRecountMacs,
    string Producer,
    string Weights)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Readable '+' and quotes; the file is data for people and scripts, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static ModelFileSidecar Read(string path) =>
        JsonSerializer.Deserialize<ModelFileSidecar>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} holds no model sidecar");
}

/// <summary>An exported model: the ONNX file, its sidecar, and how long weights and export took.</summary>
public sealed record ModelFile(string OnnxPath, string SidecarPath, ModelFileSidecar Sidecar, NetworkCounts Counts, TimeSpan WeightsTime, TimeSpan ExportTime)
{
    /// <summary>
    /// The sidecar of a user's ONNX file, which is measured as it is (never re-exported): its full path, its
    /// SHA-256 and producer, and the counts of its imported description, or, for a file without one, what its
    /// graph alone counts (the rest null). Batch and resolution are the input's (resolution is its height; 0 for an
    /// input that is not NCHW); the seed is only that of the input tensor.
    /// </summary>
    public static ModelFileSidecar Describe(ModelDefinition model, int seed)
    {
        if (!model.HasDescription)
        {
            var file = Import.OnnxUserModel.GraphOnly(model);
            var known = file.Counts;
            return new ModelFileSidecar(
                Model: model.Id, Family: model.Family, Depth: null, Width: null,
                OnnxFile: model.SourceFile!, Resolution: file.InputShape.IsFeatureMap ? file.InputShape.Height : 0,
                Batch: file.InputShape.Batch, Seed: seed, Opset: (int)file.Facts.Opset, Sha256: file.Facts.Sha256, FileBytes: file.FileBytes,
                Params: known.Parameters, Macs: known.Macs, Flops: null, WeightBytes: known.WeightBytes,
                ActivationBytes: null, PeakActivationBytes: null,
                OnnxRecountParams: known.Parameters, OnnxRecountMacs: known.Macs,
                Producer: file.Facts.Producer, Weights: "the file's own");
        }
        var imported = Import.OnnxUserModel.Imported(model);
        var network = imported.Network;
        var counts = NetworkCounter.Count(network);
        return new ModelFileSidecar(
            Model: model.Id, Family: model.Family, Depth: null, Width: null,
            OnnxFile: model.SourceFile!, Resolution: network.InputShape.IsFeatureMap ? network.InputShape.Height : 0,
            Batch: network.InputShape.Batch, Seed: seed, Opset: (int)imported.Opset, Sha256: imported.Sha256,
            FileBytes: new FileInfo(model.SourceFile!).Length,
            Params: counts.Parameters, Macs: counts.Macs, Flops: counts.Flops, WeightBytes: counts.WeightBytes,
            ActivationBytes: counts.ActivationBytes, PeakActivationBytes: counts.PeakActivationBytes,
            OnnxRecountParams: counts.Parameters, OnnxRecountMacs: counts.Macs,
            Producer: imported.Producer, Weights: "the file's own");
    }

    /// <summary>
    /// Builds <paramref name="model"/> for <paramref name="input"/>, draws its weights from
    /// <paramref name="seed"/>, and writes <c>folder/stem.onnx</c> and <c>folder/stem.json</c>. The
    /// description's counts are checked against a recount from the ONNX graph itself: a disagreement
    /// means the exporter or the counter is wrong, and no file is left claiming either.
    /// </summary>
    public static ModelFile Export(ModelDefinition model, InputSpec input, int seed, string folder, string? stem = null)
    {
        stem ??= model.Id;
        Directory.CreateDirectory(folder);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var network = model.Build(input);
        var counts = NetworkCounter.Count(network);
        var weights = NetworkWeights.Initialize(network, seed);
        var weightsTime = clock.Elapsed;

        var proto = OnnxExporter.ToModel(network, weights);
        var recount = OnnxGraphCounter.Count(proto);
        if (recount.Parameters != counts.Parameters || recount.Macs != counts.Macs)
            throw new InvalidOperationException(
                $"{model.Id}: the ONNX graph recount ({recount.Parameters} parameters, {recount.Macs} MACs) disagrees with the description's counts ({counts.Parameters}, {counts.Macs})");
        string onnxPath = Path.Combine(folder, stem + ".onnx");
        var file = OnnxExporter.WriteToFile(proto, onnxPath);
        var exportTime = clock.Elapsed - weightsTime;

        var sidecar = new ModelFileSidecar(
            Model: model.Id, Family: model.Family, Depth: model.Depth, Width: model.Width,
            OnnxFile: Path.GetFileName(file.Path), Resolution: input.Resolution, Batch: input.Batch, Seed: seed,
            Opset: file.Opset, Sha256: file.Sha256, FileBytes: file.Bytes,
            Params: counts.Parameters, Macs: counts.Macs, Flops: counts.Flops, WeightBytes: counts.WeightBytes,
            ActivationBytes: counts.ActivationBytes, PeakActivationBytes: counts.PeakActivationBytes,
            OnnxRecountParams: recount.Parameters, OnnxRecountMacs: recount.Macs,
            Producer: $"{OnnxExporter.ProducerName} {OnnxExporter.ProducerVersion}", Weights: NetworkWeights.Scheme);
        string sidecarPath = Path.Combine(folder, stem + ".json");
        string temp = sidecarPath + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(sidecar, ModelFileSidecar.Json));
        File.Move(temp, sidecarPath, overwrite: true);
        return new ModelFile(file.Path, sidecarPath, sidecar, counts, weightsTime, exportTime);
    }
}
