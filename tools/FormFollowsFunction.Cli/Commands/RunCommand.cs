using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Reports;
using FormFollowsFunction.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>Marks a flag of <c>fff run</c> as setting this key of the sweep configuration (a dotted path, as for <c>--set</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SweepKeyAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}

/// <summary>
/// <c>fff run</c>: measures a sweep of models x backends x threads x batch sizes x resolutions, each
/// cell in a worker process, appending one CSV row per cell, then writes the report.
/// </summary>
internal sealed class RunCommand : Command<RunCommand.Settings>
{
    /// <summary>
    /// Flags that set a configuration key carry <see cref="SweepKeyAttribute"/> and take their value as
    /// text: the schema converts it by the key's type, with the same messages as YAML and --set.
    /// </summary>
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--preset <NAME>")]
        [Description("Starting point: quick (every pattern at 2 depths and 2 widths, 3 reference networks; minutes) or paper (the full grid; hours). Default: quick.")]
        public string? Preset { get; init; }

        [CommandOption("--config <FILE>")]
        [Description("YAML sweep configuration (see docs/benchmarks.md); flags override its values.")]
        public string? Config { get; init; }

        [CommandOption("--models <LIST>")]
        [Description("Reference networks, pattern identifiers and user model files (net.yaml, see docs/spec-files.md; net.onnx, see docs/user-models.md), comma-separated (resnet50,residual-d8-w1.0). Alone, replaces the preset's pattern grid.")]
        [SweepKey("models")]
        public string? Models { get; init; }

        [CommandOption("--models-dir <DIR>")]
        [Description("A folder of user models (.yaml/.yml spec files, .onnx files) that --models may name without their path; 'fff list --models-dir DIR' shows them.")]
        [SweepKey("models_dir")]
        public string? ModelsDir { get; init; }

        [CommandOption("--input-shape <SHAPE>")]
        [Description("Input shape such as 1x3x48x192 for the ONNX files in --models: fixes their dynamic dimensions (static ones must agree).")]
        [SweepKey("input_shape")]
        public string? InputShape { get; init; }

        [CommandOption("--patterns <LIST>")]
        [Description("Patterns to cross with --depths and --widths: plain, residual, dwbottleneck, darts.")]
        [SweepKey("patterns")]
        public string? Patterns { get; init; }

        [CommandOption("--depths <LIST>")]
        [Description("Pattern depths (blocks or cells), comma-separated.")]
        [SweepKey("depths")]
        public string? Depths { get; init; }

        [CommandOption("--widths <LIST>")]
        [Description("Pattern width multipliers, comma-separated.")]
        [SweepKey("widths")]
        public string? Widths { get; init; }

        [CommandOption("--backends <LIST>")]
        [Description("Backends, comma-separated; unavailable ones are listed and skipped. Default: all (see 'fff backends').")]
        [SweepKey("backends")]
        public string? Backends { get; init; }

        [CommandOption("--baseline <BACKEND>")]
        [Description("Backend that the report's speed-ups are relative to. Default: torch-cpu. A model TorchSharp cannot run (an ONNX file with unsupported operators) is measured with ONNX Runtime backends only and --baseline ort-cpu; see docs/user-models.md.")]
        [SweepKey("baseline")]
        public string? Baseline { get; init; }

        [CommandOption("--threads <LIST>")]
        [Description("Intra-op thread counts, the same for every backend. Default: the machine's physical cores.")]
        [SweepKey("threads")]
        public string? Threads { get; init; }

        [CommandOption("--batch <LIST>")]
        [Description("Batch sizes. Default: 1.")]
        [SweepKey("batch")]
        public string? Batch { get; init; }

        [CommandOption("--resolution <LIST>")]
        [Description("Input resolutions in pixels (square). Default: 224.")]
        [SweepKey("resolution")]
        public string? Resolution { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of weights and inputs. Default: 42.")]
        [SweepKey("seed")]
        public string? Seed { get; init; }

        [CommandOption("--max-seconds <S>")]
        [Description("Cap on each cell's measured phase, in seconds.")]
        [SweepKey("timing.max_seconds")]
        public string? MaxSeconds { get; init; }

        [CommandOption("--target-ci <FRACTION>")]
        [Description("Stop measuring once the 95% CI of the median is within this fraction of it (0.01 = ±1%).")]
        [SweepKey("timing.target_relative_ci")]
        public string? TargetCi { get; init; }

        [CommandOption("--cell-timeout <S>")]
        [Description("Kill a worker after this many seconds and record the cell as 'timeout'.")]
        [SweepKey("cell_timeout_seconds")]
        public string? CellTimeout { get; init; }

        [CommandOption("--launches <K>")]
        [Description("Measure each cell in K worker processes, spread over the run (between-process variation enters the intervals). Default: the preset's.")]
        [SweepKey("launches")]
        public string? Launches { get; init; }

        [CommandOption("--tolerance <X>")]
        [Description("Largest relative L2 error of a backend's output against the reference (default 1e-3).")]
        [SweepKey("parity.tolerance")]
        public string? Tolerance { get; init; }

        [CommandOption("--counters <LIST>")]
        [Description("Counters around the measured iterations: default, none, or event specs (docs/counters.md).")]
        [SweepKey("counters")]
        public string? Counters { get; init; }

        [CommandOption("--keep-samples")]
        [Description("Write every cell's raw latencies to samples/ (lets 'fff compare' use a Mann-Whitney test).")]
        [SweepKey("keep_samples")]
        public bool? KeepSamples { get; init; }

        [CommandOption("--pin")]
        [Description("Pin each worker to the first THREADS logical CPUs.")]
        [SweepKey("pin")]
        public bool? Pin { get; init; }

        [CommandOption("--set <KEY=VALUE>")]
        [Description("Set any configuration key (repeatable), after the preset, the file and the flags: --set timing.max_seconds=5, --set backend_options.ort-cpu.graph_optimization=basic; lists as 1,2 or [[1, 2]]. Keys: docs/benchmarks.md.")]
        public string[]? Set { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("The run folder to create. Default: results/<UTC time>-<machine>/ in the repository.")]
        public string? Out { get; init; }

        [CommandOption("--resume <DIR>")]
        [Description("Continue an interrupted run: finished cells are kept, the rest are measured with the run's own configuration.")]
        public string? Resume { get; init; }

        [CommandOption("--shard <I/N>")]
        [Description("Measure only the I-th of N disjoint parts of the sweep (whole models, balanced by MACs), for a fleet of machines of one kind; join the shards' run folders with 'fff merge'. Not part of the configuration: every shard of a sweep is given the same configuration.")]
        public string? Shard { get; init; }

        [CommandOption("--dry-run")]
        [Description("Print the plan (cells and launches per backend) and, with --estimate-from, how long it should take; measure nothing and create no folder.")]
        public bool DryRun { get; init; }

        [CommandOption("--estimate-from <RUN_DIR>")]
        [Description("With --dry-run: a run measured on this machine whose launch costs and latencies (a log-log fit on MACs for cells it lacks) time the plan.")]
        public string? EstimateFrom { get; init; }

        [CommandOption("--no-report")]
        [Description("Do not write the report (figures and tables) at the end.")]
        public bool NoReport { get; init; }

        public override ValidationResult Validate()
        {
            if (Resume is not null && (Preset is not null || Config is not null || Out is not null))
                return ValidationResult.Error("--resume continues a run with its own configuration and folder; it cannot be combined with --preset, --config or --out");
            if (DryRun && Resume is not null)
                return ValidationResult.Error("--dry-run plans a new run; a resumed run continues the plan in its folder");
            if (EstimateFrom is not null && !DryRun)
                return ValidationResult.Error("--estimate-from times a plan without measuring it; give it with --dry-run");
            if (Preset is not null && Config is not null)
                return ValidationResult.Error("give either --preset or --config (a configuration file names its preset with 'preset:')");
            return ValidationResult.Success();
        }

        /// <summary>The configuration of a new run: the preset, then the file, then the flags, then <c>--set</c>.</summary>
        public SweepConfiguration Configuration()
        {
            var layers = new List<JsonObject>();
            if (Preset is not null) layers.Add(new JsonObject { ["preset"] = Preset });
            if (Config is not null) layers.Add(SweepConfigurationFile.LoadLayer(Config));
            layers.Add(CommandLineLayer());
            return SweepConfigurationLayers.Build(layers);
        }

        /// <summary>
        /// The layer the command line adds over the preset and the file: each flag marked with
        /// <see cref="SweepKeyAttribute"/> that was given, then every <c>--set</c> in order.
        /// </summary>
        public JsonObject CommandLineLayer()
        {
            var layer = new JsonObject();
            foreach (var property in typeof(Settings).GetProperties())
            {
                if (property.GetCustomAttribute<SweepKeyAttribute>() is not { } key || property.GetValue(this) is not { } value) continue;
                string flag = "--" + property.GetCustomAttribute<CommandOptionAttribute>()!.LongNames[0];
                string text = value switch
                {
                    bool b => b ? "true" : "false",
                    IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                    _ => value.ToString() ?? "",
                };
                SweepConfigurationLayers.Merge(layer, SweepConfigurationLayers.FlagLayer(flag, key.Path, text));
            }
            foreach (var assignment in Set ?? []) SweepConfigurationLayers.Merge(layer, SweepConfigurationLayers.SetLayer(assignment));
            return layer;
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            return Run(settings, interrupt.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    private static int Run(Settings settings, CancellationToken cancellation)
    {
        var log = ConsoleOutput.Diagnostics;
        var launcher = WorkerLauncher.ForCurrentProgram();
        var catalog = ModelCatalog.Default;
        void Status(string message) => log.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
        var shard = settings.Shard is null ? null : SweepShard.Parse(settings.Shard);
        if (settings.DryRun) return DryRun(settings, catalog, shard);
        SweepSession session;
        if (settings.Resume is not null)
        {
            session = SweepSession.Resume(settings.Resume, settings.CommandLineLayer(), CommandLine(), catalog, launcher, Status, cancellation, shard);
        }
        else
        {
            session = SweepSession.Start(settings.Configuration(), settings.Out, SourceTree.DefaultResultsFolder(),
                CommandLine(), catalog, launcher, Status, cancellation, shard);
        }

        Introduce(session);
        var observer = new ProgressObserver(log, session.LaunchesToRun);
        var outcome = observer.Show(token => session.Run(observer, token), cancellation);

        var rows = session.Folder.ReadResults();
        string byStatus = string.Join(", ", rows.GroupBy(r => r.Status).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} {g.Key}"));
        ConsoleOutput.Standard.MarkupLine($"Results: [bold]{Markup.Escape(session.Folder.ResultsFile)}[/] ({Counted.Of(rows.Count, "row")}: {Markup.Escape(byStatus)})");
        var launches = session.Folder.ReadLaunches();
        foreach (var cost in LaunchCost.Of(launches))
            log.MarkupLine(Markup.Escape(FormattableString.Invariant(
                $"  {cost.Backend}: a launch took {cost.WorkerMs / 1000:0.00} s (median of {cost.Launches}): {cost.SetupMs / 1000:0.00} s set-up before the first timed call ({cost.StartupMs / 1000:0.00} s start-up, {cost.ProbeMs / 1000:0.00} s probe), {cost.TimedMs / 1000:0.00} s timed")));
        if (CoreLatencyStates.Describe([.. launches.Select(l => l.Measurement.CoreLatencyNs)]) is { Length: > 0 } states)
            log.MarkupLine(Markup.Escape($"  machine states (core-to-core round trip): {states}"));
        if (outcome.Interrupted)
        {
            log.MarkupLine($"[yellow]interrupted;[/] finished cells are saved. Continue with: tools/fff run --resume {Markup.Escape(session.Folder.Path)}");
            return 130;
        }
        if (!settings.NoReport && rows.Count > 0)
        {
            try
            {
                ReportWriter.Write([session.Folder], null, null, "png,svg");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The measurements are safe in the run folder: a failed report must not fail the sweep.
                log.MarkupLine($"[yellow]warning:[/] the report was not written ({Markup.Escape(e.Message)}); write it with: tools/fff report {Markup.Escape(session.Folder.Path)}");
            }
        }
        return 0;
    }

    /// <summary>The plan of a new run, and its time from a run measured here before; nothing is probed, measured or written.</summary>
    private static int DryRun(Settings settings, ModelCatalog catalog, SweepShard? shard)
    {
        var configuration = settings.Configuration();
        var plan = SweepPlan.Planned(configuration, catalog, shard);
        var console = ConsoleOutput.Standard;
        console.MarkupLine($"Plan ([bold]{Markup.Escape(configuration.Preset)}[/]{(shard is null ? "" : $", shard {shard.Index}/{shard.Count}")}): " +
                           $"{plan.Sum(g => g.Cells.Count)} cells in {plan.Count} model groups, {configuration.Launches} launch(es) each; backends as configured (not probed)");
        foreach (var backend in plan.SelectMany(g => g.Cells).GroupBy(c => c.Backend.Name))
            console.MarkupLine(Markup.Escape($"  {backend.Key,-13} {backend.Count()} cells, {backend.Count() * configuration.Launches} launches"));
        if (settings.EstimateFrom is null)
        {
            console.MarkupLine("[grey]for a time estimate, add --estimate-from RUN_DIR (a run measured on this machine)[/]");
            return 0;
        }
        var estimate = SweepTimeEstimator.Estimate(plan, configuration, new RunFolder(Path.GetFullPath(settings.EstimateFrom)));
        var t = configuration.Timing;
        console.MarkupLine(Markup.Escape(FormattableString.Invariant(
            $"Estimated time: {Duration(estimate.Seconds)} for {estimate.Cells} cells, {estimate.Launches} launches (from {estimate.Source})")));
        foreach (var cost in estimate.Costs)
            console.MarkupLine(Markup.Escape(
                string.Create(CultureInfo.InvariantCulture, $"  {cost.Backend,-13} a launch costs {cost.FirstLaunchMs / 1000:0.00} s (a cell's first) or {cost.LaterLaunchMs / 1000:0.00} s (later) beyond warm-up and timing, median of {cost.Launches}") +
                (cost.LatencyFit is { } fit ? string.Create(CultureInfo.InvariantCulture, $"; latency ∝ MACs^{fit.Slope:0.00} for cells the run lacks") : "")));
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"  assumed: every launch warms up for max({t.WarmupSeconds:0.##} s, {t.WarmupIterations} inferences) and times until {t.MaxSeconds:0.##} s or {t.MaxIterations} inferences (the CI target can stop it sooner, so this part is an upper bound); {estimate.MeasuredLatencies} cell latencies measured in that run, the others fitted; {estimate.PerModelSeconds:0.0} s per model group outside launches (export, reference output)")));
        foreach (var (backend, cells) in estimate.Unestimated)
            console.MarkupLine($"[yellow]not estimated:[/] {Markup.Escape($"{cells} {backend} cells (the run has no usable launches or latency fit of {backend})")}");
        return 0;
    }

    private static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes:00} min" : $"{span.Minutes} min {span.Seconds:00} s";
    }

    private static string CommandLine() => string.Join(' ', Environment.GetCommandLineArgs().Skip(1));

    private static void Introduce(SweepSession session)
    {
        var log = ConsoleOutput.Diagnostics;
        var configuration = session.Configuration;
        log.MarkupLine($"{(session.IsResume ? "Resuming" : "Run")} [bold]{Markup.Escape(session.Manifest.RunId)}[/] in {Markup.Escape(session.Folder.Path)}");
        foreach (var backend in session.Backends)
        {
            string status = backend.Available ? "[green]available[/]" : "[yellow]unavailable[/]";
            if (!configuration.Backends.Contains(backend.Descriptor.Name)) status += " [grey](reference outputs only)[/]";
            log.MarkupLine($"  {backend.Descriptor.Name,-13} {status} {Markup.Escape(backend.Available ? $"{backend.Probe.Version}, {backend.Probe.Device}" : backend.Probe.Reason ?? "")}");
            if (backend.Note is not null) log.MarkupLine($"  {"",-13} [yellow]note:[/] {Markup.Escape(backend.Note)}");
        }
        int total = session.Plan.CellCount;
        if (session.Manifest.Shard is { } part)
            log.MarkupLine($"  shard {part.Index}/{part.Count}: {session.Plan.Groups.Count} of the sweep's {part.Plan.Count} model groups ({part.PlanCells} cells as configured, plan {part.PlanSha256[..12]})");
        // The planned cells' own sizes: a user's ONNX file keeps its input shape whatever the configuration says.
        var resolutions = session.Plan.Groups.Select(g => g.Resolution).Distinct().Order();
        var batches = session.Plan.Groups.Select(g => g.Batch).Distinct().Order();
        log.MarkupLine(
            $"  {Counted.Of(total, "cell")} ({Counted.Of(session.Plan.Groups.Select(g => g.Model.Id).Distinct().Count(), "model")} x {Counted.Of(session.Measured.Count(b => b.Available), "backend")} x threads {string.Join(",", configuration.Threads)}" +
            $" x batch {string.Join(",", batches)} x {string.Join(",", resolutions)} px)" +
            (configuration.Launches > 1 ? $", each in {configuration.Launches} launches (worker processes) spread over {configuration.Launches} rounds" : "") +
            (total > session.CellsToRun ? $", {total - session.CellsToRun} already done" : "") +
            $"; each measured until the 95% CI of the median is within ±{configuration.Timing.TargetRelativeCi:P1} or {configuration.Timing.MaxSeconds:0.#} s");
    }
}
