using System.Globalization;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>One cell to profile per layer.</summary>
/// <param name="Model">The model's id, as results.csv and layers.csv name it.</param>
/// <param name="Resolvable">What the worker resolves, where it differs from <paramref name="Model"/> (a user model's file).</param>
public sealed record ProfileCell(string Model, BackendDescriptor Backend, int Threads, int Batch, int Resolution, string? Resolvable = null)
{
    public CellKey Key => new(Model, Backend.Name, Threads, Batch, Resolution);
}

/// <summary>How the profiling workers are asked: the seed, forward passes per measurement, the time limit, and the backends' settings as the sweep resolved them.</summary>
/// <param name="OneDnnMaxIsa">The oneDNN cap the probe chose, per backend name (absent: none).</param>
public sealed record ProfileSettings(
    int Seed,
    int Iterations,
    TimeSpan Timeout,
    Func<string, BackendOptions> OptionsFor,
    IReadOnlyDictionary<string, string?> OneDnnMaxIsa,
    IReadOnlyDictionary<string, string>? Environment = null)
{
    /// <summary>Forward passes per measurement (after <see cref="LayerProfiler.WarmupIterations"/> unrecorded ones) unless told otherwise.</summary>
    public const int DefaultIterations = 20;
}

/// <summary>How one cell's profile ended, for the progress lines and the exit code.</summary>
/// <param name="ProfilerOverhead">ONNX Runtime's calibrated profiler time per node, removed from its layers; null for TorchSharp and failed cells.</param>
public sealed record ProfileOutcome(ProfileCell Cell, IReadOnlyList<LayerProfileRow> Rows, string? Error, int FixedCostResolution, OrtProfilerOverhead? ProfilerOverhead = null);

/// <summary>
/// Profiles cells per layer, each in a worker process of its own (<see cref="LayerProfiler"/>), one
/// after another, and appends each cell's rows to <c>layers.csv</c> as soon as its worker answers.
/// A cell whose rows are already in the file is skipped, so a resumed sweep does not profile twice.
/// </summary>
public sealed class LayerProfileRunner(WorkerLauncher launcher, string layersFile, string logsFolder, ProfileSettings settings, Action<string> progress)
{
    public IReadOnlyList<ProfileOutcome> Run(IReadOnlyList<ProfileCell> cells, CancellationToken cancellation)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(layersFile))!;
        var done = File.Exists(layersFile) ? LayersCsv.Read(layersFile).Select(r => r.Key).ToHashSet() : [];
        var client = new WorkerClient(launcher, Path.Combine(folder, "cells"), logsFolder);
        var outcomes = new List<ProfileOutcome>();
        using var csv = new AppendOnlyCsv<LayerProfileRow>(layersFile);
        foreach (var (cell, index) in cells.Select((c, i) => (c, i + 1)))
        {
            if (cancellation.IsCancellationRequested) break;
            if (done.Contains(cell.Key)) continue;
            progress(Invariant($"[{index}/{cells.Count}] profiling {cell.Model} on {cell.Backend.Name} ({Counted.Of(cell.Threads, "thread")}, batch {cell.Batch}, {cell.Resolution} px)..."));
            var outcome = Profile(client, cell, Path.Combine(folder, "profiles"), cancellation);
            foreach (var row in outcome.Rows) csv.Append(row);
            outcomes.Add(outcome);
            progress(Describe(outcome));
        }
        string scratch = Path.Combine(folder, "cells");
        if (Directory.Exists(scratch) && !Directory.EnumerateFileSystemEntries(scratch).Any()) Directory.Delete(scratch);
        return outcomes;
    }

    private ProfileOutcome Profile(WorkerClient client, ProfileCell cell, string profiles, CancellationToken cancellation)
    {
        var request = new CellRequest
        {
            Model = cell.Resolvable ?? cell.Model,
            Batch = cell.Batch,
            Resolution = cell.Resolution,
            Backend = cell.Backend.Name,
            Threads = cell.Threads,
            Seed = settings.Seed,
            Options = settings.OptionsFor(cell.Backend.Name),
            OneDnnMaxIsa = settings.OneDnnMaxIsa.GetValueOrDefault(cell.Backend.Name),
            ProfileIterations = settings.Iterations,
            ProfileFolder = profiles,
        };
        string stem = $"profile-{cell.Model}-{cell.Backend.Name}-t{cell.Threads}-b{cell.Batch}-r{cell.Resolution}";
        var call = client.Call<LayerProfileAnswer>(WorkerEntry.ProfileMode, request, stem, settings.Timeout, cancellation, settings.Environment);
        if (call.Answer is not { } answer) return new ProfileOutcome(cell, [], call.Exit.Describe(settings.Timeout.TotalSeconds), 0);
        if (!answer.Succeeded) return new ProfileOutcome(cell, [], answer.Error, answer.FixedCostResolution);
        // In this process, once the worker and its engine threads are gone, as a sweep measures after each launch.
        double? after = answer.CoreLatencyNs is > 0 ? CoreLatencyProbe.Measure(out _)?.RoundTripNs : null;
        return new ProfileOutcome(cell, Rows(cell, answer, after), null, answer.FixedCostResolution, answer.ProfilerOverhead);
    }

    /// <summary>
    /// The answer as <c>layers.csv</c> rows; <c>share</c> is each layer's time over the cell's summed layer times, so
    /// the shares add up to 1. <paramref name="coreLatencyAfterNs"/> is the round trip measured after the worker ended.
    /// </summary>
    public static IReadOnlyList<LayerProfileRow> Rows(ProfileCell cell, LayerProfileAnswer answer, double? coreLatencyAfterNs = null)
    {
        double total = answer.Layers.Sum(l => l.TimeMs);
        return
        [
            .. answer.Layers.Select(l => new LayerProfileRow
            {
                Model = cell.Model, Backend = cell.Backend.Name, Threads = cell.Threads, Batch = cell.Batch, Resolution = cell.Resolution,
                Layer = l.Layer, LayerType = l.LayerType, Macs = l.Macs, TimeMs = l.TimeMs, FixedMs = l.FixedMs,
                ProfilerOverheadMs = l.ProfilerOverheadMs, Share = total > 0 ? l.TimeMs / total : null, EndToEndMs = answer.EndToEndMs, Note = l.Note,
                CoreLatencyNs = answer.CoreLatencyNs, CoreLatencyAfterNs = coreLatencyAfterNs,
            }),
        ];
    }

    /// <summary>"resnet18 on ort-cpu: layers 8.10 ms = 96% of the end-to-end 8.44 ms (within 15%), profiler overhead removed 0.11 ms (calibrated: 3.0 µs per node, 4.4 µs with weights); fixed 6% (from 1 px); ..."</summary>
    public static string Describe(ProfileOutcome outcome)
    {
        string cell = $"{outcome.Cell.Model} on {outcome.Cell.Backend.Name}";
        if (outcome.Error is { } error) return $"error: {cell}: no profile: {error}";
        if (LayerProfileSummary.Of(outcome.Rows) is not [var summary]) return $"{cell}: the profile holds no layers";
        string coverage = summary.Coverage is double c
            ? Invariant($"{c * 100:0}% of the end-to-end {summary.EndToEndMs:0.00} ms ({(summary.CoversEndToEnd ? "within" : "NOT within")} {LayerProfileSummary.CoverageTolerance * 100:0}%)")
            : "no end-to-end time";
        string overhead = outcome.ProfilerOverhead is { } o
            ? Invariant($", profiler overhead removed {summary.ProfilerOverheadMs:0.00} ms (calibrated: {o.NodeMs * 1000:0.0} µs per node, {o.WeightedNodeMs * 1000:0.0} µs with weights)")
            : "";
        string top = string.Join(", ", summary.Types.Take(3).Select(t => Invariant($"{t.LayerType} {t.Share * 100:0}%")));
        return Invariant($"{cell}: layers {summary.LayersMs:0.00} ms = {coverage}{overhead}; fixed per-call {summary.FixedShare * 100:0}% (from {outcome.FixedCostResolution} px); top: {top}")
            + MachineStateChange(outcome);
    }

    /// <summary>
    /// "; the machine state changed during the profile (...)" when a multi-threaded cell's round trips before and
    /// after its worker are more than <see cref="CoreLatencyStates.ChangeRatio"/> apart (<see cref="CoreLatencyStates.ChangedDuring"/>):
    /// its layers and its end-to-end time may then come from different states, and its coverage says little.
    /// </summary>
    private static string MachineStateChange(ProfileOutcome outcome)
    {
        var first = outcome.Rows[0];
        if (!CoreLatencyStates.Matters(outcome.Cell.Threads) || !CoreLatencyStates.ChangedDuring(first.CoreLatencyNs, first.CoreLatencyAfterNs)) return "";
        return $"; the machine state changed during the profile (core-to-core round trip {CoreLatencyStates.Name(first.CoreLatencyNs!.Value)} → {CoreLatencyStates.Name(first.CoreLatencyAfterNs!.Value)}): "
            + "its layers and end-to-end time may come from different states; profile it again";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
