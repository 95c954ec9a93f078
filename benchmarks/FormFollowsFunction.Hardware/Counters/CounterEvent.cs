using FormFollowsFunction.Hardware.Counters.Native;

namespace FormFollowsFunction.Hardware.Counters;

/// <summary>Where an event's encoding comes from.</summary>
public enum CounterEventKind
{
    /// <summary>A generic hardware event (PERF_TYPE_HARDWARE), mapped by the kernel to the CPU's own event.</summary>
    Hardware,
    /// <summary>A generic cache event (PERF_TYPE_HW_CACHE: cache x operation x result).</summary>
    HardwareCache,
    /// <summary>A kernel software event (PERF_TYPE_SOFTWARE); present on every Linux, virtual machines included.</summary>
    Software,
    /// <summary>A CPU-specific event code for the core PMU (PERF_TYPE_RAW), from configuration.</summary>
    Raw,
    /// <summary>An event of a named PMU in /sys/bus/event_source/devices, from configuration.</summary>
    Pmu,
}

/// <summary>What excluding kernel mode (exclude_kernel, required by perf_event_paranoid 2) does to an event.</summary>
public enum KernelModeEffect
{
    /// <summary>The event happens in both modes; excluding the kernel counts the user-space part only.</summary>
    UserPartOnly,
    /// <summary>The event happens only in kernel mode (context switches, migrations): excluded, it reads zero, which would be false.</summary>
    KernelOnly,
    /// <summary>A clock of the task's time (task-clock): the kernel counts it the same either way.</summary>
    None,
}

/// <summary>
/// One countable event: a name (the key in readings, summaries and <c>counters_status</c>) and its
/// perf_event_open encoding. The built-in catalog covers the results columns; configuration adds CPU- or
/// PMU-specific events with <see cref="CounterEventSpec"/> syntax (see docs/counters.md).
/// </summary>
public sealed record CounterEvent
{
    internal CounterEvent(string name, CounterEventKind kind, string description, uint type, ulong config,
        ulong config1 = 0, ulong config2 = 0, KernelModeEffect kernelMode = KernelModeEffect.UserPartOnly,
        string? pmu = null, IReadOnlyList<PmuTerm>? terms = null, string? spec = null)
    {
        Name = name;
        Kind = kind;
        Description = description;
        Type = type;
        Config = config;
        Config1 = config1;
        Config2 = config2;
        KernelMode = kernelMode;
        PmuName = pmu;
        Terms = terms ?? [];
        Spec = spec ?? name;
    }

    /// <summary>Lower-case name with underscores: <c>instructions</c>, <c>llc_load_misses</c>, <c>task_clock</c>, ...</summary>
    public string Name { get; }

    public CounterEventKind Kind { get; }

    /// <summary>What the event counts, in a few words, with its unit.</summary>
    public string Description { get; }

    /// <summary>The text this event was written as (the catalog name for built-ins).</summary>
    public string Spec { get; }

    public KernelModeEffect KernelMode { get; }

    /// <summary>perf_event_attr.type; for <see cref="CounterEventKind.Pmu"/> events it is read from sysfs when the event is opened.</summary>
    internal uint Type { get; }
    internal ulong Config { get; }
    internal ulong Config1 { get; }
    internal ulong Config2 { get; }

    /// <summary>The PMU's directory name under /sys/bus/event_source/devices, for <see cref="CounterEventKind.Pmu"/> events.</summary>
    public string? PmuName { get; }

    /// <summary>The <c>term=value</c> pairs of a PMU event, placed into config words by the PMU's sysfs format when opened.</summary>
    public IReadOnlyList<PmuTerm> Terms { get; }

    /// <summary>A hardware-PMU event (generic, raw, or of a named PMU): one a virtual machine usually cannot count.</summary>
    public bool NeedsHardwarePmu => Kind is CounterEventKind.Hardware or CounterEventKind.HardwareCache or CounterEventKind.Raw;

    /// <summary>Human-readable encoding, as the doctor shows it.</summary>
    public string Encoding => Kind switch
    {
        CounterEventKind.Hardware => $"PERF_TYPE_HARDWARE config={Config}",
        CounterEventKind.HardwareCache => $"PERF_TYPE_HW_CACHE config=0x{Config:x}",
        CounterEventKind.Software => $"PERF_TYPE_SOFTWARE config={Config}",
        CounterEventKind.Raw => $"PERF_TYPE_RAW config=0x{Config:x}" + (Config1 != 0 ? $",config1=0x{Config1:x}" : "") + (Config2 != 0 ? $",config2=0x{Config2:x}" : ""),
        _ => $"{PmuName}/{string.Join(',', Terms)}/",
    };

    public override string ToString() => Name;

    // Generic hardware events (PERF_COUNT_HW_*).
    public static CounterEvent Cycles { get; } = new("cycles", CounterEventKind.Hardware, "CPU cycles (core clock, not reference clock)", PerfType.Hardware, 0);
    public static CounterEvent Instructions { get; } = new("instructions", CounterEventKind.Hardware, "instructions retired", PerfType.Hardware, 1);
    public static CounterEvent CacheReferences { get; } = new("cache_references", CounterEventKind.Hardware, "cache accesses as the CPU defines them (usually last-level cache)", PerfType.Hardware, 2);
    public static CounterEvent CacheMisses { get; } = new("cache_misses", CounterEventKind.Hardware, "cache misses as the CPU defines them (usually last-level cache)", PerfType.Hardware, 3);

    // PERF_TYPE_HW_CACHE config = cache id | (operation << 8) | (result << 16); LL = 2, READ = 0, ACCESS = 0, MISS = 1.
    public static CounterEvent LlcLoads { get; } = new("llc_loads", CounterEventKind.HardwareCache, "last-level cache read accesses (LLC-loads)", PerfType.HardwareCache, 2 | (0 << 8) | (0 << 16));
    public static CounterEvent LlcLoadMisses { get; } = new("llc_load_misses", CounterEventKind.HardwareCache, "last-level cache read misses (LLC-load-misses)", PerfType.HardwareCache, 2 | (0 << 8) | (1 << 16));

    // Software events (PERF_COUNT_SW_*).
    public static CounterEvent TaskClock { get; } = new("task_clock", CounterEventKind.Software, "CPU time of the counted threads, nanoseconds", PerfType.Software, 1, kernelMode: KernelModeEffect.None);
    public static CounterEvent PageFaults { get; } = new("page_faults", CounterEventKind.Software, "page faults (minor and major)", PerfType.Software, 2);
    public static CounterEvent ContextSwitches { get; } = new("context_switches", CounterEventKind.Software, "context switches of the counted threads", PerfType.Software, 3, kernelMode: KernelModeEffect.KernelOnly);
    public static CounterEvent CpuMigrations { get; } = new("cpu_migrations", CounterEventKind.Software, "moves of a counted thread to another CPU", PerfType.Software, 4, kernelMode: KernelModeEffect.KernelOnly);

    /// <summary>The events behind the counter columns of results.csv, in column order.</summary>
    public static IReadOnlyList<CounterEvent> Standard { get; } =
        [Instructions, Cycles, CacheReferences, CacheMisses, LlcLoads, LlcLoadMisses, TaskClock, ContextSwitches, PageFaults];

    /// <summary>Every built-in event: <see cref="Standard"/> and CPU migrations.</summary>
    public static IReadOnlyList<CounterEvent> Catalog { get; } = [.. Standard, CpuMigrations];

    /// <summary>A built-in event by name, or null.</summary>
    public static CounterEvent? Find(string name) => Catalog.FirstOrDefault(e => e.Name == name);

    /// <summary>
    /// The standard events with configured ones applied: a configured event named like a standard one
    /// (say <c>raw:llc_load_misses=0x...</c>) takes its place and fills its column; others are added at the end.
    /// </summary>
    public static IReadOnlyList<CounterEvent> StandardWith(IEnumerable<CounterEvent> configured)
    {
        var extra = configured.ToList();
        var duplicate = extra.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new CounterSpecException($"counter event name '{duplicate.Key}' is configured twice; give each event its own name");
        var byName = extra.ToDictionary(e => e.Name);
        var result = Standard.Select(e => byName.Remove(e.Name, out var replacement) ? replacement : e).ToList();
        result.AddRange(extra.Where(e => byName.ContainsKey(e.Name)));
        return result;
    }

    /// <summary>Parses one event spec (a catalog name, <c>raw:...</c> or <c>pmu:...</c>); see <see cref="CounterEventSpec"/>.</summary>
    public static CounterEvent Parse(string spec) => CounterEventSpec.Parse(spec);
}
