using System.Globalization;
using System.Runtime.InteropServices;
using FormFollowsFunction.Hardware.Machine;

namespace FormFollowsFunction.Hardware.Roofline;

/// <summary>
/// Which logical processor each probe thread is pinned to: the first processor of every physical core
/// the process may run on, then their SMT siblings, so that n threads get n cores while there are
/// cores. Read from sysfs topology and the process's affinity mask (Linux); elsewhere, or when they
/// cannot be read, threads are not pinned and <see cref="Description"/> says so.
/// </summary>
public sealed partial class CorePlacement
{
    private CorePlacement(IReadOnlyList<int> processors, string description)
    {
        Processors = processors;
        Description = description;
    }

    /// <summary>Logical processors in the order threads take them; empty when threads are not pinned.</summary>
    public IReadOnlyList<int> Processors { get; }

    public string Description { get; }

    public static CorePlacement Unpinned(string why) => new([], $"not pinned: {why}");

    /// <summary>The placement on this machine.</summary>
    public static CorePlacement Local()
    {
        if (!OperatingSystem.IsLinux()) return Unpinned("thread affinity is set only on Linux");
        var allowed = AllowedProcessors();
        if (allowed is null) return Unpinned($"sched_getaffinity failed (errno {Marshal.GetLastPInvokeError()})");
        return FromTopology("/sys/devices/system/cpu", allowed);
    }

    /// <summary>
    /// The order from the core sibling lists under <paramref name="cpuFolder"/> (cpuN/topology/core_cpus_list,
    /// or thread_siblings_list on older kernels), restricted to <paramref name="allowed"/>.
    /// </summary>
    internal static CorePlacement FromTopology(string cpuFolder, IReadOnlySet<int> allowed)
    {
        var cores = new List<IReadOnlyList<int>>();
        var seen = new HashSet<string>();
        foreach (int cpu in allowed.Order())
        {
            string topology = Path.Combine(cpuFolder, $"cpu{cpu.ToString(CultureInfo.InvariantCulture)}", "topology");
            string? list = new[] { "core_cpus_list", "thread_siblings_list" }.Select(n => Path.Combine(topology, n)).Where(File.Exists)
                .Select(f => File.ReadAllText(f).Trim()).FirstOrDefault();
            if (list is null || CpuList.Parse(list) is not { } siblings)
                return Unpinned($"no core sibling list for cpu{cpu} in {topology}");
            if (seen.Add(list)) cores.Add([.. siblings.Where(allowed.Contains).Order()]);
        }
        if (cores.Count == 0) return Unpinned("the process may run on no processor");
        int depth = cores.Max(c => c.Count);
        var order = Enumerable.Range(0, depth).SelectMany(i => cores.Where(c => c.Count > i).Select(c => c[i])).ToList();
        return new CorePlacement(order,
            $"pinned with sched_setaffinity, one thread per physical core first ({cores.Count} cores, {order.Count} logical processors allowed), then SMT siblings");
    }

    /// <summary>Pins the calling thread to the processor of thread <paramref name="index"/>; false when not pinned.</summary>
    public bool PinCurrentThread(int index)
    {
        if (Processors.Count == 0) return false;
        int cpu = Processors[index % Processors.Count];
        var mask = new ulong[MaskWords];
        mask[cpu / 64] |= 1UL << (cpu % 64);
        return SchedSetAffinity(0, MaskWords * sizeof(ulong), mask) == 0;
    }

    // 1024 processors, glibc's CPU_SETSIZE.
    private const int MaskWords = 16;

    private static HashSet<int>? AllowedProcessors()
    {
        var mask = new ulong[MaskWords];
        if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0) return null;
        var allowed = new HashSet<int>();
        for (int cpu = 0; cpu < MaskWords * 64; cpu++)
            if ((mask[cpu / 64] >> (cpu % 64) & 1) == 1) allowed.Add(cpu);
        return allowed;
    }

    // pid 0: the calling thread (Linux applies affinity per thread).
    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint size, ulong[] mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nint size, [Out] ulong[] mask);
}
