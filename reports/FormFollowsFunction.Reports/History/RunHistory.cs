using System.Globalization;
using System.Text.Json.Nodes;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.History;

/// <summary>What <c>fff history</c> is asked for.</summary>
public sealed record HistoryOptions
{
    /// <summary>Only the N newest runs of each machine; null for all.</summary>
    public int? Last { get; init; }

    /// <summary>Only runs created at or after this UTC time; null for all.</summary>
    public DateTime? SinceUtc { get; init; }

    /// <summary>Backend the dashboard's speed-ups are relative to.</summary>
    public string BaselineBackend { get; init; } = "torch-cpu";

    public StepDetectorOptions Steps { get; init; } = new();

    public void Validate()
    {
        if (Last is < 2) throw new ReportInputException($"--last {Last}: a history needs at least 2 runs");
        if (Steps.MinPersistence < 1) throw new ReportInputException($"--min-persistence {Steps.MinPersistence}: a step must persist for at least 1 run");
        if (!(Steps.ThresholdPercent >= 0)) throw new ReportInputException($"--threshold {Steps.ThresholdPercent}: give a percentage of 0 or more");
    }
}

/// <summary>One run of a machine's history: its folder, manifest and cells.</summary>
public sealed record HistoryRun(RunFolder Folder, RunManifest Manifest, IReadOnlyList<ResultRow> Rows)
{
    public string Id => string.IsNullOrEmpty(Manifest.RunId) ? Folder.Name : Manifest.RunId;

    /// <summary>Position in its machine's history, oldest first.</summary>
    public int Index { get; init; }

    public string Machine { get; init; } = "";

    /// <summary>The run's row of a cell (its last, when a resumed run re-measured it).</summary>
    public ResultRow? Row(CellKey key) => _byKey.Value.GetValueOrDefault(key);

    /// <summary>
    /// The run's launches (last row of each), read only for runs with multi-threaded cells that recorded
    /// their machine state (<see cref="CoreLatencyStates"/>); empty otherwise.
    /// </summary>
    public IReadOnlyList<HistoryLaunch> Launches
    {
        get => _launches;
        init
        {
            _launches = value;
            _launchesByKey = value.GroupBy(l => l.Key).ToDictionary(g => g.Key, g => g.ToList());
        }
    }

    public IReadOnlyList<HistoryLaunch> LaunchesOf(CellKey key) => _launchesByKey.GetValueOrDefault(key) ?? [];

    private readonly IReadOnlyList<HistoryLaunch> _launches = [];
    private readonly Dictionary<CellKey, List<HistoryLaunch>> _launchesByKey = [];

    private readonly Lazy<Dictionary<CellKey, ResultRow>> _byKey = new(() =>
    {
        var map = new Dictionary<CellKey, ResultRow>();
        foreach (var row in Rows) map[row.Key] = row;
        return map;
    });
}

/// <summary>Runs whose fingerprints show no difference (and share a hostname): one machine.</summary>
public sealed record MachineHistory(string Name, MachineFingerprint Fingerprint, IReadOnlyList<HistoryRun> Runs);

/// <summary>
/// One cell's latency over a machine's runs: one point per run where it was ok. A multi-threaded cell has a
/// series per machine state (<see cref="MachineStateNs"/>, the core-to-core round trip of the state its
/// runs were measured in; null for a single-threaded cell or runs without the figure), since its latency
/// depends on where the host placed the cores.
/// </summary>
public sealed record CellHistory(string Machine, CellKey Key, IReadOnlyList<HistoryRun> Runs, IReadOnlyList<double> MedianMs, StepDetection Detection)
{
    public double? MachineStateNs { get; init; }

    public string Anchor => HistoryAnchors.Cell(Machine, Key, MachineStateNs);

    /// <summary>"cores 105 ns" for a series of one machine state; empty otherwise.</summary>
    public string StateLabel => MachineStateNs is { } ns ? $"cores {CoreLatencyStates.Name(ns)}" : "";
}

public enum StepVerdict { Regression, Improvement }

/// <summary>A step of one cell, as regressions.csv reports it.</summary>
public sealed record HistoryStep(CellHistory Cell, Step Step, HistoryRun LastGoodRun, HistoryRun FirstRun, string Changed)
{
    public StepVerdict Verdict => Step.LogRatio > 0 ? StepVerdict.Regression : StepVerdict.Improvement;

    public double Ratio => Step.Ratio;

    public double? RatioLow => Step.LogLow is { } l ? Math.Exp(l) : null;

    public double? RatioHigh => Step.LogHigh is { } h ? Math.Exp(h) : null;

    /// <summary>A regression whose level lasts to the cell's newest point, measured in its machine's newest run.</summary>
    public bool IsPresentInNewestRun { get; init; }
}

/// <summary>Everything <c>fff history</c> found.</summary>
public sealed record HistoryOutcome(
    IReadOnlyList<MachineHistory> Machines, IReadOnlyList<CellHistory> Cells, IReadOnlyList<HistoryStep> Steps,
    IReadOnlyList<string> Warnings, HistoryOptions Options)
{
    public bool HasCurrentRegression => Steps.Any(s => s.IsPresentInNewestRun);

    public int RunCount => Machines.Sum(m => m.Runs.Count);
}

internal static class HistoryAnchors
{
    public static string Cell(string machine, CellKey key, double? machineStateNs = null) =>
        "cell-" + Slug($"{machine}-{key.Backend}-{key.Model}-t{key.Threads}-b{key.Batch}-r{key.Resolution}")
        + (machineStateNs is { } ns ? $"-s{ns:0}" : "");

    public static string Machine(string machine) => "machine-" + Slug(machine);

    public static string Slug(string text)
    {
        var chars = text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? char.ToLowerInvariant(c) : '-').ToArray();
        return new string(chars);
    }
}

/// <summary>
/// Reads run folders into per-machine, per-cell histories and detects steps in each cell's latency
/// (see <see cref="StepDetector"/>). Machines: runs whose fingerprints have the same hostname and show
/// no difference (CPU, cores, memory, OS, kernel, L3, governor, turbo, SMT, microcode).
/// </summary>
public static class RunHistory
{
    public static IReadOnlyList<RunFolder> Find(IReadOnlyList<string> arguments)
    {
        if (arguments.Count == 0) throw new ReportInputException("no run folders given; name run folders or folders that hold them");
        var found = new List<RunFolder>();
        foreach (var argument in arguments)
        {
            string path = Path.GetFullPath(argument);
            if (!Directory.Exists(path)) throw new ReportInputException($"{path}: no such folder");
            if (IsRun(path)) { found.Add(new RunFolder(path)); continue; }
            if (File.Exists(Path.Combine(path, RunFolder.ManifestFileName)))
                throw new ReportInputException($"{path} has a {RunFolder.ManifestFileName} but no {RunFolder.ResultsFileName}: not a complete run folder");
            var inside = Directory.EnumerateDirectories(path).Order(StringComparer.Ordinal)
                .SelectMany(child => IsRun(child) ? [child] : Directory.EnumerateDirectories(child).Order(StringComparer.Ordinal).Where(IsRun))
                .ToList();
            if (inside.Count == 0)
                throw new ReportInputException(
                    $"{path} is not a run folder and holds none (looked two levels down for folders with {RunFolder.ManifestFileName} and {RunFolder.ResultsFileName})");
            found.AddRange(inside.Select(p => new RunFolder(p)));
        }
        return found.DistinctBy(f => f.Path).ToList();
    }

    private static bool IsRun(string folder) =>
        File.Exists(Path.Combine(folder, RunFolder.ManifestFileName)) && File.Exists(Path.Combine(folder, RunFolder.ResultsFileName));

    public static HistoryOutcome Analyse(IReadOnlyList<RunFolder> folders, HistoryOptions options)
    {
        options.Validate();
        var loaded = new HistoryRun[folders.Count];
        Parallel.For(0, folders.Count, i =>
        {
            var folder = folders[i];
            var rows = HistoryCsv.ReadResults(folder);
            bool hasStates = rows.Any(r => r.IsOk && CoreLatencyStates.Matters(r.Threads) && r.CoreLatencyNs is > 0);
            loaded[i] = new HistoryRun(folder, folder.ReadManifest(), rows)
            {
                Launches = hasStates && File.Exists(folder.LaunchesFile) ? HistoryCsv.ReadLaunches(folder) : [],
            };
        });
        var warnings = new List<string>();
        var machines = GroupMachines(loaded, options, warnings);
        if (machines.Count == 0)
            throw new ReportInputException(options.SinceUtc is { } since
                ? $"no run was created on or after {since:yyyy-MM-dd}; {loaded.Length} run(s) found, the newest {loaded.Max(r => r.Manifest.CreatedUtc):yyyy-MM-dd HH:mm}Z"
                : "no runs to read");

        var series = new List<(MachineHistory Machine, (CellKey Cell, double? State) Key, List<HistoryRun> Runs, List<double> Medians, double LaunchSigma)>();
        foreach (var machine in machines)
        {
            var stateOf = MachineStates(machine);
            var byKey = new Dictionary<(CellKey Cell, double? State), (List<HistoryRun> Runs, List<double> Medians, List<double> Cvs)>();
            foreach (var run in machine.Runs)
            {
                var last = new Dictionary<CellKey, ResultRow>();
                foreach (var row in run.Rows) last[row.Key] = row;
                void Add(CellKey cellKey, double? state, double medianMs, double? cv, int launches)
                {
                    var key = (cellKey, state);
                    if (!byKey.TryGetValue(key, out var s)) byKey[key] = s = ([], [], []);
                    s.Runs.Add(run);
                    s.Medians.Add(medianMs);
                    if (cv is > 0) s.Cvs.Add(cv.Value / Math.Sqrt(Math.Max(1, launches)));
                }
                foreach (var (cellKey, row) in last)
                {
                    if (!row.IsOk || row.MedianMs is not > 0) continue;
                    if (!CoreLatencyStates.Matters(cellKey.Threads) || row.CoreLatencyNs is not { } ns)
                    {
                        Add(cellKey, null, row.MedianMs.Value, row.LaunchCv, row.Launches ?? 1);
                        continue;
                    }
                    // A run whose launches of the cell ran in two states adds a point to each state's series.
                    var points = StatePoints(run.LaunchesOf(cellKey), stateOf);
                    if (points.Count == 0) Add(cellKey, stateOf.GetValueOrDefault(ns), row.MedianMs.Value, row.LaunchCv, row.Launches ?? 1);
                    foreach (var (state, estimate) in points) Add(cellKey, state, estimate.Median, estimate.Cv, estimate.Count);
                }
            }
            foreach (var (key, s) in byKey.OrderBy(k => k.Key.Cell.Backend, StringComparer.Ordinal).ThenBy(k => k.Key.Cell.Model, StringComparer.Ordinal)
                         .ThenBy(k => k.Key.Cell.Threads).ThenBy(k => k.Key.Cell.Batch).ThenBy(k => k.Key.Cell.Resolution).ThenBy(k => k.Key.State))
            {
                // Launch spread / √K: the noise of one run's median from its processes alone, a lower bound on run-to-run noise.
                double launchSigma = s.Cvs.Count > 0 ? MathNet.Numerics.Statistics.Statistics.Median(s.Cvs) : 0;
                series.Add((machine, key, s.Runs, s.Medians, launchSigma));
            }
        }

        var cells = new CellHistory[series.Count];
        Parallel.For(0, series.Count, i =>
        {
            var (machine, key, runs, medians, launchSigma) = series[i];
            var logs = medians.Select(m => Math.Log(m)).ToList();
            var stepOptions = options.Steps with { SigmaFloor = Math.Max(options.Steps.SigmaFloor, launchSigma) };
            cells[i] = new CellHistory(machine.Name, key.Cell, runs, medians, StepDetector.Detect(logs, stepOptions)) { MachineStateNs = key.State };
        });

        var newest = machines.ToDictionary(m => m.Name, m => m.Runs[^1]);
        var steps = new List<HistoryStep>();
        foreach (var cell in cells)
            foreach (var step in cell.Detection.Steps)
            {
                var lastGood = cell.Runs[step.LastBefore];
                var first = cell.Runs[step.FirstAfter];
                var historyStep = new HistoryStep(cell, step, lastGood, first, Changes(lastGood, first, cell.Key));
                steps.Add(historyStep with
                {
                    IsPresentInNewestRun = historyStep.Verdict == StepVerdict.Regression && step.IsCurrent && ReferenceEquals(cell.Runs[^1], newest[cell.Machine]),
                });
            }
        return new HistoryOutcome(machines, cells, steps, warnings, options);
    }

    /// <summary>
    /// The point each machine state adds to a multi-threaded cell's series in one run: the estimate
    /// (<see cref="LaunchEstimate"/>) over the run's ok launches of that state, those during which the state changed
    /// and disturbed ones set aside
    /// (<see cref="DisturbedLaunches"/>), where at least <see cref="MinimumLaunchesPerState"/> are left.
    /// Empty when the run has no launches with the machine state (its row then stands for its majority state).
    /// </summary>
    private static List<(double State, LaunchEstimate Estimate)> StatePoints(IReadOnlyList<HistoryLaunch> launches, Dictionary<double, double> stateOf)
    {
        var points = new List<(double, LaunchEstimate)>();
        var steady = CoreLatencyStates.WithoutChanges(launches, l => l.CoreLatencyNs, l => l.CoreLatencyAfterNs);
        foreach (var group in steady.Where(l => l.IsOk && l.MedianMs is > 0 && l.CoreLatencyNs is > 0)
                     .GroupBy(l => stateOf[l.CoreLatencyNs!.Value]).OrderBy(g => g.Key))
        {
            var kept = DisturbedLaunches.Without(group.ToList(), l => l.MedianMs!.Value);
            if (kept.Count >= MinimumLaunchesPerState) points.Add((group.Key, LaunchEstimate.Of([.. kept.Select(l => l.MedianMs!.Value)])));
        }
        return points;
    }

    /// <summary>Launches of one state a run needs to add a point to that state's series (one process alone says little).</summary>
    public const int MinimumLaunchesPerState = 2;

    /// <summary>
    /// Each core-to-core round trip of the machine's multi-threaded rows and launches, mapped to its machine
    /// state (<see cref="CoreLatencyStates"/>), over all the machine's runs at once, so that one state has one name.
    /// </summary>
    internal static Dictionary<double, double> MachineStates(MachineHistory machine)
    {
        var values = machine.Runs.SelectMany(r => r.Rows)
            .Where(r => CoreLatencyStates.Matters(r.Threads) && r.CoreLatencyNs is > 0).Select(r => r.CoreLatencyNs!.Value)
            .Concat(machine.Runs.SelectMany(r => r.Launches)
                .Where(l => CoreLatencyStates.Matters(l.Key.Threads) && l.CoreLatencyNs is > 0).Select(l => l.CoreLatencyNs!.Value))
            .Distinct().ToList();
        var states = CoreLatencyStates.Of([.. values.Select(v => (double?)v)]);
        return values.Select((v, i) => (v, states[i]!.Value)).ToDictionary(p => p.v, p => p.Item2);
    }

    private static List<MachineHistory> GroupMachines(IReadOnlyList<HistoryRun> runs, HistoryOptions options, List<string> warnings)
    {
        var groups = new List<(MachineFingerprint Fingerprint, List<HistoryRun> Runs)>();
        foreach (var run in runs.OrderBy(r => r.Manifest.CreatedUtc).ThenBy(r => r.Id, StringComparer.Ordinal))
        {
            var fingerprint = run.Manifest.Machine;
            var group = groups.FirstOrDefault(g => g.Fingerprint.Hostname == fingerprint.Hostname && g.Fingerprint.DifferencesFrom(fingerprint).Count == 0);
            if (group.Runs is null) groups.Add(group = (fingerprint, []));
            group.Runs.Add(run);
        }
        var machines = new List<MachineHistory>();
        foreach (var byHost in groups.GroupBy(g => g.Fingerprint.Hostname))
        {
            var list = byHost.ToList();
            for (int i = 0; i < list.Count; i++)
            {
                var (fingerprint, all) = list[i];
                string host = string.IsNullOrEmpty(byHost.Key) ? "unnamed" : byHost.Key;
                string name = list.Count == 1 ? host : $"{host}-{i + 1}";
                if (list.Count > 1 && i > 0)
                    warnings.Add($"{name}: runs on {host} whose machine differs from {host}-1 ({string.Join("; ", list[0].Fingerprint.DifferencesFrom(fingerprint))}) are a history of their own");
                IEnumerable<HistoryRun> window = all;
                if (options.SinceUtc is { } since) window = window.Where(r => r.Manifest.CreatedUtc >= since);
                var chosen = window.ToList();
                if (options.Last is { } last && chosen.Count > last) chosen = chosen[^last..];
                if (chosen.Count == 0) continue;
                var indexed = chosen.Select((r, index) => r with { Index = index, Machine = name }).ToList();
                machines.Add(new MachineHistory(name, fingerprint, indexed));
            }
        }
        return machines;
    }

    /// <summary>What differs between two runs' manifests and a cell's rows: git commit, versions, the cell's backend version, device, graph optimisation, model file, configuration.</summary>
    public static string Changes(HistoryRun before, HistoryRun after, CellKey key)
    {
        var changes = new List<string>();
        var a = before.Manifest;
        var b = after.Manifest;
        if (a.GitCommit != b.GitCommit) changes.Add($"git {Short(a.GitCommit)} → {Short(b.GitCommit)}");
        foreach (var name in a.Versions.Keys.Union(b.Versions.Keys).Order(StringComparer.Ordinal))
        {
            string? va = a.Versions.GetValueOrDefault(name), vb = b.Versions.GetValueOrDefault(name);
            if (va != vb) changes.Add($"{name} {va ?? "none"} → {vb ?? "none"}");
        }
        var rowA = before.Row(key);
        var rowB = after.Row(key);
        if (rowA is not null && rowB is not null)
        {
            void Column(string what, string x, string y, Func<string, string>? show = null)
            {
                if (x == y) return;
                string text = $"{what} {Show(show, x)} → {Show(show, y)}";
                // The backend version usually repeats a manifest version: say it once.
                if (!changes.Any(c => c.EndsWith($" {Show(show, x)} → {Show(show, y)}", StringComparison.Ordinal))) changes.Add(text);
            }
            Column($"{key.Backend} version", rowA.BackendVersion, rowB.BackendVersion);
            Column("device", rowA.Device, rowB.Device);
            Column("graph optimisation", rowA.GraphOptimization, rowB.GraphOptimization);
            Column("onnx", rowA.OnnxSha256, rowB.OnnxSha256, s => s.Length > 12 ? s[..12] : s);
        }
        var configA = Flatten(a.Configuration);
        var configB = Flatten(b.Configuration);
        foreach (var path in configA.Keys.Union(configB.Keys).Order(StringComparer.Ordinal))
        {
            string? va = configA.GetValueOrDefault(path), vb = configB.GetValueOrDefault(path);
            if (va != vb) changes.Add($"config {path} {va ?? "unset"} → {vb ?? "unset"}");
        }
        return changes.Count == 0 ? "nothing recorded differs" : string.Join("; ", changes);
    }

    private static string Show(Func<string, string>? show, string value) =>
        value.Length == 0 ? "none" : show is null ? value : show(value);

    private static string Short(string commit) => commit.Length == 0 ? "unknown" : commit.Length > 10 ? commit[..10] : commit;

    /// <summary>Configuration values by dotted path; arrays are one value (their JSON text).</summary>
    internal static Dictionary<string, string> Flatten(JsonObject configuration)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? node, string path)
        {
            if (node is JsonObject obj)
                foreach (var (name, child) in obj) Walk(child, path.Length == 0 ? name : $"{path}.{name}");
            else values[path] = node switch
            {
                null => "null",
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                _ => node.ToJsonString(),
            };
        }
        Walk(configuration, "");
        return values;
    }

    internal static string Date(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "Z";
}
