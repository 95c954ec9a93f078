using System.ComponentModel;
using System.Globalization;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Profiling;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>
/// <c>fff profile MODEL...</c>: the time of every layer of each model on each CPU backend, with its
/// fixed per-call part, in <c>DIR/layers.csv</c>, each backend profiled in a worker process of its own
/// (<see cref="LayerProfiler"/>); ends with a summary table per model and backend.
/// </summary>
internal sealed class ProfileCommand : Command<ProfileCommand.Settings>
{
    internal sealed class Settings : ModelOptions
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("Model identifiers: reference networks (resnet18) or PATTERN-dDEPTH-wWIDTH; see 'fff list'.")]
        public string[] Models { get; init; } = [];

        [CommandOption("--backends <LIST>")]
        [Description("Comma-separated backends to profile: torch-cpu, ort-cpu.")]
        [DefaultValue("torch-cpu,ort-cpu")]
        public string Backends { get; init; } = "torch-cpu,ort-cpu";

        [CommandOption("--threads <N>")]
        [Description("Intra-op threads for every backend; 0 takes the machine's physical cores, as a sweep does.")]
        [DefaultValue(0)]
        public int Threads { get; init; }

        [CommandOption("--iterations <N>")]
        [Description("Recorded forward passes per measurement (per-layer and end-to-end), after 3 unrecorded ones; a layer's time is its mean over the middle half of the passes by total, the end-to-end time the mean of the middle half of the plain passes.")]
        [DefaultValue(ProfileSettings.DefaultIterations)]
        public int Iterations { get; init; } = ProfileSettings.DefaultIterations;

        [CommandOption("--out <DIR>")]
        [Description("Folder for layers.csv, the ONNX Runtime profiles and the worker logs. Default: results/<UTC time>-<machine>-profile/ in the repository.")]
        public string? Out { get; init; }

        [CommandOption("--timeout <SECONDS>")]
        [Description("A profiling worker that runs longer than this is killed.")]
        [DefaultValue(600.0)]
        public double TimeoutSeconds { get; init; } = 600;

        public override ValidationResult Validate()
        {
            if (Models.Length == 0) return ValidationResult.Error("give at least one model, for example: fff profile resnet18");
            if (Threads < 0) return ValidationResult.Error($"--threads must be 0 (the machine's physical cores) or a positive number of threads, got {Threads}");
            if (Iterations < 1) return ValidationResult.Error($"--iterations must be at least 1, got {Iterations}");
            if (!(TimeoutSeconds > 0)) return ValidationResult.Error($"--timeout must be a positive number of seconds, got {TimeoutSeconds.ToString(CultureInfo.InvariantCulture)}");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var catalog = ModelCatalog.Default;
        // Every input is checked before the first worker starts: a typo costs nothing.
        var models = settings.Models.Select(catalog.Resolve).DistinctBy(m => m.Id).ToList();
        foreach (var model in models) model.Build(settings.Input);
        var backends = settings.Backends.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(BackendCatalog.Get).Distinct().ToList();
        if (backends.Count == 0) throw new UserInputException("--backends is empty; give torch-cpu, ort-cpu or both");
        if (backends.FirstOrDefault(b => !LayerProfiler.Supports(b)) is { } unsupported)
            throw new UserInputException($"--backends: {unsupported.Name} cannot be profiled per layer; use torch-cpu and/or ort-cpu");
        var machine = MachineInspector.Inspect();
        int threads = settings.Threads > 0 ? settings.Threads : Math.Max(1, machine.PhysicalCores);
        var folder = new RunFolder(settings.Out ?? DefaultFolder(machine.Hostname));
        if (File.Exists(folder.LayersFile))
            throw new UserInputException($"{folder.LayersFile} exists already; choose another --out or remove it");

        var log = ConsoleOutput.Diagnostics;
        void Progress(string line) => log.Profile.Out.Writer.WriteLine(line);
        Progress($"probing {string.Join(", ", backends.Select(b => b.Name))}...");
        var probed = BackendProber.ProbeInScratchFolder(WorkerLauncher.ForCurrentProgram(), backends, SweepPresets.Quick.OptionsFor, cancellation);
        foreach (var b in probed.Where(b => !b.Available)) Progress($"warning: {b.Descriptor.Name} is skipped: {b.Probe.Reason}");
        foreach (var b in probed.Where(b => b.Available && b.Note is not null)) Progress($"note: {b.Note}");
        var available = probed.Where(b => b.Available).ToList();
        if (available.Count == 0)
        {
            Progress("error: none of the backends can run here (see 'fff backends')");
            return ErrorReporter.InternalError;
        }

        Directory.CreateDirectory(folder.Path);
        var cells = models.SelectMany(m => available.Select(b => new ProfileCell(m.Id, b.Descriptor, threads, settings.Batch, settings.Resolution, m.ResolvableId))).ToList();
        var profileSettings = WorkerSettings(settings, available.ToDictionary(b => b.Descriptor.Name, b => b.OneDnnMaxIsa));
        var outcomes = new LayerProfileRunner(WorkerLauncher.ForCurrentProgram(), folder.LayersFile, folder.LogsFolder, profileSettings, Progress)
            .Run(cells, cancellation);
        if (cancellation.IsCancellationRequested) return ErrorReporter.Interrupted;

        var rows = outcomes.SelectMany(o => o.Rows).ToList();
        ConsoleOutput.Standard.Write(SummaryTable(LayerProfileSummary.Of(rows)));
        ConsoleOutput.Standard.Profile.Out.Writer.WriteLine($"Layers: {folder.LayersFile} ({rows.Count} rows)");
        return outcomes.Any(o => o.Error is not null) ? ErrorReporter.InternalError : 0;
    }

    /// <summary>
    /// How the profiling workers are asked: with the backends' default options and, like a sweep's workers,
    /// the quick preset's malloc tunables (docs/benchmarks.md, "The same allocator for every worker"):
    /// without them some TorchSharp processes re-fault their activations on every pass.
    /// </summary>
    internal static ProfileSettings WorkerSettings(Settings settings, IReadOnlyDictionary<string, string?> oneDnnMaxIsa) =>
        new(settings.Seed, settings.Iterations, TimeSpan.FromSeconds(settings.TimeoutSeconds), _ => BackendOptions.None, oneDnnMaxIsa,
            SweepRunner.WorkerEnvironment(SweepPresets.Quick));

    private static string DefaultFolder(string hostname)
    {
        string machine = string.Concat(hostname.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
        return Path.Combine(SourceTree.DefaultResultsFolder(), $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{machine}-profile");
    }

    internal static Table SummaryTable(IReadOnlyList<LayerProfileSummary> summaries)
    {
        var table = new Table().AddColumns("model", "backend", "threads", "end-to-end (ms)", "sum of layers (ms)", "layers / end-to-end (%)",
            "profiler overhead removed (ms)", "fixed per-call (ms)", "fixed share (%)", "top layer types (share of layer time, %)");
        foreach (var s in summaries)
        {
            string top = string.Join(", ", s.Types.Take(3).Select(t => Invariant($"{t.LayerType} {t.Share * 100:0}")));
            table.AddRow(
                Markup.Escape(s.Cell.Model), Markup.Escape(s.Cell.Backend), Invariant($"{s.Cell.Threads}"),
                s.EndToEndMs is double e ? Invariant($"{e:0.000}") : "",
                Invariant($"{s.LayersMs:0.000}"),
                s.Coverage is double c ? (s.CoversEndToEnd ? "" : "[yellow]") + Invariant($"{c * 100:0}") + (s.CoversEndToEnd ? "" : "[/]") : "",
                Invariant($"{s.ProfilerOverheadMs:0.000}"),
                Invariant($"{s.FixedMs:0.000}"), Invariant($"{s.FixedShare * 100:0}"), Markup.Escape(top));
        }
        return table;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
