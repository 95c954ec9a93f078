using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Tests.Reports;

/// <summary>Hand-written rows and in-memory runs for tests that need exact, known numbers.</summary>
internal static class RowFactory
{
    public static ResultRow Row(string model, string backend, double? medianMs, CellStatus status = CellStatus.Ok,
        int threads = 4, int batch = 1, int resolution = 224, int? depth = 4, double? width = 1.0, string? pattern = null,
        double? ciLow = null, double? ciHigh = null, DateTime? time = null) => new()
        {
            RunId = "r", TimestampUtc = time ?? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Backend = backend, Model = model,
            Pattern = pattern ?? (depth is null ? "reference" : model.Split('-')[0]), Depth = depth, Width = width,
            Threads = threads, Batch = batch, Resolution = resolution, Status = status.ToColumn(),
            Macs = 1_000_000, Params = 1000, MedianMs = medianMs, Ci95LowMs = ciLow, Ci95HighMs = ciHigh,
            Error = status == CellStatus.Ok ? "" : $"synthetic {status.ToColumn()}",
        };

    public static LoadedRun Run(string runId, IReadOnlyList<ResultRow> rows, MachineFingerprint? machine = null, IReadOnlyList<LaunchRow>? launches = null) =>
        LoadedRun.FromRows(new RunFolder(Path.Combine(Path.GetTempPath(), "not-on-disk", runId)),
            new RunManifest { RunId = runId, Machine = machine ?? SyntheticRun.Machine() }, rows, launches);

    /// <summary>A launch of the cell of <paramref name="cell"/> in round <paramref name="round"/> with the given median.</summary>
    public static LaunchRow Launch(ResultRow cell, int round, double? medianMs, CellStatus status = CellStatus.Ok) => new()
    {
        Round = round, Launch = round,
        Measurement = Row(cell.Model, cell.Backend, medianMs, status, cell.Threads, cell.Batch, cell.Resolution, cell.Depth, cell.Width, cell.Pattern,
            time: cell.TimestampUtc.AddMinutes(round)),
    };

    /// <summary>A row estimated from launch medians the way a sweep does (LaunchEstimate), with one launch per median, round 1 first.</summary>
    public static (ResultRow Row, IReadOnlyList<LaunchRow> Launches) Cell(string model, string backend, IReadOnlyList<double> launchMedians,
        int? depth = 4, double? width = 1.0, string device = "cpu")
    {
        var estimate = LaunchEstimate.Of(launchMedians);
        var row = Row(model, backend, estimate.Median, depth: depth, width: width, ciLow: estimate.Ci95Low, ciHigh: estimate.Ci95High);
        row.Launches = estimate.Count;
        row.LaunchCv = estimate.Cv;
        row.Device = device;
        var launches = launchMedians.Select((m, i) => Launch(row, i + 1, m)).ToList();
        foreach (var launch in launches) launch.Measurement.Device = device;
        return (row, launches);
    }
}
