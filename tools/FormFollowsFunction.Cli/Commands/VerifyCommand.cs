using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Cli.Verification;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>
/// <c>fff verify MODEL</c>: runs the model in TorchSharp and in ONNX Runtime CPU on the same seeded input
/// and reports the relative L2 error; exits with <see cref="OutputsDiffer"/> above the tolerance.
/// </summary>
internal sealed class VerifyCommand : Command<VerifyCommand.Settings>
{
    /// <summary>Exit code when the outputs differ by more than the tolerance, or are not finite or constant.</summary>
    public const int OutputsDiffer = 3;

    internal sealed class Settings : ModelOptions
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("Model identifier: a reference network (resnet50) or PATTERN-dDEPTH-wWIDTH; see 'fff list'.")]
        public string Model { get; init; } = "";

        [CommandOption("--tolerance <X>")]
        [Description("Largest relative L2 error ||onnx - torch|| / ||torch|| accepted.")]
        [DefaultValue(OutputComparison.DefaultTolerance)]
        public double Tolerance { get; init; } = OutputComparison.DefaultTolerance;

        [CommandOption("--onnx <FILE>")]
        [Description("Check this exported file instead of exporting the model in memory (same --resolution, --batch and --seed).")]
        public string? OnnxFile { get; init; }

        [CommandOption("--threads <N>")]
        [Description("Intra-op threads for both backends; 0 lets each choose.")]
        [DefaultValue(0)]
        public int Threads { get; init; }

        public override ValidationResult Validate()
        {
            if (!(Tolerance > 0) || double.IsInfinity(Tolerance))
                return ValidationResult.Error($"--tolerance must be a positive number such as 1e-3, got {Tolerance.ToString(CultureInfo.InvariantCulture)}");
            if (Threads < 0) return ValidationResult.Error($"--threads must be 0 (backend default) or positive, got {Threads}");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation) =>
        Run(ModelCatalog.Default, settings, ConsoleOutput.Standard, ConsoleOutput.Diagnostics);

    internal static int Run(ModelCatalog catalog, Settings settings, IAnsiConsole output, IAnsiConsole progress)
    {
        var model = catalog.Resolve(settings.Model);
        var network = model.Build(settings.Input);
        var weights = NetworkWeights.Initialize(network, settings.Seed);
        var input = ModelInput.Create(network.InputShape, settings.Seed);

        var clock = Stopwatch.StartNew();
        float[] reference;
        if (settings.Threads > 0) TorchSharp.torch.set_num_threads(settings.Threads);
        using (var torch = TorchNetwork.Build(network, weights))
            reference = torch.Run(input);
        var torchTime = clock.Elapsed;

        clock.Restart();
        float[] onnx;
        using (var session = settings.OnnxFile is { } path
                   ? OnnxRuntimeCpuSession.Load(path, network.InputShape, settings.Threads, expectedModel: model.Id, expectedSeed: settings.Seed)
                   : OnnxRuntimeCpuSession.Load(OnnxExporter.Export(network, weights), network.InputShape, settings.Threads))
            onnx = session.Run(input);
        var onnxTime = clock.Elapsed;

        var difference = OutputComparison.Compare(onnx, reference);
        progress.Profile.Out.Writer.WriteLine(FormattableString.Invariant(
            $"{model.Id}: TorchSharp build and run {torchTime.TotalSeconds:F2} s ({OneDnnIsa.Variable}={OneDnnIsa.Current ?? "unset"}), ONNX Runtime CPU load and run {onnxTime.TotalSeconds:F2} s"));
        string what = settings.OnnxFile is null ? "ONNX Runtime CPU (exported in memory)" : $"ONNX Runtime CPU ({settings.OnnxFile})";
        output.Profile.Out.Writer.WriteLine(FormattableString.Invariant(
            $"{model.Id} {network.InputShape} seed {settings.Seed}: relative L2 error {difference.RelativeL2Error:E2}, max abs error {difference.MaxAbsoluteError:E2} over {reference.Length} outputs, {what} vs TorchSharp"));

        if (difference.Problem is { } problem)
        {
            progress.Profile.Out.Writer.WriteLine($"error: {model.Id}: {problem}");
            return OutputsDiffer;
        }
        if (!difference.IsWithin(settings.Tolerance))
        {
            progress.Profile.Out.Writer.WriteLine(FormattableString.Invariant(
                $"error: {model.Id}: relative L2 error {difference.RelativeL2Error:E2} exceeds the tolerance {settings.Tolerance:E1}; ONNX Runtime and TorchSharp disagree (on CPUs where libtorch's vector convolutions are wrong, run with {OneDnnIsa.Variable}=SSE41 to tell which: docs/export.md)"));
            return OutputsDiffer;
        }
        return 0;
    }
}
