using FormFollowsFunction.Cli;
using FormFollowsFunction.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("fff");
    config.SetApplicationVersion(ToolInfo.Version);
    config.Settings.StrictParsing = true;
    config.Settings.ShowOptionDefaultValues = true;
    config.Settings.Console = ConsoleOutput.Standard;
    config.SetExceptionHandler((exception, _) => ErrorReporter.Report(exception));

    config.AddCommand<ListCommand>("list")
        .WithDescription("List the architecture patterns and reference networks.")
        .WithExample("list").WithExample("list", "--json");
    config.AddCommand<DescribeCommand>("describe")
        .WithDescription("Show a model's layers with output shapes, parameters, MACs and FLOPs, and its totals.")
        .WithExample("describe", "resnet50")
        .WithExample("describe", "residual-d8-w0.5", "--resolution", "160", "--batch", "8")
        .WithExample("describe", "darts", "--json")
        .WithExample("describe", "net.onnx", "--input-shape", "1x3x48x192");
    config.AddCommand<ExportCommand>("export")
        .WithDescription("Write models as ONNX files with seeded weights (MODEL.onnx) and a sidecar (MODEL.json).")
        .WithExample("export", "resnet50", "--out", "models")
        .WithExample("export", "residual-d8-w1.0", "vgg16", "--out", "models", "--resolution", "160", "--seed", "1");
    config.AddCommand<VerifyCommand>("verify")
        .WithDescription("Check that ONNX Runtime CPU computes what TorchSharp computes for a model (relative L2 error).")
        .WithExample("verify", "resnet50")
        .WithExample("verify", "mobilenetv2", "--onnx", "models/mobilenetv2.onnx", "--tolerance", "1e-4");
    config.AddCommand<ProfileCommand>("profile")
        .WithDescription("Time every layer of models on torch-cpu and ort-cpu, with each layer's fixed per-call part: DIR/layers.csv and a summary.")
        .WithExample("profile", "resnet18", "mobilenetv2", "darts-d8-w0.5", "--backends", "torch-cpu,ort-cpu", "--resolution", "128")
        .WithExample("profile", "resnet18", "--threads", "1", "--out", "results/profile-resnet18");
    config.AddCommand<DoctorCommand>("doctor")
        .WithDescription("Check what this machine can measure: hardware counters, cache sizes, machine facts; says how to fix what is missing.")
        .WithExample("doctor").WithExample("doctor", "--json").WithExample("doctor", "--event", "pmu:msr/tsc/");
    config.AddCommand<ReportCommand>("report")
        .WithDescription("Figures, tables and report.md/report.html from one or more run folders.")
        .WithExample("report", "results/2026-11-28-lab01")
        .WithExample("report", "results/run-a", "results/run-b", "--baseline", "ort-cpu", "--formats", "svg");
    config.AddCommand<CompareCommand>("compare")
        .WithDescription("Compare two runs cell by cell; exit code 1 when a cell regressed.")
        .WithExample("compare", "results/last-night", "results/tonight", "--threshold", "5");
    config.AddCommand<HistoryCommand>("history")
        .WithDescription("Steps in each cell's latency over many runs (nightly history): regressions.csv/md and a static dashboard; exit code 1 when the newest run lies in a regression.")
        .WithExample("history", "results", "--out", "reports/history")
        .WithExample("history", "results/nightly-*", "--last", "60", "--min-persistence", "3", "--out", "reports/history");
    config.AddCommand<RunCommand>("run")
        .WithDescription("Measure a sweep (default: the quick preset on every available backend), then write the report.")
        .WithExample("run")
        .WithExample("run", "--preset", "paper", "--keep-samples")
        .WithExample("run", "--models", "resnet50,mobilenetv2", "--backends", "torch-cpu,ort-cpu", "--threads", "1,2")
        .WithExample("run", "--patterns", "residual,dwbottleneck", "--depths", "2,4,8,16", "--widths", "0.5,1.0")
        .WithExample("run", "--models", "wakeword.onnx", "--input-shape", "1x16x96", "--backends", "ort-cpu", "--baseline", "ort-cpu")
        .WithExample("run", "--config", "sweep.yaml")
        .WithExample("run", "--config", "sweep.yaml", "--set", "timing.max_seconds=5", "--set", "backend_options.ort-cpu.graph_optimization=basic")
        .WithExample("run", "--shard", "2/4", "--config", "sweep.yaml", "--out", "results/shard-2")
        .WithExample("run", "--resume", "results/20261128T040000Z-lab1");
    config.AddCommand<MergeCommand>("merge")
        .WithDescription("Join the run folders of a sweep's shards (fff run --shard I/N) into one run folder.")
        .WithExample("merge", "results/shard-1", "results/shard-2", "results/shard-3", "--out", "results/fleet-20261203");
    config.AddCommand<BackendsCommand>("backends")
        .WithDescription("Show which backends this machine can run, with versions, devices and how to enable the others.")
        .WithExample("backends").WithExample("backends", "--json");
    config.AddCommand<WorkerCommand>("worker").IsHidden();
});
return app.Run(args);
