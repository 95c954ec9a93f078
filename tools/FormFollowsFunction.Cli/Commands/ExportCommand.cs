using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Weights;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>What <c>fff export</c> writes beside each ONNX file (MODEL.json).</summary>
internal sealed record ExportSidecar(
    string Model,
    string OnnxFile,
    int Resolution,
    int Batch,
    int Seed,
    int Opset,
    string Sha256,
    long Bytes,
    long Parameters,
    string ParametersSource,
    long Macs,
    string MacsSource,
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
}

/// <summary><c>fff export MODEL... --out DIR</c>: writes DIR/MODEL.onnx and DIR/MODEL.json for each model.</summary>
internal sealed class ExportCommand : Command<ExportCommand.Settings>
{
    internal sealed class Settings : ModelOptions
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("Model identifiers: a reference network (resnet50) or PATTERN-dDEPTH-wWIDTH (residual-d8-w1.0); see 'fff list'.")]
        public string[] Models { get; init; } = [];

        [CommandOption("-o|--out <DIR>")]
        [Description("Folder to write MODEL.onnx and MODEL.json into; created if missing.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required: the folder to write the ONNX files into");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation) =>
        Run(ModelCatalog.Default, settings, ConsoleOutput.Standard, ConsoleOutput.Diagnostics, cancellation);

    internal static int Run(ModelCatalog catalog, Settings settings, IAnsiConsole output, IAnsiConsole progress, CancellationToken cancellation)
    {
        // Resolve every identifier first, so that a typo in the last one fails before any work is done.
        var models = settings.Models.Select(catalog.Resolve).ToList();
        string folder = Path.GetFullPath(settings.Out!);
        Directory.CreateDirectory(folder);
        foreach (var model in models)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var network = model.Build(settings.Input);
            var weights = NetworkWeights.Initialize(network, settings.Seed);
            var drawn = clock.Elapsed;

            var proto = OnnxExporter.ToModel(network, weights);
            var counts = OnnxGraphCounter.Count(proto);
            var file = OnnxExporter.WriteToFile(proto, Path.Combine(folder, $"{model.Id}.onnx"));
            var exported = clock.Elapsed - drawn;

            var sidecar = new ExportSidecar(
                Model: model.Id,
                OnnxFile: Path.GetFileName(file.Path),
                Resolution: settings.Resolution,
                Batch: settings.Batch,
                Seed: settings.Seed,
                Opset: OnnxExporter.Opset,
                Sha256: file.Sha256,
                Bytes: file.Bytes,
                Parameters: network.Parameters.Where(p => p.Spec.IsTrainable).Sum(p => p.Spec.ElementCount),
                ParametersSource: "network description (trainable tensors; batch-norm running statistics excluded)",
                Macs: counts.Macs,
                MacsSource: "ONNX graph recount: Conv + Gemm + MatMul with a weight, for the whole batch",
                Producer: $"{OnnxExporter.ProducerName} {OnnxExporter.ProducerVersion}",
                Weights: NetworkWeights.Scheme);
            File.WriteAllBytes(Path.Combine(folder, $"{model.Id}.json"), JsonSerializer.SerializeToUtf8Bytes(sidecar, ExportSidecar.Json));

            // Plain writers: one line per model, never wrapped at the terminal's width.
            progress.Profile.Out.Writer.WriteLine(FormattableString.Invariant(
                $"{model.Id}: weights {drawn.TotalSeconds:F2} s, export {exported.TotalSeconds:F2} s, {file.Bytes / 1048576.0:F1} MiB, {sidecar.Parameters:N0} parameters, {counts.Macs / 1e9:F2} GMACs"));
            output.Profile.Out.Writer.WriteLine($"{file.Path}\t{file.Bytes}\tsha256:{file.Sha256}");
        }
        return 0;
    }
}
