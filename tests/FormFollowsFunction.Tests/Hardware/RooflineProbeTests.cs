using FormFollowsFunction.Cli.Commands;
using FormFollowsFunction.Hardware.Diagnosis;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Hardware.Roofline;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>The roofline probe: its kernels, the per-machine cache, the theoretical peak and the doctor's section.</summary>
public sealed class RooflineProbeTests
{
    private static readonly MachineFingerprint Machine = new()
    {
        Hostname = "h1", CpuModel = "Test CPU @ 2.00GHz", LogicalCores = 4, PhysicalCores = 2, MemoryBytes = 8L << 30, Kernel = "6.1",
        Caches = [new CacheLevel(3, "Unified", 32L << 20, "sysfs")],
    };

    private static MachinePeaks Peaks(params (int Threads, double Gflops, double Gbs)[] byThreads) => new()
    {
        ProbeVersion = MachinePeaksProbe.Version, MeasuredUtc = new DateTime(2026, 1, 2, 3, 4, 0, DateTimeKind.Utc), InstructionSet = "avx512f", Lanes = 16,
        Accumulators = 12, Tries = 5, TriadArrayBytes = 128L << 20, TriadArraySize = "4 × the last-level cache (32 MiB)", Pinning = "pinned",
        ByThreads = [.. byThreads.Select(t => new ThreadPeak(t.Threads, t.Gflops, t.Gbs))],
        Theoretical = TheoreticalFmaPeak.Compute(2, (2.0, "test"), 16),
    };

    /// <summary>A probe that counts its calls and hands back figures that name the thread counts it was asked for.</summary>
    private sealed class CountingProbe
    {
        public List<IReadOnlyList<int>> Calls { get; } = [];

        public MachinePeaks Probe(IReadOnlyList<int> threads)
        {
            Calls.Add(threads);
            return Peaks([.. threads.Select(t => (t, 10.0 * t + Calls.Count, 5.0 * t))]);
        }
    }

    [Theory]
    [InlineData(FmaInstructionSet.Avx512F)]
    [InlineData(FmaInstructionSet.FmaVector256)]
    [InlineData(FmaInstructionSet.Vector128)]
    public void The_probe_on_a_tiny_size_gives_positive_finite_peaks_at_every_thread_count_asked(FmaInstructionSet set)
    {
        if (!FmaKernel.IsSupported(set)) return; // the widest sets are tested where the processor has them
        var settings = new MachinePeaksProbeSettings
        {
            ThreadCounts = [2], Tries = 2, FmaTryTime = TimeSpan.FromMilliseconds(2), TriadArrayBytes = 1 << 20, InstructionSet = set,
        };

        var peaks = MachinePeaksProbe.Run(Machine, settings);

        Assert.Equal([1, 2], peaks.ByThreads.Select(p => p.Threads));
        Assert.All(peaks.ByThreads, p =>
        {
            Assert.True(double.IsFinite(p.Gflops) && p.Gflops > 0, $"GFLOP/s at {p.Threads} threads: {p.Gflops}");
            Assert.True(double.IsFinite(p.BandwidthGbs) && p.BandwidthGbs > 0, $"GB/s at {p.Threads} threads: {p.BandwidthGbs}");
            Assert.True(p.CacheBandwidthGbs is { } c && double.IsFinite(c) && c > 0, $"in-cache GB/s at {p.Threads} threads: {p.CacheBandwidthGbs}");
        });
        Assert.Equal((FmaKernel.Name(set), FmaKernel.Lanes(set), 1L << 20), (peaks.InstructionSet, peaks.Lanes, peaks.TriadArrayBytes));
    }

    [Fact]
    public void The_FMA_loop_stays_near_one_and_counts_accumulators_times_lanes_times_two_flops_per_step()
    {
        float sum = FmaKernel.Run(FmaKernel.Widest, 1_000_000);
        int values = FmaKernel.Accumulators * FmaKernel.Lanes(FmaKernel.Widest);
        Assert.Equal(values, sum, values * 1e-3); // every lane at its fixed point 1: no denormals, no overflow
        Assert.Equal(1000.0 * 12 * 8 * 2, FmaKernel.Flops(FmaInstructionSet.FmaVector256, 1000));
    }

    [Fact]
    public void The_triad_computes_b_plus_s_times_c_on_every_element_of_uneven_chunks_and_counts_three_arrays_of_four_bytes()
    {
        var triad = new StreamTriad(1003);
        for (int part = 0; part < 3; part++) triad.Initialise(part, 3);
        for (int part = 0; part < 3; part++) triad.Run(part, 3);

        Assert.All(Enumerable.Range(0, 1003), i => Assert.Equal(2.0f + StreamTriad.Scalar * 0.5f, triad.A(i)));
        Assert.Equal(3.0 * 4 * 1003, triad.BytesPerPass);
        Assert.Equal(1003, Enumerable.Range(0, 3).Sum(p => triad.Chunk(p, 3).Length));
    }

    [Fact]
    public void Triad_arrays_are_four_times_the_last_level_cache_or_of_the_fallback_size_and_fit_a_quarter_of_memory()
    {
        Assert.Equal(128L << 20, MachinePeaksProbe.TriadArrayBytes(Machine).Bytes);
        var noCache = Machine with { Caches = [] };
        Assert.Equal(4 * MachinePeaksProbe.FallbackLastLevelCacheBytes, MachinePeaksProbe.TriadArrayBytes(noCache).Bytes);
        Assert.Contains("assumed", MachinePeaksProbe.TriadArrayBytes(noCache).Why);
        Assert.Equal(4 * 2 * (32L << 20), MachinePeaksProbe.TriadArrayBytes(Machine, instances: 2).Bytes);
        var small = Machine with { MemoryBytes = 1L << 30 };
        Assert.Equal((1L << 30) / 12, MachinePeaksProbe.TriadArrayBytes(small).Bytes);
    }

    [Fact]
    public void Last_level_caches_are_counted_by_their_distinct_shared_processor_lists()
    {
        using var folder = new TemporaryFolder();
        // Four processors, two L3s (cpu0-1 and cpu2-3), and a private L2 each that must not be counted.
        foreach (int cpu in new[] { 0, 1, 2, 3 })
        {
            folder.Write($"cpu{cpu}/cache/index3/level", "3\n");
            folder.Write($"cpu{cpu}/cache/index3/shared_cpu_list", cpu < 2 ? "0-1\n" : "2-3\n");
            folder.Write($"cpu{cpu}/cache/index2/level", "2\n");
            folder.Write($"cpu{cpu}/cache/index2/shared_cpu_list", $"{cpu}\n");
        }

        Assert.Equal(2, MachinePeaksProbe.LastLevelCacheInstances(folder.Path));
        Assert.Equal(1, MachinePeaksProbe.LastLevelCacheInstances(folder.Combine("absent")));
    }

    [Fact]
    public void The_cache_probes_on_a_miss_then_hits_and_probes_again_for_another_fingerprint_a_new_thread_count_or_a_refresh()
    {
        using var folder = new TemporaryFolder();
        var cache = new MachinePeaksCache(Path.Combine(folder.Path, "fff"));
        var probe = new CountingProbe();

        var first = cache.GetOrProbe(Machine, [1, 2], refresh: false, probe.Probe);
        var second = cache.GetOrProbe(Machine, [2], refresh: false, probe.Probe);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Single(probe.Calls);
        Assert.Equal(first.Peaks.At(2), second.Peaks.At(2));
        Assert.True(File.Exists(first.File));
        Assert.Equal(MachinePeaksCache.KeyOf(Machine), second.Peaks.FingerprintKey);

        var other = cache.GetOrProbe(Machine with { CpuModel = "Another CPU" }, [1, 2], refresh: false, probe.Probe);
        Assert.False(other.FromCache);
        Assert.NotEqual(first.File, other.File);

        var wider = cache.GetOrProbe(Machine, [4], refresh: false, probe.Probe);
        Assert.False(wider.FromCache);
        Assert.Equal([1, 2, 4], probe.Calls[^1]); // one file holds one probe: the cached counts are measured again with the new one

        var refreshed = cache.GetOrProbe(Machine, [1], refresh: true, probe.Probe);
        Assert.False(refreshed.FromCache);
        Assert.Equal([1], probe.Calls[^1]);
        Assert.Equal(4, probe.Calls.Count);
        Assert.Equal(refreshed.Peaks.At(1), cache.GetOrProbe(Machine, [1], refresh: false, probe.Probe).Peaks.At(1));
    }

    [Fact]
    public void A_torn_or_older_version_cache_file_is_probed_again_and_overwritten()
    {
        using var folder = new TemporaryFolder();
        var cache = new MachinePeaksCache(folder.Path);
        var probe = new CountingProbe();
        File.WriteAllText(cache.FileOf(Machine), "{ \"probe_version\": ");
        Assert.False(cache.GetOrProbe(Machine, [1], refresh: false, probe.Probe).FromCache);

        string json = File.ReadAllText(cache.FileOf(Machine)).Replace($"\"probe_version\": {MachinePeaksProbe.Version}", "\"probe_version\": 0");
        File.WriteAllText(cache.FileOf(Machine), json);
        Assert.False(cache.GetOrProbe(Machine, [1], refresh: false, probe.Probe).FromCache);
        Assert.True(cache.GetOrProbe(Machine, [1], refresh: false, probe.Probe).FromCache);
        Assert.Equal(2, probe.Calls.Count);
    }

    [Fact]
    public void The_theoretical_peak_is_cores_times_frequency_times_FMA_units_times_lanes_times_two()
    {
        var peak = TheoreticalFmaPeak.Compute(8, (3.0, "test"), 16);
        Assert.Equal(8 * 3.0 * 2 * 16 * 2, peak.Gflops);
        Assert.Null(TheoreticalFmaPeak.Compute(8, (null, "unknown"), 16).Gflops);

        Assert.Equal(3.5, TheoreticalFmaPeak.Frequency("3500000\n", "processor : 0\ncpu MHz : 2600.0\n").Ghz);
        Assert.Equal(2.6, TheoreticalFmaPeak.Frequency(null, "processor : 0\ncpu MHz : 2600.000\n").Ghz);
        Assert.Equal(2.1, TheoreticalFmaPeak.Frequency(null, "processor : 0\nmodel name : Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz\n").Ghz);
        Assert.Null(TheoreticalFmaPeak.Frequency(null, "processor : 0\n").Ghz);

        const string zen4 = "processor : 0\nvendor_id : AuthenticAMD\ncpu family : 25\n";
        Assert.Equal(1, TheoreticalFmaPeak.FmaUnits(zen4, lanes: 16).Count);
        Assert.Equal(2, TheoreticalFmaPeak.FmaUnits(zen4, lanes: 8).Count);
        Assert.Equal(2, TheoreticalFmaPeak.FmaUnits("processor : 0\nvendor_id : GenuineIntel\ncpu family : 6\n", lanes: 16).Count);
    }

    [Fact]
    public void Threads_take_one_processor_per_physical_core_before_any_SMT_sibling()
    {
        using var folder = new TemporaryFolder();
        // Two cores with two hyperthreads each: cpu0/cpu2 share a core, cpu1/cpu3 the other.
        foreach (var (cpu, siblings) in new[] { (0, "0,2"), (1, "1,3"), (2, "0,2"), (3, "1,3") })
        {
            string topology = Path.Combine(folder.Path, $"cpu{cpu}", "topology");
            Directory.CreateDirectory(topology);
            File.WriteAllText(Path.Combine(topology, "core_cpus_list"), siblings + "\n");
        }

        Assert.Equal([0, 1, 2, 3], CorePlacement.FromTopology(folder.Path, new HashSet<int> { 0, 1, 2, 3 }).Processors);
        Assert.Equal([1, 2, 3], CorePlacement.FromTopology(folder.Path, new HashSet<int> { 1, 2, 3 }).Processors);
        Assert.Empty(CorePlacement.FromTopology(Path.Combine(folder.Path, "absent"), new HashSet<int> { 0 }).Processors);
    }

    [Fact]
    public void The_doctor_section_lists_the_peaks_per_thread_count_beside_the_theoretical_peak_in_text_and_json()
    {
        var cached = new CachedPeaks(Peaks((1, 55.5, 12.24), (2, 101.0, 20.0)), FromCache: true, "/cache/machine-peaks-x.json", null);
        var section = new MachinePeaksDiagnosis(refresh: false).Describe(cached);

        // Theoretical: 2 cores × 2 GHz × 2 FMA units × 16 lanes × 2 = 256 GFLOP/s, 128 per core.
        Assert.Equal(["1", "55.5", "12.2", "unknown", "128.0", "43 %"], section.Rows[0]);
        Assert.Equal(["2", "101.0", "20.0", "unknown", "256.0", "39 %"], section.Rows[1]);
        Assert.Contains(section.Notes, n => n.Contains("theoretical FMA peak 256.0 GFLOP/s = 2 cores x 2.00 GHz x 2 FMA units x 16 lanes x 2", StringComparison.Ordinal));
        Assert.Contains(section.Notes, n => n.Contains("from the cache", StringComparison.Ordinal) && n.Contains("--reprobe", StringComparison.Ordinal));

        var report = new DiagnosisReport([], null, 0, CacheInventory.None(), Machine, [section]);
        var row = DoctorCommand.ToJson(report)["sections"]![0]!["rows"]![1]!;
        Assert.Equal("101.0", (string?)row["FMA peak (GFLOP/s)"]);
        Assert.Equal("20.0", (string?)row["triad bandwidth (GB/s)"]);
    }

    [Fact]
    public void The_doctor_asks_for_1_2_4_threads_and_so_on_up_to_the_physical_cores()
    {
        Assert.Equal([1], MachinePeaksDiagnosis.ThreadCounts(1));
        Assert.Equal([1, 2, 4, 6], MachinePeaksDiagnosis.ThreadCounts(6));
        Assert.Equal([1, 2, 4, 8], MachinePeaksDiagnosis.ThreadCounts(8));

        IReadOnlyList<int>? asked = null;
        var section = new MachinePeaksDiagnosis(refresh: true, (m, threads, refresh) =>
        {
            asked = threads;
            Assert.True(refresh);
            return new CachedPeaks(Peaks([.. threads.Select(t => (t, 1.0, 1.0))]), false, "f", null);
        }).Collect();
        Assert.Equal(MachinePeaksDiagnosis.ThreadCounts(MachineInspector.Inspect().PhysicalCores), asked);
        Assert.Equal(asked!.Count, section.Rows.Count);
    }
}
