using System.Runtime.InteropServices;
using static FormFollowsFunction.Hardware.Counters.Native.PerfEventSyscalls;

namespace FormFollowsFunction.Hardware.Counters;

/// <summary>
/// Why an event cannot be counted here: <see cref="Summary"/> is the short wording used in
/// <c>counters_status</c> (stable: scripts may match on it), <see cref="Reason"/> the full explanation and
/// <see cref="Fix"/> what the user can do, as <c>fff doctor</c> prints them.
/// </summary>
public sealed record CounterUnavailability(string Summary, string Reason, string Fix, int? Errno = null)
{
    internal const string NoHardwarePmu = "no hardware PMU, virtual machine?";

    private static string Paranoid(int? level) => level is { } l ? $"perf_event_paranoid={l}" : "perf_event_paranoid";

    private const string ParanoidFix =
        "run `sudo sysctl kernel.perf_event_paranoid=1` (lets a process count its own threads in user and kernel mode), or give the program CAP_PERFMON; " +
        "in a container also allow perf_event_open (docker: --cap-add PERFMON, or a seccomp profile that permits it)";

    /// <summary>Explains an errno from perf_event_open for this event.</summary>
    /// <param name="hardwarePmuPresent">Whether sysfs lists a core PMU; without one, hardware events cannot exist.</param>
    /// <param name="paranoid">The perf_event_paranoid level, when readable.</param>
    /// <param name="refusedKernelFirst">The event was first refused with kernel mode included (EACCES/EPERM) and this errno came from the user-space-only retry.</param>
    public static CounterUnavailability FromOpenError(int errno, CounterEvent counterEvent, bool hardwarePmuPresent, int? paranoid, bool refusedKernelFirst = false)
    {
        switch (errno)
        {
            case ENOENT or EOPNOTSUPP or ENODEV when counterEvent.NeedsHardwarePmu && !hardwarePmuPresent:
                return new(NoHardwarePmu,
                    "the kernel has no hardware PMU to count this event: /sys/bus/event_source/devices lists no core PMU (cpu, cpu_core, armv8_*), as in most virtual machines",
                    "run on bare metal, or enable the hypervisor's virtual PMU (KVM/QEMU: -cpu host,pmu=on; VMware: \"virtualize CPU performance counters\"; cloud: a bare-metal or PMU-enabled instance)",
                    errno);
            case EINVAL or EOPNOTSUPP when refusedKernelFirst:
                return new(Paranoid(paranoid),
                    $"this PMU cannot exclude kernel mode, and {Paranoid(paranoid)} forbids counting kernel mode to an unprivileged process",
                    ParanoidFix, errno);
            case ENOENT or EOPNOTSUPP or ENODEV when counterEvent.Kind is CounterEventKind.Hardware or CounterEventKind.HardwareCache:
                return new("not supported by this CPU",
                    "the kernel has no mapping of this generic event to this CPU's PMU (AMD CPUs, for example, have no generic LLC-loads)",
                    "name a CPU-specific event in configuration instead, e.g. raw:llc_load_misses=0x... or pmu:cpu/event=..,umask=..,name=llc_load_misses/ (docs/counters.md)",
                    errno);
            case ENOENT or EOPNOTSUPP or ENODEV:
                return new("not supported by this PMU",
                    $"the {(counterEvent.PmuName is { } p ? $"{p} PMU" : "PMU")} does not support this event, or cannot count a single process ({Message(errno)})",
                    "check the event with `perf list --details` and `perf stat -e <event> -- true`; uncore PMUs (amd_l3, uncore_*) count whole CPUs, not one process",
                    errno);
            case EACCES or EPERM:
                return new(Paranoid(paranoid),
                    $"not permitted: {Paranoid(paranoid)} forbids this event to an unprivileged process" + (errno == EPERM ? ", or a container's seccomp profile blocks perf_event_open" : ""),
                    ParanoidFix, errno);
            case EINVAL:
                return new("invalid for this PMU",
                    "the kernel rejected the event's settings: config bits that this PMU does not define, or a PMU that counts only whole CPUs (uncore PMUs such as amd_l3 or uncore_imc cannot count one process)",
                    "check the encoding with `perf list --details <event>`; for per-process counts use an event of the core PMU (cpu)",
                    errno);
            case EMFILE:
                return new("too many open files", "the process has no free file descriptor for the counter", "raise the open-file limit (ulimit -n)", errno);
            case ENOSYS:
                return PerfEventsMissing();
            case EBUSY:
                return new("PMU busy", "another user holds the PMU's counters exclusively", "stop other profilers (perf record, VTune) and retry", errno);
            case E2BIG:
                return new("kernel too old", "the kernel does not accept this perf_event_attr size (it predates Linux 2.6.33)", "use a kernel from the last decade", errno);
            default:
                return new($"errno {errno}", $"perf_event_open failed: {Message(errno)} (errno {errno})", "see the ERRORS section of perf_event_open(2)", errno);
        }
    }

    /// <summary>The event happens only in kernel mode and kernel mode may not be counted: it would read a false zero.</summary>
    public static CounterUnavailability KernelOnlyEventInUserMode(int? paranoid) => new(
        $"kernel-mode event, {Paranoid(paranoid)}",
        $"this event happens only in kernel mode, and {Paranoid(paranoid)} allows counting user space only, where it would read a false zero",
        ParanoidFix);

    /// <summary>The event happens only in kernel mode and the group was asked to count user space only.</summary>
    public static CounterUnavailability KernelOnlyEventWithUserOnlyRequested() => new(
        "kernel-mode event, user space only requested",
        "this event happens only in kernel mode, and the counters were opened for user space only (CountedModes.UserOnly), where it would read a false zero",
        "open the counters for user and kernel mode (CountedModes.UserAndKernel)");

    /// <summary>perf events are not available at all (not Linux, no perf_event_open, unknown architecture).</summary>
    public static CounterUnavailability PerfEventsMissing() => new(
        "perf_event_open not available",
        OperatingSystem.IsLinux()
            ? "the kernel lacks perf events (CONFIG_PERF_EVENTS), a sandbox refuses the system call, or this architecture's call number is unknown"
            : "perf events are a Linux interface; counters are not read on this operating system",
        "run on Linux with perf events, outside a sandbox (seccomp profile) that blocks perf_event_open",
        ENOSYS);

    public static CounterUnavailability PmuAbsent(string pmu, IEnumerable<string> present) => new(
        $"PMU {pmu} absent",
        $"this machine has no PMU named '{pmu}' (/sys/bus/event_source/devices has: {string.Join(", ", present)})",
        "pick a PMU from `ls /sys/bus/event_source/devices`; PMU and event names differ between CPU vendors and generations");

    public static CounterUnavailability BadPmuTerm(string pmu, string problem) => new(
        $"bad term for PMU {pmu}", problem,
        $"see the terms in /sys/bus/event_source/devices/{pmu}/format and the events in /sys/bus/event_source/devices/{pmu}/events");

    public static CounterUnavailability ReadFailed(int errno) => new(
        "read failed", $"reading the counter failed: {Message(errno)} (errno {errno})", "report this with `fff doctor --json` output", errno);

    private static string Message(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
