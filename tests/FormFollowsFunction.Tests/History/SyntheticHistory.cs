using System.Globalization;
using System.Text.Json.Nodes;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Reports;

namespace FormFollowsFunction.Tests.History;

/// <summary>
/// Writes a nightly history: one run folder per night (manifest.json, results.csv, launches.csv) with
/// the same cells each night. A cell's true latency is fixed per model and backend, times
/// <see cref="Factor"/> (planted steps and outliers); each night moves every cell by seeded log-normal
/// run-to-run noise, and each launch by a smaller launch-to-launch noise around that night's value.
/// </summary>
public sealed record SyntheticHistory
{
    public int Runs { get; init; } = 8;
    public IReadOnlyList<string> Backends { get; init; } = ["torch-cpu", "ort-cpu"];
    public int Models { get; init; } = 3;
    public int Launches { get; init; } = 3;

    /// <summary>Standard deviation of the log of a night's cell latency (run-to-run noise).</summary>
    public double RunNoise { get; init; } = 0.02;

    /// <summary>Standard deviation of the log of one launch's median around its night.</summary>
    public double LaunchNoise { get; init; } = 0.01;

    public int Seed { get; init; } = 7;

    /// <summary>Latency factor by 1-based run number, backend and model: a planted step or outlier.</summary>
    public Func<int, string, string, double> Factor { get; init; } = (_, _, _) => 1.0;

    /// <summary>The core-to-core round trip (ns) of every row of a 1-based run number, or null for none: the machine state of that night.</summary>
    public Func<int, double?> CoreLatencyOfRun { get; init; } = _ => null;

    /// <summary>
    /// The core-to-core round trip (ns) of a launch, by 1-based run and launch number, where the launches of a
    /// night ran in different machine states; null leaves launches without the figure (the row has the night's).
    /// </summary>
    public Func<int, int, double?> CoreLatencyOfLaunch { get; init; } = (_, _) => null;

    /// <summary>Latency factor of a launch by its core-to-core round trip: what a machine state does to the cells.</summary>
    public Func<double?, double> StateFactor { get; init; } = _ => 1.0;

    /// <summary>Whether a model's cells failed on a 1-based run number (status failed, no latency): a cell missing from that night.</summary>
    public Func<int, string, bool> Fails { get; init; } = (_, _) => false;

    /// <summary>onnxruntime version by 1-based run number.</summary>
    public Func<int, string> OnnxRuntimeVersion { get; init; } = _ => "1.31.1";

    public string Hostname { get; init; } = "lab-01";

    public DateTime Start { get; init; } = new(2026, 1, 1, 2, 0, 0, DateTimeKind.Utc);

    public static string RunName(int run) => $"nightly-{run:000}";

    public IReadOnlyList<string> ModelNames => Enumerable.Range(1, Models).Select(m => $"residual-d{m}-w1.0").ToList();

    /// <summary>Writes runs 1..Runs as <c>root/nightly-NNN</c> and returns their paths, oldest first.</summary>
    public IReadOnlyList<string> Write(string root)
    {
        var paths = Enumerable.Range(1, Runs).Select(r => Path.Combine(root, RunName(r))).ToArray();
        Parallel.For(1, Runs + 1, run => WriteRun(paths[run - 1], run));
        return paths;
    }

    private void WriteRun(string path, int run)
    {
        var folder = new RunFolder(path);
        Directory.CreateDirectory(folder.Path);
        var created = Start.AddDays(run - 1);
        string id = RunName(run);
        string ort = OnnxRuntimeVersion(run);
        folder.WriteManifest(new RunManifest
        {
            RunId = id,
            CreatedUtc = created,
            FinishedUtc = created.AddHours(1),
            ToolVersion = "0.1.0",
            GitCommit = $"{run:x4}{new string('0', 36)}",
            CommandLine = "fff run --preset quick",
            Machine = SyntheticRun.Machine() with { Hostname = Hostname },
            Versions = new Dictionary<string, string> { ["dotnet"] = "10.0.0", ["torchsharp"] = "0.107.0", ["onnxruntime"] = ort },
            Backends = Backends.ToDictionary(b => b, _ => "available"),
            Configuration = new JsonObject { ["preset"] = "quick", ["launches"] = Launches, ["timing"] = new JsonObject { ["max_seconds"] = 2 } },
        });

        var random = new Random(Seed * 100_003 + run); // HashCode.Combine is seeded per process: not reproducible
        var results = new List<ResultRow>();
        var launches = new List<LaunchRow>();
        var time = created;
        var models = ModelNames;
        for (int m = 0; m < models.Count; m++)
        foreach (var backend in Backends)
        {
            string model = models[m];
            double trueMs = (1 + m) * (backend == "torch-cpu" ? 4.0 : 2.0) * Factor(run, backend, model);
            double nightMs = trueMs * Math.Exp(RunNoise * Gaussian(random));
            var medians = new List<double>();
            for (int launch = 1; launch <= Launches; launch++)
            {
                double? core = CoreLatencyOfLaunch(run, launch);
                double median = nightMs * StateFactor(core) * Math.Exp(LaunchNoise * Gaussian(random));
                medians.Add(median);
                time = time.AddSeconds(5);
                var measurement = Row(id, time, backend, model, ort, median, median * 0.99, median * 1.01);
                measurement.CoreLatencyNs = core;
                launches.Add(new LaunchRow
                {
                    Round = launch, Launch = launch, WorkerPid = 1000 + launch, SetupMs = 300, StartupMs = 120, ProbeMs = 40, WorkerWallMs = 2400,
                    Measurement = measurement,
                });
            }
            // A row's state is its launches' majority state (a tie to the faster), and its estimate theirs, as a sweep makes it.
            var cores = Enumerable.Range(1, Launches).Select(l => CoreLatencyOfLaunch(run, l)).ToList();
            var chosen = cores.All(c => c is null) ? Enumerable.Range(0, Launches).ToList() : CoreLatencyStates.Majority(Enumerable.Range(0, Launches).ToList(), i => cores[i]).ToList();
            var estimate = LaunchEstimate.Of([.. chosen.Select(i => medians[i])]);
            var row = Row(id, time, backend, model, ort, estimate.Median, estimate.Ci95Low, estimate.Ci95High);
            row.CoreLatencyNs = cores.All(c => c is null) ? CoreLatencyOfRun(run) : MathNet.Numerics.Statistics.Statistics.Median(chosen.Select(i => cores[i]!.Value));
            row.Launches = estimate.Count;
            row.LaunchCv = estimate.Cv;
            if (Fails(run, model))
            {
                row.Status = CellStatus.Failed.ToColumn();
                row.MedianMs = null;
            }
            results.Add(row);
        }
        WriteCsv(folder.ResultsFile, results);
        WriteCsv(folder.LaunchesFile, launches);
    }

    private static ResultRow Row(string runId, DateTime time, string backend, string model, string ort, double median, double? low, double? high) => new()
    {
        RunId = runId, TimestampUtc = time, Machine = "lab-01", Backend = backend,
        BackendVersion = backend == "torch-cpu" ? "2.10.0" : ort, Device = "cpu", Threads = 2, GraphOptimization = "all",
        Model = model, Pattern = "residual", Depth = 1, Width = 1.0, Resolution = 224, Batch = 1,
        Params = 1_000_000, Macs = 100_000_000, Flops = 200_000_000, OnnxSha256 = new string('a', 64),
        Status = CellStatus.Ok.ToColumn(), Iterations = 200, StopReason = "ci-target",
        MedianMs = median, MeanMs = median * 1.01, StddevMs = median * 0.02, MinMs = median * 0.95, MaxMs = median * 1.2,
        P90Ms = median * 1.04, P99Ms = median * 1.08, Ci95LowMs = low, Ci95HighMs = high, CompileMs = 50, FirstMs = median * 3,
        CountersStatus = "hardware counters not supported",
    };

    /// <summary>A whole file in one go (AppendOnlyCsv flushes every row to disk: too slow for 365 nights).</summary>
    private static void WriteCsv<T>(string path, IEnumerable<T> rows) => File.WriteAllText(path, RunCsv.Text(rows));

    private static double Gaussian(Random random) => MathNet.Numerics.Distributions.Normal.Sample(random, 0.0, 1.0);

    public static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
