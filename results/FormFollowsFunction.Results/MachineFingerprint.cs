namespace FormFollowsFunction.Results;

/// <summary>A cache level as the machine reports it, with where the figure came from (sysfs, CPUID leaf, ...).</summary>
public sealed record CacheLevel(int Level, string Type, long SizeBytes, string Source);

/// <summary>A fact about the machine with where it came from, or why it could not be read.</summary>
public sealed record MachineFact(string? Value, string Source);

/// <summary>
/// What a result depends on about the machine: recorded in every run manifest, compared by
/// <c>fff compare</c> before two runs' timings are compared.
/// </summary>
public sealed record MachineFingerprint
{
    public string Hostname { get; init; } = "";
    public string CpuModel { get; init; } = "";
    public int LogicalCores { get; init; }
    public int PhysicalCores { get; init; }
    public long MemoryBytes { get; init; }
    public string Os { get; init; } = "";
    public string Kernel { get; init; } = "";
    public string Architecture { get; init; } = "";
    public IReadOnlyList<CacheLevel> Caches { get; init; } = [];

    /// <summary>Further facts by name (microcode, governor, turbo, smt, numa_nodes, virtualised, ...), each with its source.</summary>
    public IReadOnlyDictionary<string, MachineFact> Facts { get; init; } = new Dictionary<string, MachineFact>();

    /// <summary>Size of the last-level (highest) data or unified cache, when known.</summary>
    public long? LastLevelCacheBytes =>
        Caches.Where(c => c.Type is "Unified" or "Data").OrderByDescending(c => c.Level).FirstOrDefault()?.SizeBytes;

    /// <summary>Differences that make timings from two machines incomparable, as readable lines; empty when none.</summary>
    public IReadOnlyList<string> DifferencesFrom(MachineFingerprint other)
    {
        var differences = new List<string>();
        void Compare<T>(string what, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) differences.Add($"{what}: {a} vs {b}");
        }
        Compare("CPU", CpuModel, other.CpuModel);
        Compare("logical cores", LogicalCores, other.LogicalCores);
        Compare("physical cores", PhysicalCores, other.PhysicalCores);
        Compare("memory bytes", MemoryBytes, other.MemoryBytes);
        Compare("OS", Os, other.Os);
        Compare("kernel", Kernel, other.Kernel);
        Compare("last-level cache bytes", LastLevelCacheBytes, other.LastLevelCacheBytes);
        foreach (var name in new[] { "governor", "turbo", "smt", "microcode" })
            if (Facts.TryGetValue(name, out var a) && other.Facts.TryGetValue(name, out var b))
                Compare(name, a.Value, b.Value);
        return differences;
    }
}
