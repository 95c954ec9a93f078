using System.Runtime.InteropServices;

namespace FormFollowsFunction.Hardware.Counters.Native;

/// <summary>
/// The first 72 bytes of the kernel's <c>struct perf_event_attr</c> (<c>PERF_ATTR_SIZE_VER1</c>, up to
/// <c>config2</c>). Every kernel since 2.6.33 accepts this size, and a counting (non-sampling) event
/// needs nothing that later versions of the structure added.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PerfEventAttr
{
    public const uint SizeVer1 = 72;

    public uint Type;
    public uint Size;
    public ulong Config;
    public ulong SamplePeriod;
    public ulong SampleType;
    public ulong ReadFormat;
    public ulong Flags;
    public uint WakeupEvents;
    public uint BreakpointType;
    public ulong Config1;
    public ulong Config2;

    // Bits of the flags word (the C bit-field starting at `disabled`).
    public const ulong Disabled = 1UL << 0;
    public const ulong Inherit = 1UL << 1;
    public const ulong ExcludeUser = 1UL << 4;
    public const ulong ExcludeKernel = 1UL << 5;
    public const ulong ExcludeHypervisor = 1UL << 6;

    // read_format bits.
    public const ulong FormatTotalTimeEnabled = 1UL << 0;
    public const ulong FormatTotalTimeRunning = 1UL << 1;
}

/// <summary>perf_event_attr.type values of the generic (non-sysfs) event types.</summary>
internal static class PerfType
{
    public const uint Hardware = 0;
    public const uint Software = 1;
    public const uint Tracepoint = 2;
    public const uint HardwareCache = 3;
    public const uint Raw = 4;
    public const uint Breakpoint = 5;
}
