using System.Diagnostics;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Roofline;

/// <summary>What the roofline probe measures, and how hard it tries.</summary>
public sealed record MachinePeaksProbeSettings
{
    /// <summary>Thread counts to measure at (1 is always added).</summary>
    public IReadOnlyList<int> ThreadCounts { get; init; } = [1];

    /// <summary>Tries per figure; the best is kept, as STREAM and likwid-bench do (noise only ever slows a try down).</summary>
    public int Tries { get; init; } = 5;

    /// <summary>About how long one FMA try runs.</summary>
    public TimeSpan FmaTryTime { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Bytes of each triad array; null for 4 × the last-level cache (<see cref="MachinePeaksProbe.TriadArrayBytes"/>). Tests set a tiny size.</summary>
    public long? TriadArrayBytes { get; init; }

    /// <summary>The FMA loop's instruction set; null for the widest this processor runs.</summary>
    public FmaInstructionSet? InstructionSet { get; init; }
}

/// <summary>
/// Measures the two roofs of the roofline model on this machine, for each thread count: the float32
/// FMA peak (<see cref="FmaKernel"/>) and the STREAM-triad bandwidth (<see cref="StreamTriad"/>), each
/// the best of several tries, on a team of pinned threads. A few seconds in all with the defaults.
/// </summary>
public static class MachinePeaksProbe
{
    /// <summary>Bump when the method changes, so that caches of the old method are probed again.</summary>
    public const int Version = 3;

    /// <summary>The last-level cache assumed when the machine does not report one (larger than most single-socket L3s).</summary>
    public const long FallbackLastLevelCacheBytes = 32L << 20;

    private static float s_sink;

    public static MachinePeaks Run(MachineFingerprint machine, MachinePeaksProbeSettings settings, CorePlacement? placement = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Tries, 1);
        var set = settings.InstructionSet ?? FmaKernel.Widest;
        if (!FmaKernel.IsSupported(set)) throw new ArgumentException($"this processor does not run {FmaKernel.Name(set)}", nameof(settings));
        placement ??= CorePlacement.Local();
        var threadCounts = settings.ThreadCounts.Append(1).Where(t => t >= 1).Distinct().Order().ToList();

        var (arrayBytes, arraySize) = settings.TriadArrayBytes is { } fixedBytes
            ? (fixedBytes, "set by the caller")
            : TriadArrayBytes(machine, LastLevelCacheInstances("/sys/devices/system/cpu"));
        var triad = new StreamTriad((int)Math.Clamp(arrayBytes / sizeof(float), 1, Array.MaxLength));
        // Three arrays in half the last-level cache, passed over as many times as one DRAM pass moves bytes.
        var cacheTriad = machine.LastLevelCacheBytes is long llc and > 0 ? new StreamTriad((int)Math.Max(1, llc / 6 / sizeof(float))) : null;
        int cachePasses = cacheTriad is null ? 0 : (int)Math.Clamp(triad.BytesPerPass / cacheTriad.BytesPerPass, 1, 10_000);
        long iterations = FmaIterations(set, settings.FmaTryTime);

        var peaks = new List<ThreadPeak>();
        bool initialised = false;
        foreach (int threads in threadCounts.OrderDescending())
        {
            using var team = new ThreadTeam(threads, placement);
            if (!initialised)
            {
                // First touch by the largest team, so that the pages are spread over the memory nodes its threads run on.
                team.Run(triad.Initialise);
                if (cacheTriad is not null) team.Run(cacheTriad.Initialise);
                initialised = true;
            }
            double bestFmaSeconds = double.MaxValue, bestTriadSeconds = double.MaxValue, bestCacheSeconds = double.MaxValue;
            // Warm-up, not timed: wide vector units power up and the clock settles (the first 512-bit loops
            // on the build VM's EPYC ran at half speed), and the triad's pages are mapped and its TLBs warm.
            team.Run((_, _) => s_sink += FmaKernel.Run(set, iterations));
            team.Run(triad.Run);
            for (int i = 0; i < settings.Tries; i++)
            {
                bestFmaSeconds = Math.Min(bestFmaSeconds, team.Run((_, _) => s_sink += FmaKernel.Run(set, iterations)));
                bestTriadSeconds = Math.Min(bestTriadSeconds, team.Run(triad.Run));
                if (cacheTriad is not null)
                    bestCacheSeconds = Math.Min(bestCacheSeconds, team.Run((part, parts) =>
                    {
                        for (int pass = 0; pass < cachePasses; pass++) cacheTriad.Run(part, parts);
                    }));
            }
            double gflops = FmaKernel.Flops(set, iterations) * threads / bestFmaSeconds / 1e9;
            double gbs = triad.BytesPerPass / bestTriadSeconds / 1e9;
            double? cacheGbs = cacheTriad is null ? null : cacheTriad.BytesPerPass * cachePasses / bestCacheSeconds / 1e9;
            peaks.Add(new ThreadPeak(threads, gflops, gbs, cacheGbs));
        }

        return new MachinePeaks
        {
            ProbeVersion = Version,
            MeasuredUtc = DateTime.UtcNow,
            InstructionSet = FmaKernel.Name(set),
            Lanes = FmaKernel.Lanes(set),
            Accumulators = FmaKernel.Accumulators,
            Tries = settings.Tries,
            TriadArrayBytes = (long)triad.Length * sizeof(float),
            TriadArraySize = arraySize,
            Pinning = placement.Description,
            ByThreads = [.. peaks.OrderBy(p => p.Threads)],
            Theoretical = TheoreticalFmaPeak.Local(machine.PhysicalCores > 0 ? machine.PhysicalCores : Environment.ProcessorCount, FmaKernel.Lanes(set)),
        };
    }

    /// <summary>
    /// Bytes of each triad array: 4 × all the last-level caches together (STREAM's rule, so that no array
    /// stays in cache; <paramref name="instances"/> caches of the size cpu0 reports, as on multi-socket
    /// machines and AMD's one L3 per core complex), the fallback size when the cache is unknown, and less
    /// when three arrays would take more than a quarter of the memory.
    /// </summary>
    public static (long Bytes, string Why) TriadArrayBytes(MachineFingerprint machine, int instances = 1)
    {
        instances = Math.Max(1, instances);
        var (llc, llcSource) = machine.LastLevelCacheBytes is long known and > 0
            ? (known * instances, instances == 1 ? $"4 × the last-level cache ({known >> 20} MiB)" : $"4 × the {instances} last-level caches of {known >> 20} MiB")
            : (FallbackLastLevelCacheBytes, $"4 × an assumed last-level cache of {FallbackLastLevelCacheBytes >> 20} MiB (the machine reports none)");
        long bytes = 4 * llc;
        if (machine.MemoryBytes > 0 && 3 * bytes > machine.MemoryBytes / 4)
            return (machine.MemoryBytes / 12, $"a quarter of the memory over three arrays, less than {llcSource}");
        return (bytes, llcSource);
    }

    /// <summary>
    /// How many last-level caches the machine has: the distinct <c>shared_cpu_list</c> of the highest cache
    /// level over every processor under <paramref name="cpuFolder"/> (sysfs); 1 when sysfs does not tell.
    /// </summary>
    internal static int LastLevelCacheInstances(string cpuFolder)
    {
        try
        {
            if (!Directory.Exists(cpuFolder)) return 1;
            var caches = Directory.EnumerateDirectories(cpuFolder, "cpu*")
                .Where(d => Path.GetFileName(d).Length > 3 && Path.GetFileName(d)[3..].All(char.IsAsciiDigit))
                .SelectMany(d => Directory.Exists(Path.Combine(d, "cache")) ? Directory.EnumerateDirectories(Path.Combine(d, "cache"), "index*") : [])
                .Select(i => (Level: ReadTrimmed(Path.Combine(i, "level")), Shared: ReadTrimmed(Path.Combine(i, "shared_cpu_list"))))
                .Where(c => int.TryParse(c.Level, out _) && c.Shared is not null)
                .ToList();
            if (caches.Count == 0) return 1;
            int top = caches.Max(c => int.Parse(c.Level!, System.Globalization.CultureInfo.InvariantCulture));
            return Math.Max(1, caches.Where(c => int.Parse(c.Level!, System.Globalization.CultureInfo.InvariantCulture) == top).Select(c => c.Shared).Distinct().Count());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 1;
        }
    }

    private static string? ReadTrimmed(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    /// <summary>Iterations of the FMA loop that take about <paramref name="tryTime"/> on one thread.</summary>
    private static long FmaIterations(FmaInstructionSet set, TimeSpan tryTime)
    {
        const long calibration = 200_000;
        s_sink += FmaKernel.Run(set, calibration / 10);
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            long start = Stopwatch.GetTimestamp();
            s_sink += FmaKernel.Run(set, calibration);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return Math.Max(1_000, (long)(tryTime.TotalSeconds / (best / calibration)));
    }
}
