using System.ComponentModel;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

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
        if (models.FirstOrDefault(m => m.FileWeights is not null || !m.HasDescription) is { } userFile)
            throw new UserInputException($"{userFile.Id} is already an ONNX file; measure it as it is with 'fff run --models {userFile.SourceFile}' (export writes catalog models)");
        string folder = Path.GetFullPath(settings.Out!);
        Directory.CreateDirectory(folder);
        foreach (var model in models)
        {
            cancellation.ThrowIfCancellationRequested();
            var file = ModelFile.Export(model, settings.Input, settings.Seed, folder);
            var sidecar = file.Sidecar;

            // Plain writers: one line per model, never wrapped at the terminal's width.
            progress.Profile.Out.Writer.WriteLine(FormattableString.Invariant(
                $"{model.Id}: weights {file.WeightsTime.TotalSeconds:F2} s, export {file.ExportTime.TotalSeconds:F2} s, {sidecar.FileBytes / 1048576.0:F1} MiB, {sidecar.Params:N0} parameters, {sidecar.Macs / 1e9:F2} GMACs"));
            output.Profile.Out.Writer.WriteLine($"{file.OnnxPath}\t{sidecar.FileBytes}\tsha256:{sidecar.Sha256}");
        }
        return 0;
    }
}
