using System.Globalization;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Hardware.Roofline;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Diagnosis;

/// <summary>
/// The roofline part of <c>fff doctor</c>: the measured FMA peak and triad bandwidth at 1, 2, 4, ...
/// threads up to the physical cores (from the per-machine cache, or probed now), next to the
/// theoretical FMA peak at each thread count.
/// </summary>
public sealed class MachinePeaksDiagnosis(bool refresh, Func<MachineFingerprint, IReadOnlyList<int>, bool, CachedPeaks>? source = null) : IDiagnosisSection
{
    public string Title => "Machine peaks (roofline)";

    public static IReadOnlyList<string> Columns { get; } =
        ["threads", "FMA peak (GFLOP/s)", "triad bandwidth (GB/s)", "in-cache triad bandwidth (GB/s)", "theoretical FMA peak (GFLOP/s)", "measured / theoretical"];

    /// <summary>1, 2, 4, ... below <paramref name="cores"/>, and <paramref name="cores"/>.</summary>
    public static IReadOnlyList<int> ThreadCounts(int cores)
    {
        var counts = new List<int>();
        for (int t = 1; t < cores; t *= 2) counts.Add(t);
        counts.Add(Math.Max(1, cores));
        return counts;
    }

    public DiagnosisSection Collect()
    {
        var machine = MachineInspector.Inspect();
        var cached = (source ?? ((m, t, r) => MachinePeaksCache.ForThisMachine(m, t, r)))(machine, ThreadCounts(machine.PhysicalCores), refresh);
        return Describe(cached);
    }

    /// <summary>The section's table and notes for <paramref name="cached"/>.</summary>
    public DiagnosisSection Describe(CachedPeaks cached)
    {
        var peaks = cached.Peaks;
        var theory = peaks.Theoretical;
        static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        var rows = peaks.ByThreads.Select(p =>
        {
            double? roof = theory?.Gflops is { } all && theory.Cores > 0 ? all * Math.Min(p.Threads, theory.Cores) / theory.Cores : null;
            return (IReadOnlyList<string>)
            [
                p.Threads.ToString(CultureInfo.InvariantCulture), F(p.Gflops), F(p.BandwidthGbs), p.CacheBandwidthGbs is { } c ? F(c) : "unknown",
                roof is { } r ? F(r) : "unknown", roof is { } q ? (p.Gflops / q).ToString("P0", CultureInfo.InvariantCulture) : "",
            ];
        }).ToList();
        var notes = new List<string>
        {
            $"FMA peak: {peaks.Accumulators} independent float32 FMA chains on {peaks.InstructionSet} ({peaks.Lanes} lanes), 2 FLOP per lane per FMA, best of {peaks.Tries} tries",
            $"triad bandwidth: STREAM triad a[i] = b[i] + s*c[i] on float32 arrays of {peaks.TriadArrayBytes / (double)(1L << 20):F0} MiB each ({peaks.TriadArraySize}); bytes counted as STREAM does, 3 arrays x 4 bytes x n (no write-allocate); best of {peaks.Tries} tries",
            "in-cache triad bandwidth: the same triad on three arrays in half the last-level cache, the memory roof of a network that stays in cache between inferences (not used by roofline_fraction, which takes the DRAM triad)",
            $"threads: {peaks.Pinning}",
        };
        if (theory is not null)
            notes.Add(theory.Gflops is { } g
                ? $"theoretical FMA peak {F(g)} GFLOP/s = {theory.Cores} cores x {theory.FrequencyGhz:F2} GHz x {theory.FmaUnits} FMA units x {theory.Lanes} lanes x 2; frequency from {theory.FrequencySource}; assumed: {string.Join("; ", theory.Assumptions)}"
                : $"theoretical FMA peak unknown: frequency {theory.FrequencySource}");
        notes.Add($"{(cached.FromCache ? "from the cache" : "measured now")}, {peaks.MeasuredUtc:yyyy-MM-dd HH:mm} UTC, probe version {peaks.ProbeVersion}: {cached.File}; 'fff doctor --reprobe' or {MachinePeaksCache.ReprobeVariable}=1 measures again");
        if (cached.CacheProblem is { } problem) notes.Add(problem);
        return new DiagnosisSection(Title, Columns, rows, notes);
    }
}
