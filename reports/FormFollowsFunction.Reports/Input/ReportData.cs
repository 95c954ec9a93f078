using FormFollowsFunction.Reports.Statistics;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Input;

/// <summary>A results row with the run it came from: the unit every figure and table is drawn from.</summary>
public sealed record Measurement(LoadedRun Run, ResultRow Row)
{
    public bool IsReferenceNetwork => NetworkGroups.IsReferenceNetwork(Row);

    public bool IsUserNetwork => NetworkGroups.IsUserNetwork(Row);

    public MeasurementSetting Setting => MeasurementSetting.Of(Row);
}

/// <summary>
/// Everything a report is derived from: the runs, the row that stands for each of their cells,
/// and the speed-ups over the baseline. Orders (patterns, backends) are fixed here once so that
/// a pattern or backend keeps its colour and marker in every figure.
/// </summary>
public sealed class ReportData
{
    public ReportData(IReadOnlyList<LoadedRun> runs, string baselineBackend)
    {
        if (runs.Count == 0) throw new ArgumentException("a report needs at least one run", nameof(runs));
        Runs = runs;
        Measurements = runs.SelectMany(run => run.CurrentRows.Select(row => new Measurement(run, row))).ToList();
        Speedups = SpeedupPairing.Pair(runs, baselineBackend);
        BaselineBackend = Measurements.Select(m => m.Row.Backend)
            .FirstOrDefault(b => string.Equals(b, baselineBackend, StringComparison.OrdinalIgnoreCase)) ?? baselineBackend;
        Patterns = Measurements.Where(m => NetworkGroups.IsPatternInstance(m.Row)).Select(m => m.Row.Pattern)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        // The baseline first, then the others by name: the baseline is the first bar of every group.
        Backends = Measurements.Select(m => m.Row.Backend).Distinct(StringComparer.Ordinal)
            .OrderBy(b => b == BaselineBackend ? 0 : 1).ThenBy(b => b, StringComparer.Ordinal).ToList();
        Settings = Measurements.Select(m => m.Setting).Distinct().Order().ToList();
        LayerTypes = LayerTypeTimes.Of(runs, BaselineBackend);
        LayerTotals = LayerTypeTimes.Totals(runs, BaselineBackend);
        LayerBackends = LayerTotals.Select(t => t.Backend).Distinct(StringComparer.Ordinal)
            .OrderBy(b => b == BaselineBackend ? 0 : 1).ThenBy(b => BackendIndexOrLast(b)).ThenBy(b => b, StringComparer.Ordinal).ToList();
        LayerTypeOrder = LayerTypes.GroupBy(t => t.LayerType).OrderByDescending(g => g.Sum(t => t.Share)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).ToList();
        UserNetworks = Measurements.Where(m => m.IsUserNetwork).Select(m => m.Row.Model)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<LoadedRun> Runs { get; }

    /// <summary>The current row of every cell of every run, whatever its status.</summary>
    public IReadOnlyList<Measurement> Measurements { get; }

    public IEnumerable<Measurement> OkMeasurements => Measurements.Where(m => m.Row.IsOk && m.Row.MedianMs > 0);

    public IEnumerable<Measurement> NotOkMeasurements => Measurements.Where(m => !m.Row.IsOk);

    public SpeedupSet Speedups { get; }

    /// <summary>The baseline backend as the results spell it (or as asked, when no row has it).</summary>
    public string BaselineBackend { get; }

    public bool HasBaseline => Measurements.Any(m => m.Row.Backend == BaselineBackend);

    public IReadOnlyList<string> Patterns { get; }

    public IReadOnlyList<string> Backends { get; }

    /// <summary>Per-layer profiles summed by layer type, per profiled cell (empty when no run has <c>layers.csv</c>).</summary>
    public IReadOnlyList<LayerTypeTime> LayerTypes { get; }

    /// <summary>Per profiled cell: summed layer time, fixed part, end-to-end time.</summary>
    public IReadOnlyList<LayerProfileTotal> LayerTotals { get; }

    /// <summary>The backends with a per-layer profile, the baseline first.</summary>
    public IReadOnlyList<string> LayerBackends { get; }

    /// <summary>Layer types, the largest summed share first: the order (and colour) of stacks and bars.</summary>
    public IReadOnlyList<string> LayerTypeOrder { get; }

    public bool HasLayerProfiles => LayerTotals.Count > 0;

    public int LayerTypeIndex(string type) => Math.Max(0, IndexOf(LayerTypeOrder, type));

    private int BackendIndexOrLast(string backend) => IndexOf(Backends, backend) is >= 0 and var i ? i : int.MaxValue;

    /// <summary>The user networks' model ids, in name order (each keeps its colour: after the patterns and the reference networks).</summary>
    public IReadOnlyList<string> UserNetworks { get; }

    /// <summary>Palette index of a user network: the patterns take the first colours, the reference networks the next.</summary>
    public int UserNetworkIndex(string model) => Patterns.Count + 1 + Math.Max(0, IndexOf(UserNetworks, model));

    public IReadOnlyList<MeasurementSetting> Settings { get; }

    /// <summary>The backends for a sentence: "torch-cpu, ort-cpu", or "none".</summary>
    public string BackendList => Backends.Count == 0 ? "none" : string.Join(", ", Backends);

    /// <summary>Whether figures must be split by setting (and name it in file names).</summary>
    public bool HasSeveralSettings => Settings.Count > 1;

    public bool HasSeveralRuns => Runs.Count > 1;

    public int PatternIndex(string pattern) => Math.Max(0, IndexOf(Patterns, pattern));

    public int BackendIndex(string backend) => Math.Max(0, IndexOf(Backends, backend));

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }
}
