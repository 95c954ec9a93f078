using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>The machine fingerprint read from recorded /proc, /sys and /etc files of a bare-metal and a virtual machine.</summary>
public sealed class MachineInspectorTests
{
    // Two logical processors of one core (SMT), laid out as /proc/cpuinfo prints them on an Intel host.
    private const string IntelCpuInfo = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz
        microcode	: 0x5003604
        physical id	: 0
        core id		: 0
        flags		: fpu vme de pse tsc msr sse sse2 ht

        processor	: 1
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz
        microcode	: 0x5003604
        physical id	: 0
        core id		: 0
        flags		: fpu vme de pse tsc msr sse sse2 ht

        processor	: 2
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz
        microcode	: 0x5003604
        physical id	: 0
        core id		: 1
        flags		: fpu vme de pse tsc msr sse sse2 ht


        """;

    private static TemporaryFolder BareMetalIntel()
    {
        var root = new TemporaryFolder();
        root.Write("proc/cpuinfo", IntelCpuInfo);
        root.Write("proc/meminfo", "MemTotal:       395948628 kB\nMemFree:        1000 kB\n");
        root.Write("proc/sys/kernel/hostname", "lab-node-3\n");
        root.Write("proc/sys/kernel/osrelease", "6.8.0-45-generic\n");
        root.Write("proc/sys/kernel/perf_event_paranoid", "1\n");
        root.Write("etc/os-release", "NAME=\"Ubuntu\"\nVERSION=\"24.04.1 LTS (Noble Numbat)\"\nPRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\n");
        root.Write("sys/devices/system/cpu/cpu0/topology/core_cpus_list", "0-1\n");
        root.Write("sys/devices/system/cpu/cpu1/topology/core_cpus_list", "0-1\n");
        root.Write("sys/devices/system/cpu/cpu2/topology/core_cpus_list", "2\n");
        root.Write("sys/devices/system/cpu/cpufreq/policy0/scaling_governor", "performance\n"); // not a cpuN folder
        root.Write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
        root.Write("sys/devices/system/cpu/cpu0/cpufreq/scaling_driver", "intel_pstate\n");
        root.Write("sys/devices/system/cpu/intel_pstate/no_turbo", "1\n");
        root.Write("sys/devices/system/cpu/smt/active", "1\n");
        root.Write("sys/devices/system/cpu/smt/control", "on\n");
        root.Write("sys/devices/system/node/online", "0-1\n");
        root.Write("sys/devices/system/cpu/cpu0/cache/index0/level", "1");
        root.Write("sys/devices/system/cpu/cpu0/cache/index0/type", "Data");
        root.Write("sys/devices/system/cpu/cpu0/cache/index0/size", "32K");
        root.Write("sys/devices/system/cpu/cpu0/cache/index3/level", "3");
        root.Write("sys/devices/system/cpu/cpu0/cache/index3/type", "Unified");
        root.Write("sys/devices/system/cpu/cpu0/cache/index3/size", "36608K");
        root.Write("sys/bus/event_source/devices/cpu/type", "4");
        root.Write("sys/bus/event_source/devices/software/type", "1");
        return root;
    }

    [Fact]
    public void A_bare_metal_machine_is_read_from_its_files()
    {
        using var root = BareMetalIntel();
        var m = new MachineInspector(root.Path, RecordedCpuid.XeonGold6252).Fingerprint();

        Assert.Equal("lab-node-3", m.Hostname);
        Assert.Equal("Intel(R) Xeon(R) Gold 6252 CPU @ 2.10GHz", m.CpuModel);
        Assert.Equal(3, m.LogicalCores);
        Assert.Equal(2, m.PhysicalCores);
        Assert.Equal(395948628L * 1024, m.MemoryBytes);
        Assert.Equal("Ubuntu 24.04.1 LTS", m.Os);
        Assert.Equal("6.8.0-45-generic", m.Kernel);
        // sysfs wins over CPUID when it has entries.
        Assert.Equal([new CacheLevel(1, "Data", 32 * 1024, "sysfs"), new CacheLevel(3, "Unified", 36608L * 1024, "sysfs")], m.Caches);
        Assert.Equal(36608L * 1024, m.LastLevelCacheBytes);

        Assert.Equal(new MachineFact("0x5003604", "/proc/cpuinfo (microcode)"), m.Facts["microcode"]);
        Assert.Equal("performance", m.Facts["governor"].Value);
        Assert.Contains("intel_pstate", m.Facts["governor"].Source);
        Assert.Equal(new MachineFact("off", "/sys/devices/system/cpu/intel_pstate/no_turbo"), m.Facts["turbo"]);
        Assert.Equal("on", m.Facts["smt"].Value);
        Assert.Equal("2", m.Facts["numa_nodes"].Value);
        Assert.Equal("no", m.Facts["virtualised"].Value);
        Assert.Equal("1", m.Facts["perf_event_paranoid"].Value);
        Assert.Equal("present (cpu)", m.Facts["hardware_pmu"].Value);
        Assert.Contains("core_cpus_list", m.Facts["physical_cores"].Source);
    }

    [Fact]
    public void Without_sysfs_topology_cores_come_from_cpuinfo_ids_and_the_fallback_is_named()
    {
        using var root = new TemporaryFolder();
        root.Write("proc/cpuinfo", IntelCpuInfo);
        var m = new MachineInspector(root.Path, RecordedCpuid.XeonGold6252).Fingerprint();
        Assert.Equal(2, m.PhysicalCores);
        Assert.Contains("(physical id, core id) pairs in /proc/cpuinfo", m.Facts["physical_cores"].Source);
    }

    [Fact]
    public void A_virtual_machine_without_sysfs_caches_falls_back_to_CPUID_and_explains_every_missing_fact()
    {
        using var root = new TemporaryFolder();
        root.Write("proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 hypervisor avx2\n\nprocessor\t: 1\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 hypervisor avx2\n");
        root.Write("sys/devices/system/cpu/smt/active", "0");
        root.Write("sys/devices/system/cpu/smt/control", "notsupported");
        foreach (var pmu in new[] { "breakpoint", "msr", "software", "tracepoint", "uprobe" }) root.Write($"sys/bus/event_source/devices/{pmu}/type", "1");
        var inspector = new MachineInspector(root.Path, RecordedCpuid.EpycVirtualMachine);
        var m = inspector.Fingerprint();

        Assert.Equal(2, m.LogicalCores);
        Assert.Equal(2, m.PhysicalCores);
        Assert.Contains("assumed equal to logical cores", m.Facts["physical_cores"].Source);
        Assert.Equal(508L * 1024 * 1024, m.LastLevelCacheBytes);
        Assert.All(m.Caches, c => Assert.StartsWith("cpuid 0x8000000", c.Source));
        Assert.Contains(inspector.Caches().Notes, n => n.StartsWith("sysfs has no cache entries (/sys/devices/system/cpu/cpu0/cache is absent); sizes from CPUID"));

        Assert.Equal("yes (bhyve bhyve)", m.Facts["virtualised"].Value);
        Assert.Equal("off", m.Facts["smt"].Value);
        Assert.Contains("notsupported", m.Facts["smt"].Source);
        Assert.Equal("absent", m.Facts["hardware_pmu"].Value);
        Assert.Contains("breakpoint, msr, software, tracepoint, uprobe", m.Facts["hardware_pmu"].Source);
        foreach (var name in new[] { "microcode", "governor", "turbo", "numa_nodes", "perf_event_paranoid" })
        {
            Assert.Null(m.Facts[name].Value);
            Assert.False(string.IsNullOrWhiteSpace(m.Facts[name].Source), $"{name} has no reason");
        }
    }

    [Fact]
    public void Without_CPUID_or_sysfs_the_cache_sizes_are_unknown_and_say_why()
    {
        using var root = new TemporaryFolder();
        var caches = new MachineInspector(root.Path, cpuid: null).Caches();
        Assert.Empty(caches.Levels);
        Assert.Contains(caches.Notes, n => n.Contains("no CPUID"));
    }

    [Fact]
    public void ARM_cpuinfo_names_the_part_when_it_has_no_model_line()
    {
        var info = ProcCpuInfo.Parse("processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n");
        Assert.Equal(2, info.LogicalProcessors);
        Assert.Equal("ARM implementer 0x41 part 0xd0c", info.ModelName);
        Assert.Null(info.PhysicalCoresFromIds);
        Assert.Null(info.HypervisorFlag);
        Assert.Null(info.Microcode);
    }

    [Theory]
    [InlineData("0", 1)]
    [InlineData("0-1", 2)]
    [InlineData("0-3,8-11", 8)]
    [InlineData("0,2,4", 3)]
    [InlineData("", 0)]
    [InlineData("3-1", null)]
    [InlineData("a", null)]
    public void Kernel_cpu_lists_are_counted(string list, int? count) => Assert.Equal(count, CpuList.Count(list));

    [Theory]
    [InlineData("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"", "Debian GNU/Linux 12 (bookworm)")]
    [InlineData("NAME=Fedora\nVERSION='40 (Server Edition)'", "Fedora 40 (Server Edition)")]
    [InlineData("ID=x", null)]
    public void The_OS_name_comes_from_os_release(string text, string? name) => Assert.Equal(name, MachineInspector.OsName(text));

    [Fact]
    public void This_machine_has_a_fingerprint_with_a_cache_size_on_x86()
    {
        var m = MachineInspector.Inspect();
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), m.Kernel);
        Assert.True(m.LogicalCores >= 1 && m.PhysicalCores >= 1 && m.PhysicalCores <= m.LogicalCores);
        Assert.True(m.MemoryBytes > 0);
        if (System.Runtime.Intrinsics.X86.X86Base.IsSupported) Assert.True(m.LastLevelCacheBytes > 0);
    }
}
