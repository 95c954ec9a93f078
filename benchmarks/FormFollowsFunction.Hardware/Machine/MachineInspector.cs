using System.Globalization;
using System.Runtime.InteropServices;
using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Machine;

/// <summary>
/// Reads what a result depends on about the machine from /proc, /sys, /etc/os-release and CPUID. Every
/// file is read below a root folder, so tests can hand it a recorded machine; missing files give a fact
/// with no value and the reason instead of an error.
/// </summary>
public sealed class MachineInspector
{
    private readonly string _root;
    private readonly ICpuid? _cpuid;

    /// <param name="rootDirectory">Where <c>proc</c>, <c>sys</c> and <c>etc</c> are: <c>/</c> for this machine.</param>
    /// <param name="cpuid">The processor's CPUID, or null where there is none (not x86).</param>
    internal MachineInspector(string rootDirectory, ICpuid? cpuid)
    {
        _root = rootDirectory;
        _cpuid = cpuid;
    }

    /// <summary>This machine.</summary>
    public static MachineInspector Local { get; } = new("/", LiveCpuid.OnThisProcessor);

    /// <summary>The fingerprint of this machine, for run manifests.</summary>
    public static MachineFingerprint Inspect() => Local.Fingerprint();

    private string PathOf(string absolute) => Path.Combine(_root, absolute.TrimStart('/'));

    private string? ReadText(string absolute)
    {
        try
        {
            string path = PathOf(absolute);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string? ReadLine(string absolute) => ReadText(absolute)?.Trim() is { Length: > 0 } line ? line : null;

    private ProcCpuInfo CpuInfo => ProcCpuInfo.Parse(ReadText("/proc/cpuinfo") ?? "");

    public MachineFingerprint Fingerprint()
    {
        var cpuInfo = CpuInfo;
        var (physicalCores, physicalSource) = PhysicalCores(cpuInfo);
        var facts = Facts(cpuInfo);
        facts["physical_cores"] = new MachineFact(physicalCores.ToString(CultureInfo.InvariantCulture), physicalSource);
        return new MachineFingerprint
        {
            Hostname = ReadLine("/proc/sys/kernel/hostname") ?? Environment.MachineName,
            CpuModel = cpuInfo.ModelName ?? "unknown",
            LogicalCores = LogicalCores(cpuInfo),
            PhysicalCores = physicalCores,
            MemoryBytes = MemoryBytes(ReadText("/proc/meminfo") ?? "") ?? 0,
            Os = OsName(ReadText("/etc/os-release")) ?? RuntimeInformation.OSDescription,
            Kernel = ReadLine("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString(),
            Architecture = ArchitectureName(RuntimeInformation.OSArchitecture),
            Caches = Caches().Levels,
            Facts = facts,
        };
    }

    /// <summary>Cache levels from sysfs, or from CPUID where sysfs has none, with notes on the choice.</summary>
    public CacheInventory Caches()
    {
        const string folder = "/sys/devices/system/cpu/cpu0/cache";
        var fromSysfs = SysfsCaches.Read(PathOf(folder));
        if (fromSysfs.Count > 0) return new CacheInventory(fromSysfs, []);
        string why = $"sysfs has no cache entries ({folder} {(Directory.Exists(PathOf(folder)) ? "is empty" : "is absent")})";
        if (_cpuid is null) return CacheInventory.None(why, "no CPUID on this processor architecture; cache sizes unknown");
        var fromCpuid = CpuidCaches.Discover(_cpuid);
        return fromCpuid with { Notes = [$"{why}; sizes from CPUID", .. fromCpuid.Notes] };
    }

    private int LogicalCores(ProcCpuInfo cpuInfo)
    {
        if (cpuInfo.LogicalProcessors > 0) return cpuInfo.LogicalProcessors;
        if (ReadLine("/sys/devices/system/cpu/online") is { } online && CpuList.Count(online) is > 0 and var n) return n;
        return Environment.ProcessorCount;
    }

    /// <summary>
    /// Physical cores: distinct sibling lists in sysfs topology (one per core, unambiguous across dies and
    /// architectures), else distinct (physical id, core id) pairs of /proc/cpuinfo, else the logical count.
    /// </summary>
    private (int Count, string Source) PhysicalCores(ProcCpuInfo cpuInfo)
    {
        string cpuFolder = PathOf("/sys/devices/system/cpu");
        if (Directory.Exists(cpuFolder))
        {
            var siblingLists = Directory.EnumerateDirectories(cpuFolder, "cpu*")
                .Where(d => Path.GetFileName(d)[3..].All(char.IsAsciiDigit) && Path.GetFileName(d).Length > 3)
                .Select(d => ReadSiblings(Path.Combine(d, "topology")))
                .ToList();
            if (siblingLists.Count > 0 && siblingLists.All(s => s is not null))
                return (siblingLists.Distinct().Count(), "distinct core_cpus_list (thread_siblings_list) in /sys/devices/system/cpu/cpu*/topology");
        }
        if (cpuInfo.PhysicalCoresFromIds is { } pairs)
            return (pairs, "distinct (physical id, core id) pairs in /proc/cpuinfo (sysfs topology unreadable)");
        int logical = LogicalCores(cpuInfo);
        return (logical, "assumed equal to logical cores: neither sysfs topology nor /proc/cpuinfo core ids are available");
    }

    private static string? ReadSiblings(string topology)
    {
        foreach (var name in new[] { "core_cpus_list", "thread_siblings_list" })
        {
            string path = Path.Combine(topology, name);
            if (File.Exists(path)) return File.ReadAllText(path).Trim();
        }
        return null;
    }

    /// <summary>MemTotal of /proc/meminfo in bytes.</summary>
    public static long? MemoryBytes(string meminfo)
    {
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            var parts = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                return parts.Length >= 2 && parts[1] == "kB" ? value * 1024 : value;
        }
        return null;
    }

    /// <summary>PRETTY_NAME of /etc/os-release, else NAME and VERSION.</summary>
    public static string? OsName(string? osRelease)
    {
        if (osRelease is null) return null;
        var values = new Dictionary<string, string>();
        foreach (var line in osRelease.Split('\n'))
        {
            int equals = line.IndexOf('=');
            if (equals <= 0) continue;
            values.TryAdd(line[..equals].Trim(), line[(equals + 1)..].Trim().Trim('"', '\''));
        }
        if (values.TryGetValue("PRETTY_NAME", out var pretty) && pretty.Length > 0) return pretty;
        if (values.TryGetValue("NAME", out var name)) return values.TryGetValue("VERSION", out var version) ? $"{name} {version}" : name;
        return null;
    }

    /// <summary>The name <c>uname -m</c> prints.</summary>
    public static string ArchitectureName(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.X86 => "i686",
        Architecture.Arm64 => "aarch64",
        Architecture.Arm => "armv7l",
        Architecture.RiscV64 => "riscv64",
        Architecture.LoongArch64 => "loongarch64",
        Architecture.Ppc64le => "ppc64le",
        Architecture.S390x => "s390x",
        _ => architecture.ToString().ToLowerInvariant(),
    };

    private Dictionary<string, MachineFact> Facts(ProcCpuInfo cpuInfo) => new()
    {
        ["microcode"] = Microcode(cpuInfo),
        ["governor"] = Governor(),
        ["turbo"] = Turbo(),
        ["smt"] = Smt(),
        ["numa_nodes"] = NumaNodes(),
        ["virtualised"] = Virtualised(cpuInfo),
        ["perf_event_paranoid"] = ReadLine("/proc/sys/kernel/perf_event_paranoid") is { } p
            ? new MachineFact(p, "/proc/sys/kernel/perf_event_paranoid")
            : new MachineFact(null, "/proc/sys/kernel/perf_event_paranoid is absent: the kernel has no perf events"),
        ["hardware_pmu"] = HardwarePmu(),
    };

    private MachineFact Microcode(ProcCpuInfo cpuInfo)
    {
        if (cpuInfo.Microcode is { } revision) return new MachineFact(revision, "/proc/cpuinfo (microcode)");
        if (ReadLine("/sys/devices/system/cpu/cpu0/microcode/version") is { } version)
            return new MachineFact(version, "/sys/devices/system/cpu/cpu0/microcode/version");
        return new MachineFact(null, "not reported: no microcode line in /proc/cpuinfo and no /sys/devices/system/cpu/cpu0/microcode (virtual machines usually hide it)");
    }

    private MachineFact Governor()
    {
        const string path = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";
        if (ReadLine(path) is { } governor)
        {
            string driver = ReadLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_driver") is { } d ? $" (driver {d})" : "";
            return new MachineFact(governor, path + driver);
        }
        return new MachineFact(null, "no cpufreq in sysfs (/sys/devices/system/cpu/cpu0/cpufreq absent): no frequency-scaling driver, as in most virtual machines");
    }

    private MachineFact Turbo()
    {
        const string noTurbo = "/sys/devices/system/cpu/intel_pstate/no_turbo";
        if (ReadLine(noTurbo) is { } disabled) return new MachineFact(disabled == "0" ? "on" : "off", noTurbo);
        foreach (var path in new[] { "/sys/devices/system/cpu/cpufreq/boost", "/sys/devices/system/cpu/cpufreq/policy0/boost" })
            if (ReadLine(path) is { } boost) return new MachineFact(boost == "1" ? "on" : "off", path);
        return new MachineFact(null, "no intel_pstate/no_turbo or cpufreq boost file: the kernel does not control turbo here (virtual machine, or no frequency driver)");
    }

    private MachineFact Smt()
    {
        const string active = "/sys/devices/system/cpu/smt/active";
        if (ReadLine(active) is not { } value)
            return new MachineFact(null, "/sys/devices/system/cpu/smt is absent (kernel without SMT control)");
        string control = ReadLine("/sys/devices/system/cpu/smt/control") is { } c ? $" (control: {c})" : "";
        return new MachineFact(value == "1" ? "on" : "off", active + control);
    }

    private MachineFact NumaNodes()
    {
        const string online = "/sys/devices/system/node/online";
        if (ReadLine(online) is { } list && CpuList.Count(list) is { } count)
            return new MachineFact(count.ToString(CultureInfo.InvariantCulture), online);
        return new MachineFact(null, "/sys/devices/system/node/online is absent (kernel without NUMA)");
    }

    private MachineFact Virtualised(ProcCpuInfo cpuInfo)
    {
        if (cpuInfo.HypervisorFlag is { } flag)
        {
            if (!flag) return new MachineFact("no", "/proc/cpuinfo flags (no hypervisor flag)");
            string signature = "";
            if (_cpuid is not null && _cpuid.Query(1).Ecx >> 31 == 1)
                signature = CpuidText.HypervisorSignature(_cpuid.Query(0x4000_0000)) is { Length: > 0 } s ? $" ({s})" : "";
            return new MachineFact("yes" + signature, "/proc/cpuinfo flags (hypervisor)" + (signature.Length > 0 ? ", cpuid 0x40000000" : ""));
        }
        if (ReadLine("/sys/hypervisor/type") is { } type) return new MachineFact($"yes ({type})", "/sys/hypervisor/type");
        return new MachineFact(null, "cannot tell: no x86 hypervisor flag on this architecture and no /sys/hypervisor/type");
    }

    private MachineFact HardwarePmu()
    {
        var sources = new EventSources(PathOf("/sys/bus/event_source/devices"));
        var names = sources.PmuNames;
        string source = $"/sys/bus/event_source/devices ({(names.Count > 0 ? string.Join(", ", names) : "empty or absent")})";
        var core = names.Where(EventSources.IsCorePmu).ToList();
        return new MachineFact(core.Count > 0 ? $"present ({string.Join(", ", core)})" : "absent", source);
    }
}
