using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Input;

/// <summary>
/// The conditions a latency was measured under apart from the model and backend: threads,
/// batch and input resolution. Only cells of the same setting are ever compared or drawn on one line.
/// </summary>
public readonly record struct MeasurementSetting(int Threads, int Batch, int Resolution) : IComparable<MeasurementSetting>
{
    public static MeasurementSetting Of(ResultRow row) => new(row.Threads, row.Batch, row.Resolution);

    public static MeasurementSetting Of(CellKey key) => new(key.Threads, key.Batch, key.Resolution);

    /// <summary>For titles and captions: "4 threads, batch 1, 224×224 px".</summary>
    public override string ToString() =>
        $"{Counted.Of(Threads, "thread")}, batch {Batch}, {Resolution}×{Resolution} px";

    /// <summary>For file names: "t4_b1_r224".</summary>
    public string Slug => $"t{Threads}_b{Batch}_r{Resolution}";

    public int CompareTo(MeasurementSetting other) =>
        (Threads, Batch, Resolution).CompareTo((other.Threads, other.Batch, other.Resolution));
}
