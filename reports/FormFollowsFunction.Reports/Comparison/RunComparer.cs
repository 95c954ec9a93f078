using System.Globalization;
using static System.FormattableString;
using System.Text.Json.Nodes;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Statistics;
using FormFollowsFunction.Results;
using MathNet.Numerics.Statistics;
using Perfolizer.Mathematics.SignificanceTesting.Base;
using Perfolizer.Mathematics.SignificanceTesting.MannWhitney;
using Perfolizer.Metrology;
using Pragmastat;

namespace FormFollowsFunction.Reports.Comparison;

/// <summary>
/// Compares two runs cell by cell (matched by <see cref="CellKey"/>) and backend by backend.
/// <para>
/// Per cell: the ratio of median latencies new / base; where both cells were measured in at least two
/// ok launches (worker processes), Welch's t-test on the logs of the launch medians, its p-values
/// corrected for the number of cells by Benjamini and Hochberg's method, and the smallest change the test could have
/// detected; otherwise (runs from before launches, or one launch per cell) the within-process test
/// of before: Mann-Whitney U on raw samples, else non-overlap of the medians' confidence intervals,
/// with a warning. A cell whose configuration (device, graph optimisation, backend version, ONNX file)
/// differs gets <see cref="ComparisonVerdict.ConfigurationChanged"/>. A multi-threaded cell is compared,
/// without the launches during which the machine state changed, on the launches of the machine state (core-to-core round trip) that both runs share, and gets
/// <see cref="ComparisonVerdict.MachineStateChanged"/> where they share none.
/// </para>
/// <para>
/// Per backend: the geometric mean of its cells' ratios with a 95% t interval over the cells; a
/// regression when the interval lies wholly above 1 + threshold. Used by <c>fff compare</c> for nightly checks.
/// </para>
/// </summary>
public static class RunComparer
{
    /// <summary>Fewest raw samples per cell for the Mann-Whitney test; below it the intervals are used.</summary>
    public const int MinimumSamples = 5;

    /// <summary>Fewest ok launch medians per cell, on each side, for Welch's test on launches.</summary>
    public const int MinimumLaunches = 2;

    /// <summary>Power at which <see cref="CellComparison.DetectableChangePercent"/> is computed.</summary>
    public const double DetectionPower = 0.8;

    /// <summary>The multiple-comparison correction applied to the launch tests' p-values.</summary>
    public const string Correction = "Benjamini-Hochberg";

    /// <summary><c>reports/compare-&lt;base folder&gt;-vs-&lt;new folder&gt;</c>, relative to where reports go (the caller decides).</summary>
    public static string DefaultOutputFolder(RunFolder baseRun, RunFolder newRun) =>
        Path.Combine("reports", $"compare-{baseRun.Name}-vs-{newRun.Name}");

    public static ComparisonOutcome Compare(RunFolder baseRun, RunFolder newRun, ComparisonOptions options)
    {
        options.Validate();
        return Compare(LoadedRun.Load(baseRun), LoadedRun.Load(newRun), options);
    }

    public static ComparisonOutcome Compare(LoadedRun baseRun, LoadedRun newRun, ComparisonOptions options)
    {
        options.Validate();
        var baseRows = baseRun.CurrentRows.ToDictionary(r => r.Key);
        var newRows = newRun.CurrentRows.ToDictionary(r => r.Key);
        var keys = baseRows.Keys.Where(newRows.ContainsKey)
            .OrderBy(k => k.Model, StringComparer.Ordinal).ThenBy(k => k.Backend, StringComparer.Ordinal)
            .ThenBy(k => k.Threads).ThenBy(k => k.Batch).ThenBy(k => k.Resolution)
            .ToList();
        var prepared = keys.Select(k => Prepare(baseRun, baseRows[k], newRun, newRows[k], options.Alpha)).ToList();

        // Benjamini-Hochberg over every cell tested on launches: the family is all of them, whatever their change.
        var tested = prepared.Where(p => p.LaunchTest is not null).ToList();
        var adjusted = MultipleTesting.BenjaminiHochberg(tested.Select(p => p.LaunchTest!.PValue).ToList());
        var adjustedOf = tested.Select((p, i) => (p.Key, P: adjusted[i])).ToDictionary(x => x.Key, x => x.P);
        double detectionAlpha = options.Alpha / Math.Max(1, tested.Count);
        var cells = prepared.Select(p => Decide(p, adjustedOf, detectionAlpha, options)).ToList();
        var backends = BackendVerdicts(cells, options);

        return new ComparisonOutcome(
            baseRun, newRun, options, cells,
            baseRows.Where(p => !newRows.ContainsKey(p.Key)).Select(p => p.Value).OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).ToList(),
            newRows.Where(p => !baseRows.ContainsKey(p.Key)).Select(p => p.Value).OrderBy(r => r.Key.ToString(), StringComparer.Ordinal).ToList(),
            baseRun.Manifest.Machine.DifferencesFrom(newRun.Manifest.Machine),
            ConfigurationDifferences(baseRun.Manifest.Configuration, newRun.Manifest.Configuration),
            VersionDifferences(baseRun.Manifest.Versions, newRun.Manifest.Versions),
            backends,
            [.. MethodWarnings(baseRun, newRun, cells), .. MachineWideWarnings(backends), .. MachineStateWarnings(cells)])
        {
            Speedups = SpeedupComparison.Of(baseRun, newRun),
        };
    }

    /// <summary>
    /// A matched cell before the verdict: the rows, the test that could be made, and where launches were
    /// chosen by machine state, the ratio those launches give (else the rows' medians give it).
    /// </summary>
    private sealed record Prepared(
        CellKey Key, ResultRow Base, ResultRow New, bool BaseOk, bool NewOk, int BaseLaunches, int NewLaunches,
        IReadOnlyList<string> ConfigurationChanges, ILaunchTest? LaunchTest,
        SignificanceMethod OtherMethod, double? OtherP, bool OtherSignificant, string TestNote)
    {
        public string? MachineStateChange { get; init; }

        public double? ChosenRatio { get; init; }

        public SignificanceMethod LaunchMethod => LaunchTest is StateBlockedTest ? SignificanceMethod.StateBlockedLaunches : SignificanceMethod.WelchLaunches;
    }

    private static Prepared Prepare(LoadedRun baseRun, ResultRow baseRow, LoadedRun newRun, ResultRow newRow, double alpha)
    {
        bool baseOk = baseRow.IsOk && baseRow.MedianMs > 0, newOk = newRow.IsOk && newRow.MedianMs > 0;
        var baseLaunches = baseRun.LaunchesOf(baseRow.Key).Where(LoadedRun.IsUsable).Select(l => l.Measurement).ToList();
        var newLaunches = newRun.LaunchesOf(newRow.Key).Where(LoadedRun.IsUsable).Select(l => l.Measurement).ToList();
        var empty = new Prepared(baseRow.Key, baseRow, newRow, baseOk, newOk, baseLaunches.Count, newLaunches.Count, [], null, SignificanceMethod.None, null, false, "");
        if (!baseOk || !newOk) return empty;
        var changes = ConfigurationChanges(baseRow, newRow);
        if (changes.Count > 0) return empty with { ConfigurationChanges = changes };
        // Launches during which the host moved the CPUs measured two machines; a multi-threaded cell is compared without them.
        int changedDuring = 0;
        if (CoreLatencyStates.Matters(baseRow.Threads))
        {
            (var steadyBase, var steadyNew) = (Steady(baseLaunches), Steady(newLaunches));
            changedDuring = baseLaunches.Count - steadyBase.Count + newLaunches.Count - steadyNew.Count;
            (baseLaunches, newLaunches) = ([.. steadyBase], [.. steadyNew]);
        }
        var states = InCommonStates(baseRow, baseLaunches, newRow, newLaunches);
        if (states.Change is { } change) return empty with { MachineStateChange = change };
        // Launches that something else on the machine slowed are set aside on each side (within each state), as the cells' own rows do.
        var strata = states.Strata.Select(s => (Base: DisturbedLaunches.Without(s.Base, m => m), New: DisturbedLaunches.Without(s.New, m => m))).ToList();
        int disturbed = states.Strata.Sum(s => s.Base.Count + s.New.Count) - strata.Sum(s => s.Base.Count + s.New.Count);
        string launchNote = string.Join("; ", new[]
        {
            changedDuring > 0 ? $"{changedDuring} launch(es) during which the machine state changed set aside" : "",
            states.Note,
            disturbed > 0 ? $"{disturbed} disturbed launch(es) set aside" : "",
        }.Where(n => n.Length > 0));
        static List<double> Logs(IEnumerable<double> medians) => [.. medians.Select(m => Math.Log(m))];
        if (strata.Count > 1)
        {
            var blocked = StateBlockedTest.Compare([.. strata.Select(s => ((IReadOnlyList<double>)Logs(s.Base), (IReadOnlyList<double>)Logs(s.New)))]);
            return empty with { LaunchTest = blocked, TestNote = launchNote, ChosenRatio = Math.Exp(blocked.Difference) };
        }
        var (baseChosen, newChosen) = strata[0];
        if (baseChosen.Count >= MinimumLaunches && newChosen.Count >= MinimumLaunches)
            return empty with
            {
                LaunchTest = WelchTest.Compare(Logs(baseChosen), Logs(newChosen)),
                TestNote = launchNote,
                ChosenRatio = launchNote.Length > 0 ? newChosen.Median() / baseChosen.Median() : null,
            };
        var (method, p, significant, note) = Test(baseRun, baseRow, newRun, newRow, alpha);
        return empty with { OtherMethod = method, OtherP = p, OtherSignificant = significant, TestNote = note };
    }

    private static IReadOnlyList<ResultRow> Steady(IReadOnlyList<ResultRow> launches) =>
        CoreLatencyStates.WithoutChanges(launches, l => l.CoreLatencyNs, l => l.CoreLatencyAfterNs);

    /// <summary>Fewest degrees of freedom, pooled within runs and states, for the state-blocked test (<see cref="StateBlockedTest"/>).</summary>
    public const int MinimumBlockedDegreesOfFreedom = 2;

    /// <summary>
    /// The launch medians a cell is compared on, as strata of one machine state each. A single-threaded cell,
    /// or one whose launches lack the core-to-core figure, is one stratum of all its ok launches. A
    /// multi-threaded cell uses the states (<see cref="CoreLatencyStates"/>) in which both runs have launches:
    /// several, compared with the state as a blocking factor, where they leave at least
    /// <see cref="MinimumBlockedDegreesOfFreedom"/> degrees of freedom and <see cref="MinimumLaunches"/> launches
    /// of each run; else the one state in which both runs have most launches, with at least
    /// <see cref="MinimumLaunches"/> of each. Where neither holds (or, for runs without launches, where the two
    /// rows' states differ), the cell is not comparable and <c>Change</c> says why.
    /// </summary>
    private static (IReadOnlyList<(IReadOnlyList<double> Base, IReadOnlyList<double> New)> Strata, string Note, string? Change) InCommonStates(
        ResultRow baseRow, IReadOnlyList<ResultRow> baseLaunches, ResultRow newRow, IReadOnlyList<ResultRow> newLaunches)
    {
        static List<double> Medians(IEnumerable<ResultRow> launches) => [.. launches.Select(l => l.MedianMs!.Value)];
        IReadOnlyList<(IReadOnlyList<double>, IReadOnlyList<double>)> all = [(Medians(baseLaunches), Medians(newLaunches))];
        if (!CoreLatencyStates.Matters(baseRow.Threads)) return (all, "", null);
        if (baseLaunches.Count == 0 || newLaunches.Count == 0)
            return CoreLatencyStates.Same(baseRow.CoreLatencyNs, newRow.CoreLatencyNs)
                ? (all, "", null)
                : (all, "", $"core-to-core round trip {RoundTrip(baseRow.CoreLatencyNs)} in the base run, {RoundTrip(newRow.CoreLatencyNs)} in the new one");

        var launches = baseLaunches.Select(l => (Side: 0, Row: l)).Concat(newLaunches.Select(l => (Side: 1, Row: l))).ToList();
        if (launches.Any(l => l.Row.CoreLatencyNs is not > 0)) return (all, "", null);
        var stateOf = CoreLatencyStates.Of([.. launches.Select(l => l.Row.CoreLatencyNs)]);
        var byState = launches.Select((l, i) => (l.Side, l.Row, State: stateOf[i]!.Value)).GroupBy(l => l.State)
            .Select(g => (State: g.Key, Base: Medians(g.Where(l => l.Side == 0).Select(l => l.Row)), New: Medians(g.Where(l => l.Side == 1).Select(l => l.Row))))
            .OrderBy(s => s.State)
            .ToList();
        if (byState.Count == 1) return (all, "", null);

        string Counts((double State, List<double> Base, List<double> New) s) =>
            $"{CoreLatencyStates.Name(s.State)} ({s.Base.Count} of {baseLaunches.Count} base, {s.New.Count} of {newLaunches.Count} new)";
        var shared = byState.Where(s => s.Base.Count > 0 && s.New.Count > 0).ToList();
        if (shared.Count > 1 && shared.Sum(s => s.Base.Count - 1 + s.New.Count - 1) >= MinimumBlockedDegreesOfFreedom
            && shared.Sum(s => s.Base.Count) >= MinimumLaunches && shared.Sum(s => s.New.Count) >= MinimumLaunches)
        {
            string others = shared.Count < byState.Count ? "; the others ran in another machine state" : "";
            return ([.. shared.Select(s => ((IReadOnlyList<double>)s.Base, (IReadOnlyList<double>)s.New))],
                $"compared within each machine state, the state a blocking factor: core-to-core round trips {string.Join(" and ", shared.Select(Counts))}{others}", null);
        }
        var best = byState.OrderByDescending(s => Math.Min(s.Base.Count, s.New.Count)).ThenByDescending(s => s.Base.Count + s.New.Count).ThenBy(s => s.State).First();
        if (Math.Min(best.Base.Count, best.New.Count) < MinimumLaunches)
            return (all, "", $"core-to-core round trip {States(byState.Select(s => (s.State, s.Base.Count)))} in the base run, "
                + $"{States(byState.Select(s => (s.State, s.New.Count)))} in the new one; the launches both runs measured in one state are too few to test");
        return ([(best.Base, best.New)],
            $"compared on the launches at a core-to-core round trip of {Counts(best)}; the others ran in another machine state", null);
    }

    private static string RoundTrip(double? ns) => ns is > 0 ? CoreLatencyStates.Name(ns.Value) : "unknown";

    private static string States(IEnumerable<(double State, int Count)> states) =>
        string.Join(" and ", states.Where(s => s.Count > 0).OrderBy(s => s.State).Select(s => $"{CoreLatencyStates.Name(s.State)} ({s.Count} launch{(s.Count == 1 ? "" : "es")})"));

    private static CellComparison Decide(Prepared c, IReadOnlyDictionary<CellKey, double> adjustedOf, double detectionAlpha, ComparisonOptions options)
    {
        if (!c.BaseOk || !c.NewOk)
        {
            var verdict = (c.BaseOk, c.NewOk) switch
            {
                (true, false) => ComparisonVerdict.NewlyFailing,
                (false, true) => ComparisonVerdict.Fixed,
                _ => ComparisonVerdict.StillFailing,
            };
            string note = (c.BaseOk, c.NewOk) switch
            {
                (true, false) => $"new run: {Describe(c.New)}",
                (false, true) => $"base run: {Describe(c.Base)}",
                _ => $"base: {Describe(c.Base)}; new: {Describe(c.New)}",
            };
            return new CellComparison(c.Key, c.Base, c.New, null, SignificanceMethod.None, null, false, verdict, note)
                { BaseLaunches = c.BaseLaunches, NewLaunches = c.NewLaunches };
        }

        double ratio = c.ChosenRatio ?? c.New.MedianMs!.Value / c.Base.MedianMs!.Value;
        if (c.MachineStateChange is { } stateChange)
            return new CellComparison(c.Key, c.Base, c.New, ratio, SignificanceMethod.None, null, false, ComparisonVerdict.MachineStateChanged,
                "machine state changed: " + stateChange)
                { BaseLaunches = c.BaseLaunches, NewLaunches = c.NewLaunches };
        if (c.ConfigurationChanges.Count > 0)
            return new CellComparison(c.Key, c.Base, c.New, ratio, SignificanceMethod.None, null, false, ComparisonVerdict.ConfigurationChanged,
                "configuration changed: " + string.Join("; ", c.ConfigurationChanges))
                { BaseLaunches = c.BaseLaunches, NewLaunches = c.NewLaunches, ConfigurationChanges = c.ConfigurationChanges };

        double threshold = options.ThresholdPercent / 100;
        bool slower = ratio > 1 + threshold, faster = ratio < 1 - threshold;
        SignificanceMethod method;
        double? p, pAdjusted = null, detectable = null;
        bool significant;
        if (c.LaunchTest is { } test)
        {
            method = c.LaunchMethod;
            p = test.PValue;
            pAdjusted = adjustedOf[c.Key];
            significant = pAdjusted < options.Alpha;
            detectable = (Math.Exp(test.DetectableDifference(detectionAlpha, DetectionPower)) - 1) * 100;
        }
        else
        {
            (method, p, significant) = (c.OtherMethod, c.OtherP, c.OtherSignificant);
        }
        var outcome = (slower, faster, method) switch
        {
            (false, false, _) => ComparisonVerdict.Unchanged,
            (_, _, SignificanceMethod.None) => ComparisonVerdict.Inconclusive,
            _ when !significant => ComparisonVerdict.NotSignificant,
            (true, _, _) => ComparisonVerdict.Regression,
            _ => ComparisonVerdict.Improvement,
        };
        return new CellComparison(c.Key, c.Base, c.New, ratio, method, p, significant, outcome, c.TestNote)
        {
            BaseLaunches = c.BaseLaunches, NewLaunches = c.NewLaunches, PAdjusted = pAdjusted, DetectableChangePercent = detectable,
        };
    }

    /// <summary>The columns that say what was measured, beyond the cell's key; a difference makes two latencies incomparable.</summary>
    private static readonly (string Column, Func<ResultRow, string> Value)[] ConfigurationColumns =
    [
        ("device", r => r.Device),
        ("graph_optimization", r => r.GraphOptimization),
        ("backend_version", r => r.BackendVersion),
        ("onnx_sha256", r => r.OnnxSha256),
    ];

    /// <summary>"device: cpu → cpu (oneDNN max ISA SSE41)" for each configuration column that differs (an empty value counts as a value).</summary>
    public static IReadOnlyList<string> ConfigurationChanges(ResultRow baseRow, ResultRow newRow) =>
        ConfigurationColumns
            .Where(c => !string.Equals(c.Value(baseRow).Trim(), c.Value(newRow).Trim(), StringComparison.Ordinal))
            .Select(c => $"{c.Column}: {Shown(c.Value(baseRow))} → {Shown(c.Value(newRow))}")
            .ToList();

    private static string Shown(string value) => value.Trim().Length == 0 ? "(empty)" : value.Trim();

    /// <summary>Per backend: geometric mean of the ratios of its matched ok cells (same configuration) with a 95% t interval over the cells.</summary>
    private static List<BackendComparison> BackendVerdicts(IReadOnlyList<CellComparison> cells, ComparisonOptions options)
    {
        double threshold = options.ThresholdPercent / 100;
        var result = new List<BackendComparison>();
        foreach (var group in cells.Where(c => c.Ratio is > 0 && c.Verdict is not (ComparisonVerdict.ConfigurationChanged or ComparisonVerdict.MachineStateChanged))
                     .GroupBy(c => c.Key.Backend).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var logs = group.Select(c => Math.Log(c.Ratio!.Value)).ToList();
            double gm = Math.Exp(logs.Average());
            if (logs.Count < 2)
            {
                result.Add(new BackendComparison(group.Key, logs.Count, gm, null, null, BackendVerdict.Inconclusive));
                continue;
            }
            var (low, high, _) = LaunchEstimate.LogInterval(gm, logs);
            var verdict = low > 1 + threshold ? BackendVerdict.Regression
                : high < 1 - threshold ? BackendVerdict.Improvement
                : BackendVerdict.Unchanged;
            result.Add(new BackendComparison(group.Key, logs.Count, gm, low, high, verdict));
        }
        return result;
    }

    /// <summary>
    /// A warning when every backend moved the same way: a change that slows (or speeds up) every engine
    /// alike is more likely the machine's than each engine's. Seen on the build VM: a run during which the
    /// host slowed the VM came out 18-22% slower on the untouched baseline as well. The verdicts stand; the
    /// speed-ups, which pair the backends within each run, say whether the engines changed relative to each other.
    /// </summary>
    private static List<string> MachineWideWarnings(IReadOnlyList<BackendComparison> backends)
    {
        if (backends.Count < 2) return [];
        foreach (var (verdict, word) in new[] { (BackendVerdict.Regression, "slower"), (BackendVerdict.Improvement, "faster") })
        {
            if (!backends.All(b => b.Verdict == verdict)) continue;
            string changes = string.Join(", ", backends.Select(b => Invariant($"{b.Backend} {b.ChangePercent:+0.0;-0.0}%")));
            return [$"every backend's geometric mean is {word} ({changes}): a change that moves every engine alike is more likely the machine's "
                + "(its load, clock or other tenants) than each engine's; run both again side by side, and read the speed-ups below, "
                + "which pair the backends within each run"];
        }
        return [];
    }

    /// <summary>
    /// A warning when cells could not be compared because the two runs measured them in different machine
    /// states: they are neither tested nor in their backend's geometric mean, so a regression in them goes
    /// unseen. On the build VM a whole run once fell into the near state and its base into the far one, and
    /// all 16 cells of a planted +25% slow-down came out "machine state changed".
    /// </summary>
    private static List<string> MachineStateWarnings(IReadOnlyList<CellComparison> cells)
    {
        int changed = cells.Count(c => c.Verdict == ComparisonVerdict.MachineStateChanged);
        int compared = cells.Count(c => c.Ratio is not null);
        if (changed == 0) return [];
        return
        [
            $"{changed} of {compared} compared cell(s) ran in different machine states (core-to-core round trip) in the two runs and were not tested: "
            + "a regression in them would not be seen" + (changed * 2 > compared ? ", and they are most of the comparison" : "")
            + "; run the new measurement again until it shares the base run's state, or compare single-threaded cells (--threads 1), whose latency does not depend on it",
        ];
    }

    /// <summary>A warning when some cells could only be compared within one process each (no launches, or one per cell).</summary>
    private static List<string> MethodWarnings(LoadedRun baseRun, LoadedRun newRun, IReadOnlyList<CellComparison> cells)
    {
        var withinProcess = cells.Where(c => c.Ratio is not null && c.Verdict is not (ComparisonVerdict.ConfigurationChanged or ComparisonVerdict.MachineStateChanged)
            && !c.Method.IsLaunchTest()).ToList();
        if (withinProcess.Count == 0) return [];
        var reasons = new List<string>();
        foreach (var (run, side) in new[] { (baseRun, "base"), (newRun, "new") })
        {
            if (!run.HasLaunches) reasons.Add($"the {side} run {run.RunId} has no {RunFolder.LaunchesFileName} (written before launches, or by a run with one launch per cell)");
            else if (withinProcess.Any(c => (side == "base" ? c.BaseLaunches : c.NewLaunches) < MinimumLaunches))
                reasons.Add($"some cells of the {side} run {run.RunId} have fewer than {MinimumLaunches} ok launches");
        }
        return
        [
            $"{withinProcess.Count} of {cells.Count(c => c.Ratio is not null && c.Verdict is not (ComparisonVerdict.ConfigurationChanged or ComparisonVerdict.MachineStateChanged))} compared cell(s) could not be tested on launches ({string.Join("; ", reasons)}): "
            + "they were compared with Mann-Whitney on raw samples or by confidence-interval overlap, whose p-values describe one worker process each "
            + "and overstate significance; set --threshold above the machine's run-to-run variation, or measure with several launches per cell",
        ];
    }

    /// <summary>Mann-Whitney U on raw samples where both cells have enough of them; else whether the 95% CIs of the medians overlap.</summary>
    private static (SignificanceMethod Method, double? P, bool Significant, string Note) Test(
        LoadedRun baseRun, ResultRow baseRow, LoadedRun newRun, ResultRow newRow, double alpha)
    {
        var baseSamples = Samples(baseRun, baseRow, out string baseNote);
        var newSamples = Samples(newRun, newRow, out string newNote);
        string note = string.Join("; ", new[] { baseNote, newNote }.Where(n => n.Length > 0));
        if (baseSamples is not null && newSamples is not null)
        {
            var result = MannWhitneyTest.Instance.Perform(new Sample(newSamples.ToArray()), new Sample(baseSamples.ToArray()), AlternativeHypothesis.TwoSides, Threshold.Zero);
            double p = result.PValue;
            return (SignificanceMethod.MannWhitney, p, p < alpha, note);
        }
        if (baseRow is { Ci95LowMs: { } bLow, Ci95HighMs: { } bHigh } && newRow is { Ci95LowMs: { } nLow, Ci95HighMs: { } nHigh })
            return (SignificanceMethod.IntervalOverlap, null, nLow > bHigh || nHigh < bLow, note);
        return (SignificanceMethod.None, null, false, string.Join("; ", new[] { note, "no raw samples and no confidence intervals to test with" }.Where(n => n.Length > 0)));
    }

    /// <summary>The cell's raw samples, or null (with the reason in <paramref name="note"/> where one is worth saying).</summary>
    private static IReadOnlyList<double>? Samples(LoadedRun run, ResultRow row, out string note)
    {
        note = "";
        if (string.IsNullOrWhiteSpace(row.SamplesFile)) return null;
        string path = Path.Combine(run.Folder.Path, row.SamplesFile);
        if (!File.Exists(path))
        {
            note = $"samples file {row.SamplesFile} of run {run.RunId} is missing";
            return null;
        }
        var samples = LatencySamples.Read(path);
        if (samples.Count < MinimumSamples)
        {
            note = $"only {samples.Count} samples in {row.SamplesFile} of run {run.RunId}";
            return null;
        }
        return samples;
    }

    private static string Describe(ResultRow row) =>
        row.IsOk ? "status ok but no median latency" : string.IsNullOrWhiteSpace(row.Error) ? row.Status : $"{row.Status} ({row.Error})";

    private static List<string> ConfigurationDifferences(JsonObject a, JsonObject b)
    {
        var differences = new List<string>();
        foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            a.TryGetPropertyValue(key, out var x);
            b.TryGetPropertyValue(key, out var y);
            if (!JsonNode.DeepEquals(x, y))
                differences.Add($"{key}: {Show(x)} vs {Show(y)}");
        }
        return differences;
    }

    private static string Show(JsonNode? node)
    {
        string text = node?.ToJsonString() ?? "(absent)";
        return text.Length <= 80 ? text : text[..77] + "...";
    }

    private static List<string> VersionDifferences(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Keys.Union(b.Keys).Order(StringComparer.Ordinal)
            .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k}: {a.GetValueOrDefault(k) ?? "(absent)"} → {b.GetValueOrDefault(k) ?? "(absent)"}")
            .ToList();


    internal static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
