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

    public static LoadedRun Run(string runId, IReadOnlyList<ResultRow> rows, MachineFingerprint? machine = null) =>
        LoadedRun.FromRows(new RunFolder(Path.Combine(Path.GetTempPath(), "not-on-disk", runId)),
            new RunManifest { RunId = runId, Machine = machine ?? SyntheticRun.Machine() }, rows);
}
