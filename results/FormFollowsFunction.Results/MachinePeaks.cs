namespace FormFollowsFunction.Results;

/// <summary>The machine's measured float32 FMA peak and STREAM-triad bandwidth with a given number of threads.</summary>
/// <param name="Threads">Threads that ran the loops at once, one per physical core as far as there are cores.</param>
/// <param name="Gflops">Best of the tries, in GFLOP/s (10⁹ floating-point operations per second; an FMA counts 2).</param>
/// <param name="BandwidthGbs">Best of the tries, in GB/s (10⁹ bytes per second), bytes counted as STREAM counts the triad: 3 arrays × 4 bytes × n.</param>
/// <param name="CacheBandwidthGbs">
/// The same triad on arrays that fit together in half the last-level cache, in GB/s: the memory roof of a
/// network whose weights and activations stay in cache from one inference to the next (the DRAM roof
/// does not bound it); null when the cache size is unknown.
/// </param>
public sealed record ThreadPeak(int Threads, double Gflops, double BandwidthGbs, double? CacheBandwidthGbs = null);

/// <summary>
/// The processor's theoretical float32 FMA peak, cores × frequency × FMA units × lanes × 2, with the
/// figures it was computed from and what had to be assumed; <see cref="Gflops"/> is null when the
/// frequency cannot be known.
/// </summary>
public sealed record TheoreticalPeak(double? Gflops, int Cores, double? FrequencyGhz, string FrequencySource, int FmaUnits, int Lanes, IReadOnlyList<string> Assumptions);

/// <summary>
/// What the roofline probe measured on one machine (docs/benchmarks.md, "Roofline"): the peaks per
/// thread count, how they were measured, and the theoretical peak beside them. Kept in the per-user
/// cache under <see cref="FingerprintKey"/> and recorded in the run manifest, so that every row of a
/// run is set against the same roofs.
/// </summary>
public sealed record MachinePeaks
{
    /// <summary>Changes when the method changes; a cache written by another version is probed again.</summary>
    public int ProbeVersion { get; init; }
    public DateTime MeasuredUtc { get; init; }

    /// <summary>The hash of the machine facts the peaks depend on (see the cache); another key means another machine.</summary>
    public string FingerprintKey { get; init; } = "";

    /// <summary>The vector instructions of the FMA loop: avx512f (16 lanes), fma-vector256 (8 lanes) or vector128 (4 lanes).</summary>
    public string InstructionSet { get; init; } = "";
    public int Lanes { get; init; }
    public int Accumulators { get; init; }
    public int Tries { get; init; }

    /// <summary>Bytes of each of the triad's three float32 arrays, and why that size.</summary>
    public long TriadArrayBytes { get; init; }
    public string TriadArraySize { get; init; } = "";

    /// <summary>How the probe's threads were placed on processors, in words.</summary>
    public string Pinning { get; init; } = "";

    public IReadOnlyList<ThreadPeak> ByThreads { get; init; } = [];
    public TheoreticalPeak? Theoretical { get; init; }

    /// <summary>The peaks at exactly <paramref name="threads"/> threads, or null when that count was not probed.</summary>
    public ThreadPeak? At(int threads) => ByThreads.FirstOrDefault(p => p.Threads == threads);
}
