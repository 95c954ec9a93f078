using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Worker;
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

        [CommandOption("--onednn-max-isa <ISA>")]
        [Description("Cap on libtorch's oneDNN instruction set: auto (cap only if its convolutions fail the self-check here), none, or an ISA such as AVX2.")]
        [DefaultValue("auto")]
        public string OneDnnMaxIsa { get; init; } = "auto";

        public override ValidationResult Validate()
        {
            if (!SweepConfigurationValidator.OneDnnIsaNames.Contains(OneDnnMaxIsa, StringComparer.OrdinalIgnoreCase))
                return ValidationResult.Error($"--onednn-max-isa: '{OneDnnMaxIsa}' is not one of {string.Join(", ", SweepConfigurationValidator.OneDnnIsaNames)}");
            if (!(Tolerance > 0) || double.IsInfinity(Tolerance))
                return ValidationResult.Error($"--tolerance must be a positive number such as 1e-3, got {Tolerance.ToString(CultureInfo.InvariantCulture)}");
            if (Threads < 0) return ValidationResult.Error($"--threads must be 0 (backend default) or positive, got {Threads}");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        ChooseOneDnnCap(settings.OneDnnMaxIsa, ConsoleOutput.Diagnostics, cancellation);
        LibTorchLogging.WarningsOff();
        return Run(ModelCatalog.Default, settings, ConsoleOutput.Standard, ConsoleOutput.Diagnostics);
    }

    /// <summary>
    /// Decides, before TorchSharp runs here, whether libtorch's oneDNN must be capped to compute
    /// convolutions right, as a sweep does: the self-check runs in a worker process, because the cap
    /// can only be set before oneDNN's first use in a process.
    /// </summary>
    private static void ChooseOneDnnCap(string setting, IAnsiConsole progress, CancellationToken cancellation)
    {
        if (OneDnnIsa.Current is not null || setting.Equals("none", StringComparison.OrdinalIgnoreCase)) return;
        if (!setting.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            OneDnnIsa.LimitTo(setting);
            return;
        }
        var probed = BackendProber.ProbeInScratchFolder(WorkerLauncher.ForCurrentProgram(), [BackendCatalog.TorchCpu], SweepPresets.Quick.OptionsFor, cancellation).Single();
        if (probed.OneDnnMaxIsa is { } isa)
        {
            OneDnnIsa.LimitTo(isa);
            progress.Profile.Out.Writer.WriteLine($"note: {probed.Note}");
        }
    }

    internal static int Run(ModelCatalog catalog, Settings settings, IAnsiConsole output, IAnsiConsole progress)
    {
        var model = catalog.Resolve(settings.Model);
        var network = model.Build(settings.Input);
        var weights = NetworkWeights.Initialize(network, settings.Seed);
        var input = ModelInput.Create(network.InputShape, settings.Seed);

        var clock = Stopwatch.StartNew();
        float[] reference;
        if (settings.Threads > 0) TorchSharp.torch.set_num_threads(settings.Threads);
        // The per-shape convolution self-check, as a sweep's TorchSharp cells make it (docs/benchmarks.md).
        var plan = ConvolutionSelfCheck.Select(network, TorchSharp.torch.get_num_threads());
        if (!plan.Resolved)
        {
            progress.Profile.Out.Writer.WriteLine($"error: {model.Id}: libtorch computes convolutions wrong here in every variant ({plan.FailureSummary}); run with --onednn-max-isa SSE41");
            return OutputsDiffer;
        }
        using (var torch = TorchNetwork.Build(network, weights, plan))
            reference = torch.Run(input);
        var torchTime = clock.Elapsed;
        if (plan.Summary is { Length: > 0 } variants) progress.Profile.Out.Writer.WriteLine($"{model.Id}: TorchSharp {variants}");

        clock.Restart();
        float[] onnx = settings.OnnxFile is { } path
            ? RunOnnxRuntimeCpu(network, path, input, settings.Threads, expected: (model.Id, settings.Seed))
            : RunExported(network, weights, input, settings.Threads);
        var onnxTime = clock.Elapsed;

        var difference = OutputComparison.Compare(onnx, reference);
        progress.Profile.Out.Writer.WriteLine(FormattableString.Invariant(
            $"{model.Id}: TorchSharp build and run {torchTime.TotalSeconds:F2} s ({OneDnnIsa.Variable}={OneDnnIsa.Current ?? "unset"}), ONNX Runtime CPU load and run {onnxTime.TotalSeconds:F2} s"));
        string what = settings.OnnxFile is null ? "ONNX Runtime CPU (freshly exported)" : $"ONNX Runtime CPU ({settings.OnnxFile})";
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
                $"error: {model.Id}: relative L2 error {difference.RelativeL2Error:E2} exceeds the tolerance {settings.Tolerance:E1}; ONNX Runtime and TorchSharp disagree (see docs/export.md on libtorch's vector convolutions)"));
            return OutputsDiffer;
        }
        return 0;
    }

    /// <summary>Runs a model just exported, from a temporary file (the backends load files), through <see cref="RunOnnxRuntimeCpu"/>.</summary>
    private static float[] RunExported(Network network, NetworkWeights weights, float[] input, int threads)
    {
        var folder = Directory.CreateTempSubdirectory("fff-verify-");
        try
        {
            string path = Path.Combine(folder.FullName, "model.onnx");
            OnnxExporter.ExportToFile(network, weights, path);
            return RunOnnxRuntimeCpu(network, path, input, threads, expected: null);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The file on ONNX Runtime CPU through the sweep's own backend code (<see cref="OrtBackend"/>), after checking it is the model meant.</summary>
    internal static float[] RunOnnxRuntimeCpu(Network network, string path, float[] input, int threads, (string Model, int Seed)? expected)
    {
        ExportedModelCheck.Require(path, network.InputShape, expected?.Model, expected?.Seed);
        var backend = new OrtBackend(BackendCatalog.OrtCpu, BackendOptions.None);
        using var loaded = backend.Load(new ModelArtifacts(network, null, path, input), threads);
        return loaded.RunAndFetchOutput();
    }
}
