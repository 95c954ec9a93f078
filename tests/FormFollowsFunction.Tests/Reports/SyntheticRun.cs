using System.Globalization;
using System.Text.Json.Nodes;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Tests.Reports;

/// <summary>
/// Writes realistic run folders for report and comparison tests: the pattern grid (plain, residual,
/// dwbottleneck, darts at depths 2-16 and widths 0.5, 1.0), reference networks, a TorchSharp
/// baseline and ONNX Runtime backends, a few cells that failed, optional hardware counters,
/// L3 ratios and raw samples. Each cell's true latency is a fixed function of the network and
/// backend; runs differ only by seeded measurement noise, so two runs with different seeds are
/// "the same machine and code measured twice".
/// </summary>
public sealed record SyntheticRun
{
    public string RunId { get; init; } = "synthetic-run";
    public int Seed { get; init; } = 1;
    public IReadOnlyList<string> Backends { get; init; } = ["torch-cpu", "ort-cpu", "ort-openvino"];
    public IReadOnlyList<string> Patterns { get; init; } = ["plain", "residual", "dwbottleneck", "darts"];
    public IReadOnlyList<int> Depths { get; init; } = [2, 4, 8, 16];
    public IReadOnlyList<double> Widths { get; init; } = [0.5, 1.0];
    public IReadOnlyList<string> ReferenceNetworks { get; init; } = ["resnet50", "mobilenetv2", "darts"];
    public IReadOnlyList<int> Batches { get; init; } = [1];
    public int Threads { get; init; } = 4;
    public int Resolution { get; init; } = 224;

    /// <summary>Fill the hardware counter columns (else empty with a reason in counters_status).</summary>
    public bool Counters { get; init; } = true;

    /// <summary>Fill the roofline columns (achieved_gflops, arithmetic_intensity, peaks, roofline_fraction); off: a run from before the machine probe.</summary>
    public bool Roofline { get; init; }

    /// <summary>Fill l3_bytes and the working-set / L3 ratios.</summary>
    public bool CacheRatios { get; init; } = true;

    /// <summary>Write raw per-iteration samples and name them in samples_file.</summary>
    public bool Samples { get; init; }

    public int SampleCount { get; init; } = 200;

    /// <summary>Mark a few cells mismatch, crashed, timeout and failed, as real sweeps have.</summary>
    public bool WithFailures { get; init; } = true;

    /// <summary>Multiplies the true latency of matching cells (backend, model): a synthetic regression or improvement.</summary>
    public Func<string, string, double> LatencyFactor { get; init; } = (_, _) => 1.0;

    public string CpuModel { get; init; } = "Synthetic CPU 9000 @ 3.0GHz";

    /// <summary>
    /// Launches (worker processes) per cell, one per round, written to launches.csv; the cell's row is then
    /// estimated from them as a sweep does (median of the launch medians, t interval on their logs).
    /// 0 writes no launches.csv: a run from before launches existed.
    /// </summary>
    public int Launches { get; init; }

    /// <summary>Standard deviation of a launch median's log around the cell's true latency (0.05: about ±5% per process).</summary>
    public double LaunchNoise { get; init; } = 0.05;

    /// <summary>Multiplies every launch of round r (1-based): the machine's state in that round, shared by all its cells.</summary>
    public Func<int, double> RoundDrift { get; init; } = _ => 1.0;

    /// <summary>The core-to-core round trip (ns) of every launch of round r (1-based), or null for none: the machine state of that round.</summary>
    public Func<int, double?> CoreLatencyOfRound { get; init; } = _ => null;

    /// <summary>The round trip the sweep measures right after each round's launch (null: not measured); differing from <see cref="CoreLatencyOfRound"/>'s state, the state changed during it.</summary>
    public Func<int, double?> CoreLatencyAfterRound { get; init; } = _ => null;

    /// <summary>Overrides the launch medians of matching cells (backend, model): the K medians, in round order.</summary>
    public Func<string, string, IReadOnlyList<double>?> LaunchMedians { get; init; } = (_, _) => null;

    /// <summary>The device column of a cell (backend, model), e.g. a oneDNN cap on TorchSharp.</summary>
    public Func<string, string, string> DeviceOf { get; init; } = (_, _) => "cpu";

    public const long L3Bytes = 32L << 20;

    /// <summary>The cells the failure plan marks, with the status and error they get.</summary>
    public static readonly IReadOnlyList<(string Model, string Backend, CellStatus Status, string Error)> FailurePlan =
    [
        ("dwbottleneck-d2-w0.5", "ort-cpu", CellStatus.Mismatch, "relative L2 error 3.1e-2 above tolerance 1e-3 (reference torch-cpu)"),
        ("darts-d16-w1.0", "ort-openvino", CellStatus.Crashed, "worker exited with signal 11 (SIGSEGV)"),
        ("resnet50", "ort-openvino", CellStatus.Timeout, "cell exceeded its 600 s limit"),
        ("plain-d16-w0.5", "ort-cpu", CellStatus.Failed, "OrtException: model load failed"),
    ];

    public static MachineFingerprint Machine(string cpu = "Synthetic CPU 9000 @ 3.0GHz") => new()
    {
        Hostname = "lab-01",
        CpuModel = cpu,
        LogicalCores = 16,
        PhysicalCores = 8,
        MemoryBytes = 32L << 30,
        Os = "Debian GNU/Linux 12 (bookworm)",
        Kernel = "6.1.0-28-amd64",
        Architecture = "X64",
        Caches =
        [
            new CacheLevel(1, "Data", 48L << 10, "sysfs"),
            new CacheLevel(2, "Unified", 2L << 20, "sysfs"),
            new CacheLevel(3, "Unified", L3Bytes, "sysfs"),
        ],
        Facts = new Dictionary<string, MachineFact>
        {
            ["governor"] = new("performance", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
            ["smt"] = new("on", "/sys/devices/system/cpu/smt/active"),
        },
    };

    public MachineFingerprint MachineFingerprint => Machine(CpuModel);

    /// <summary>Notes the run's manifest carries for readers of its results.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Writes the run folder (manifest, results.csv, samples/) and returns it.</summary>
    public RunFolder Write(string path)
    {
        var folder = new RunFolder(path);
        var random = new Random(Seed);
        var created = new DateTime(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc);
        folder.WriteManifest(new RunManifest
        {
            RunId = RunId,
            CreatedUtc = created,
            FinishedUtc = created.AddHours(1),
            ToolVersion = "0.1.0",
            GitCommit = "0123456789abcdef0123456789abcdef01234567",
            CommandLine = "fff run --config synthetic.yaml",
            Machine = MachineFingerprint,
            Versions = new Dictionary<string, string> { ["dotnet"] = "10.0.0", ["torchsharp"] = "0.107.0", ["onnxruntime"] = "1.31.1" },
            Backends = Backends.ToDictionary(b => b, _ => "available"),
            Notes = Notes,
            Configuration = new JsonObject
            {
                ["backends"] = new JsonArray(Backends.Select(b => (JsonNode)JsonValue.Create(b)!).ToArray()),
                ["threads"] = Threads,
                ["resolution"] = Resolution,
                ["target_ci_fraction"] = 0.01,
            },
        });

        var launchRows = new List<LaunchRow>();
        var resultRows = new List<ResultRow>();
        var time = created;
        foreach (int batch in Batches)
        foreach (var (model, pattern, depth, width, macs, parameters, activations) in Models())
        foreach (var backend in Backends)
        {
            time = time.AddSeconds(10);
            var row = new ResultRow
            {
                RunId = RunId, TimestampUtc = time, Machine = "lab-01", Backend = backend,
                BackendVersion = backend.StartsWith("torch", StringComparison.Ordinal) ? "2.10.0" : "1.31.1",
                Device = DeviceOf(backend, model), Threads = Threads, GraphOptimization = "all", Model = model, Pattern = pattern,
                Depth = depth, Width = width, Resolution = Resolution, Batch = batch,
                Params = parameters, Macs = macs * batch, Flops = 2 * macs * batch,
                WeightBytes = parameters * 4, ActivationBytes = activations * batch, PeakActivationBytes = activations * batch / 3,
                OnnxSha256 = new string('a', 64), Status = CellStatus.Ok.ToColumn(),
            };
            var failure = WithFailures ? FailurePlan.FirstOrDefault(f => f.Model == model && f.Backend == backend && batch == Batches[0]) : default;
            if (failure.Model is not null && failure.Status != CellStatus.Mismatch)
            {
                row.Status = failure.Status.ToColumn();
                row.Error = failure.Error;
                row.CountersStatus = "not measured";
                for (int round = 1; round <= Launches; round++) launchRows.Add(LaunchOf(row, round, time));
                resultRows.Add(row);
                continue;
            }

            double trueMs = TrueLatencyMs(backend, pattern, depth, macs * batch) * LatencyFactor(backend, model);
            if (Samples)
            {
                var samples = Enumerable.Range(0, SampleCount).Select(_ => trueMs * Math.Exp(0.03 * Gaussian(random))).ToList();
                string relative = Path.Combine("samples", LatencySamples.FileNameFor(row.Key));
                LatencySamples.Write(Path.Combine(folder.Path, relative), samples);
                row.SamplesFile = relative;
                Summarise(row, samples);
            }
            else
            {
                double median = trueMs * Math.Exp(0.004 * Gaussian(random));
                row.Iterations = 400;
                row.MedianMs = median;
                row.MeanMs = median * 1.01;
                row.StddevMs = median * 0.03;
                row.MinMs = median * 0.95;
                row.P90Ms = median * 1.04;
                row.P99Ms = median * 1.09;
                row.MaxMs = median * 1.2;
                row.Ci95LowMs = median * (1 - 0.008 - 0.004 * random.NextDouble());
                row.Ci95HighMs = median * (1 + 0.008 + 0.004 * random.NextDouble());
            }
            row.CompileMs = 50 + macs / 1e7;
            row.FirstMs = trueMs * 3;
            row.StopReason = "ci-target";
            if (backend != Backends[0])
            {
                row.ParityReference = Backends[0];
                row.ParityRelErr = 1e-6;
            }
            if (failure.Model is not null)
            {
                row.Status = failure.Status.ToColumn();
                row.Error = failure.Error;
                row.ParityRelErr = 3.1e-2;
            }
            FillCounters(row, trueMs);
            FillCacheRatios(row);
            if (Launches > 0) EstimateFromLaunches(row, trueMs, random, launchRows, time);
            if (Roofline) FillRoofline(row);
            resultRows.Add(row);
        }
        // The files a sweep appends row by row, written whole: the same text, without a flush to disk per row.
        File.WriteAllText(folder.ResultsFile, RunCsv.Text(resultRows));
        // Launches round by round, as a sweep writes them: round r measures every cell before round r + 1.
        if (Launches > 0) File.WriteAllText(folder.LaunchesFile, RunCsv.Text(launchRows.OrderBy(l => l.Round)));
        return folder;
    }

    /// <summary>Peak GFLOP/s per thread of the synthetic machine's probe (an FMA peak), and its bandwidth in GB/s.</summary>
    public const double PeakGflopsPerThread = 100, PeakBandwidthGbs = 20;

    /// <summary>The roofline columns as the machine probe and the sweep fill them (flops / median, flops / bytes).</summary>
    private void FillRoofline(ResultRow row)
    {
        row.AchievedGflops = row.Flops / (row.MedianMs!.Value * 1e6);
        row.ArithmeticIntensity = (double)row.Flops!.Value / (row.WeightBytes!.Value + row.ActivationBytes!.Value);
        row.PeakGflops = PeakGflopsPerThread * Threads;
        row.PeakBandwidthGbs = PeakBandwidthGbs;
        row.RooflineFraction = row.AchievedGflops / Math.Min(row.PeakGflops.Value, row.ArithmeticIntensity.Value * PeakBandwidthGbs);
    }

    /// <summary>
    /// Draws the cell's launch medians, records them as launches, and sets the row to their estimate over the
    /// launches a sweep would choose (<see cref="LaunchSelection"/>: common machine state, no disturbed launch).
    /// </summary>
    private void EstimateFromLaunches(ResultRow row, double trueMs, Random random, List<LaunchRow> launchRows, DateTime time)
    {
        var medians = LaunchMedians(row.Backend, row.Model)
            ?? Enumerable.Range(1, Launches).Select(r => trueMs * RoundDrift(r) * Math.Exp(LaunchNoise * Gaussian(random))).ToList();
        if (medians.Count != Launches) throw new ArgumentException($"{medians.Count} launch medians for {row.Key}, expected {Launches}");
        for (int round = 1; round <= Launches; round++)
        {
            var launch = LaunchOf(row, round, time);
            double m = medians[round - 1];
            launch.Measurement.MedianMs = m;
            launch.Measurement.MeanMs = m * 1.01;
            launch.Measurement.Ci95LowMs = m * 0.99;
            launch.Measurement.Ci95HighMs = m * 1.01;
            launch.Measurement.CoreLatencyNs = CoreLatencyOfRound(round);
            launch.Measurement.CoreLatencyAfterNs = CoreLatencyAfterRound(round);
            launchRows.Add(launch);
        }
        var chosen = LaunchSelection.Chosen(Enumerable.Range(1, Launches).ToList(), row.Threads, r => medians[r - 1], CoreLatencyOfRound, CoreLatencyAfterRound);
        var estimate = LaunchEstimate.Of([.. chosen.Select(r => medians[r - 1])]);
        row.MedianMs = estimate.Median;
        row.Ci95LowMs = estimate.Ci95Low ?? estimate.Median * 0.99;
        row.Ci95HighMs = estimate.Ci95High ?? estimate.Median * 1.01;
        row.Launches = estimate.Count;
        row.LaunchCv = estimate.Cv;
    }

    private static LaunchRow LaunchOf(ResultRow row, int round, DateTime time)
    {
        var measurement = new ResultRow();
        foreach (var property in typeof(ResultRow).GetProperties().Where(p => p.CanWrite))
            property.SetValue(measurement, property.GetValue(row));
        measurement.TimestampUtc = time.AddHours(round - 1);
        measurement.Launches = null;
        measurement.LaunchCv = null;
        return new LaunchRow { Round = round, Launch = round, WorkerPid = 1000 + round, SetupMs = 800, WorkerWallMs = 2500, Measurement = measurement };
    }

    private static void Summarise(ResultRow row, List<double> samples)
    {
        var sorted = samples.Order().ToList();
        double Quantile(double p) => MathNet.Numerics.Statistics.SortedArrayStatistics.Quantile(sorted.ToArray(), p);
        row.Iterations = samples.Count;
        row.MedianMs = Quantile(0.5);
        row.MeanMs = samples.Average();
        row.StddevMs = MathNet.Numerics.Statistics.Statistics.StandardDeviation(samples);
        row.MinMs = sorted[0];
        row.MaxMs = sorted[^1];
        row.P90Ms = Quantile(0.9);
        row.P99Ms = Quantile(0.99);
        // Order-statistic interval for the median (binomial, normal approximation): ranks n/2 ± 0.98·√n.
        int n = sorted.Count, half = (int)Math.Ceiling(0.98 * Math.Sqrt(n));
        row.Ci95LowMs = sorted[Math.Max(0, n / 2 - half)];
        row.Ci95HighMs = sorted[Math.Min(n - 1, n / 2 + half)];
    }

    private void FillCounters(ResultRow row, double latencyMs)
    {
        if (!Counters)
        {
            row.CountersStatus = "hardware counters not supported: no PMU in /sys/bus/event_source/devices";
            return;
        }
        double instructions = row.Macs!.Value * (row.Backend.StartsWith("torch", StringComparison.Ordinal) ? 1.6 : 0.9);
        double llcLoads = (row.WeightBytes!.Value + row.ActivationBytes!.Value) / 64.0;
        double missRatio = Math.Clamp((row.WeightBytes!.Value + row.ActivationBytes!.Value) / (double)L3Bytes * 0.3, 0.02, 0.9);
        double misses = llcLoads * missRatio;
        row.Instructions = instructions;
        row.Cycles = latencyMs * 3.0e6 * Threads * 0.8;
        row.Ipc = instructions / row.Cycles;
        row.CacheReferences = llcLoads * 1.3;
        row.CacheMisses = misses * 1.1;
        row.LlcLoads = llcLoads;
        row.LlcLoadMisses = misses;
        row.LlcMissRatio = missRatio;
        row.LlcMpki = misses / (instructions / 1000);
        row.TaskClockMs = latencyMs * Threads * 0.8;
        row.CpuUtilisation = Threads * 0.8;
        row.ContextSwitches = 2;
        row.PageFaults = 0.5;
        row.CountersStatus = "ok";
    }

    private void FillCacheRatios(ResultRow row)
    {
        if (!CacheRatios) return;
        row.L3Bytes = L3Bytes;
        row.WeightL3Ratio = row.WeightBytes / (double)L3Bytes;
        row.ActivationL3Ratio = row.PeakActivationBytes / (double)L3Bytes;
    }

    /// <summary>Speed-ups the ONNX Runtime backends get over TorchSharp per pattern (the shape the paper reports).</summary>
    private static double BackendSpeed(string backend, string pattern) => (backend, pattern) switch
    {
        ("ort-cpu", "plain") => 1.3,
        ("ort-cpu", "residual") => 1.5,
        ("ort-cpu", "dwbottleneck") => 2.8,
        ("ort-cpu", "darts") => 3.5,
        ("ort-cpu", _) => 1.8,
        ("ort-openvino", "plain") => 2.4,
        ("ort-openvino", "residual") => 2.9,
        ("ort-openvino", "dwbottleneck") => 5.5,
        ("ort-openvino", "darts") => 11.0,
        ("ort-openvino", _) => 3.8,
        _ => 1.0,
    };

    public static double TrueLatencyMs(string backend, string pattern, int? depth, long macs)
    {
        double torchMs = 0.4 + macs / 2.0e7 + (depth ?? 20) * 0.08;
        double growth = depth is { } d ? 1 + 0.06 * Math.Log2(d) : 1.0;
        double speed = backend.StartsWith("torch", StringComparison.Ordinal) ? 1.0 : BackendSpeed(backend, pattern) * growth;
        return torchMs / speed;
    }

    private IEnumerable<(string Model, string Pattern, int? Depth, double? Width, long Macs, long Params, long Activations)> Models()
    {
        foreach (var pattern in Patterns)
        foreach (int depth in Depths)
        foreach (double width in Widths)
        {
            (double blockMacs, double blockParams) = pattern switch
            {
                "plain" => (60e6, 0.6e6),
                "residual" => (70e6, 0.7e6),
                "dwbottleneck" => (12e6, 0.25e6),
                "darts" => (35e6, 0.3e6),
                _ => (40e6, 0.4e6),
            };
            long macs = (long)(20e6 + depth * blockMacs * width * width);
            long parameters = (long)(1.3e6 + depth * blockParams * width * width);
            long activations = (long)(3.2e6 * 4 * width * (1 + depth / 8.0));
            string id = $"{pattern}-d{depth}-w{width.ToString("0.0##", CultureInfo.InvariantCulture)}";
            yield return (id, pattern, depth, width, macs, parameters, activations);
        }
        foreach (var network in ReferenceNetworks)
        {
            (long macs, long parameters) = network switch
            {
                "resnet50" => (4_089_184_256L, 25_557_032L),
                "mobilenetv2" => (300_774_272L, 3_504_872L),
                "darts" => (574_000_000L, 3_300_000L),
                _ => (1_000_000_000L, 10_000_000L),
            };
            yield return (network, "reference", null, null, macs, parameters, (long)(12e6 * 4));
        }
    }

    private static double Gaussian(Random random) => MathNet.Numerics.Distributions.Normal.Sample(random, 0.0, 1.0);
}
