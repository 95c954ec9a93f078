using System.Globalization;
using FormFollowsFunction.Hardware.Counters.Native;
using static FormFollowsFunction.Hardware.Counters.Native.PerfEventSyscalls;

namespace FormFollowsFunction.Hardware.Counters;

/// <summary>
/// A set of perf events counting the calling thread (and, by default, the threads it creates afterwards),
/// switched on and off together around a measured region.
/// </summary>
/// <remarks>
/// <para>Each event is opened as its own group leader and read on its own (value, time_enabled, time_running)
/// rather than as one kernel group read with PERF_FORMAT_GROUP. Counting new threads needs
/// <c>inherit</c>, and older kernels refuse PERF_FORMAT_GROUP together with <c>inherit</c> (perf_event_open(2):
/// inherit "does not work for some combinations of read_format values, such as PERF_FORMAT_GROUP"); newer ones
/// fail such a read with ECHILD when a child's group differs from the parent's. Separate events also let one
/// event fail to open while the others count. The price: on a machine that multiplexes, the events are
/// scheduled onto counters independently, so a ratio such as IPC combines two extrapolated counts
/// (each scaled by its own time_enabled / time_running) rather than two counts of the same instants.</para>
/// <para>Typical use: <c>Open</c> on the worker's main thread before the engine creates its threads,
/// <c>Enable</c> right before the measured iterations, <c>Disable</c> right after, then <c>Read</c>.
/// Not thread-safe: one owner calls its methods.</para>
/// </remarks>
public sealed class CounterGroup : IDisposable
{
    private sealed record Slot(CounterEvent Event, PerfEventHandle? Handle, bool UserSpaceOnly, CounterUnavailability? Unavailability);

    private readonly Slot[] _slots;
    private (ulong Value, ulong Enabled, ulong Running)[] _baseline;
    private bool _disposed;

    private CounterGroup(Slot[] slots, CounterScope scope, CountedModes modes, int? paranoid)
    {
        _slots = slots;
        _baseline = new (ulong, ulong, ulong)[slots.Length];
        Scope = scope;
        Modes = modes;
        ParanoidLevel = paranoid;
    }

    public CounterScope Scope { get; }

    public CountedModes Modes { get; }

    /// <summary>perf_event_paranoid when the group was opened (null where unreadable).</summary>
    public int? ParanoidLevel { get; }

    public IReadOnlyList<CounterEvent> Events => _slots.Select(s => s.Event).ToList();

    /// <summary>The events that opened; the others are reported unavailable by <see cref="Read"/>.</summary>
    public IReadOnlyList<CounterEvent> OpenEvents => _slots.Where(s => s.Handle is not null).Select(s => s.Event).ToList();

    /// <summary>
    /// Opens the events for the calling thread, disabled (after one empty enable/disable cycle whose counts
    /// are discarded). An event that cannot be opened does not fail the group: it is recorded with the
    /// reason, and <see cref="Read"/> reports it unavailable.
    /// </summary>
    /// <exception cref="ArgumentException">Two events share a name.</exception>
    public static CounterGroup Open(IEnumerable<CounterEvent> events, CounterScope scope, CountedModes modes = CountedModes.UserAndKernel) =>
        Open(events, scope, modes, EventSources.Local, ReadParanoidLevel("/proc/sys/kernel/perf_event_paranoid"));

    internal static CounterGroup Open(IEnumerable<CounterEvent> events, CounterScope scope, CountedModes modes, EventSources sources, int? paranoid)
    {
        var list = events.ToList();
        var duplicate = list.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"counter event '{duplicate.Key}' is given twice", nameof(events));

        bool perfAvailable = OperatingSystem.IsLinux() && SyscallNumber is not null;
        bool hardwarePmu = sources.HasHardwarePmu;
        var slots = new Slot[list.Count];
        try
        {
            for (int i = 0; i < list.Count; i++)
                slots[i] = perfAvailable
                    ? OpenOne(list[i], scope, modes, sources, hardwarePmu, paranoid)
                    : new Slot(list[i], null, false, CounterUnavailability.PerfEventsMissing());
        }
        catch
        {
            foreach (var slot in slots) slot?.Handle?.Dispose();
            throw;
        }
        var group = new CounterGroup(slots, scope, modes, paranoid);
        try
        {
            group.WarmUp();
        }
        catch
        {
            group.Dispose();
            throw;
        }
        return group;
    }

    // One enable/disable/read cycle right after opening, its counts then discarded by Reset: the first
    // call of each of these methods is compiled by the JIT, and that compilation (about 1.7 ms, seen
    // with `fff doctor`) would otherwise fall inside the first measured region.
    private void WarmUp()
    {
        Enable();
        Disable();
        Read();
        Reset();
    }

    private static Slot OpenOne(CounterEvent counterEvent, CounterScope scope, CountedModes modes, EventSources sources, bool hardwarePmu, int? paranoid)
    {
        EventEncoding encoding;
        if (counterEvent.Kind == CounterEventKind.Pmu)
        {
            var (resolved, problem) = sources.Resolve(counterEvent);
            if (resolved is null) return new Slot(counterEvent, null, false, problem);
            encoding = resolved.Value;
        }
        else
        {
            encoding = new EventEncoding(counterEvent.Type, counterEvent.Config, counterEvent.Config1, counterEvent.Config2);
        }

        bool userOnly = modes == CountedModes.UserOnly;
        if (userOnly && counterEvent.KernelMode == KernelModeEffect.KernelOnly)
            return new Slot(counterEvent, null, false, CounterUnavailability.KernelOnlyEventWithUserOnlyRequested());

        (PerfEventHandle? Handle, int Errno) PerfOpen(bool excludeKernel) => PerfEventSyscalls.Open(Attributes(encoding, scope, excludeKernel));

        var (handle, errno) = PerfOpen(userOnly);
        if (handle is null && !userOnly && errno is EACCES or EPERM)
        {
            // perf_event_paranoid >= 2 lets an unprivileged process count user space only.
            if (counterEvent.KernelMode == KernelModeEffect.KernelOnly)
                return new Slot(counterEvent, null, false, CounterUnavailability.KernelOnlyEventInUserMode(paranoid));
            (handle, var retryErrno) = PerfOpen(excludeKernel: true);
            if (handle is null)
                return new Slot(counterEvent, null, false,
                    CounterUnavailability.FromOpenError(retryErrno, counterEvent, hardwarePmu, paranoid, refusedKernelFirst: retryErrno is not (EACCES or EPERM)));
            userOnly = true;
        }
        if (handle is null)
            return new Slot(counterEvent, null, false, CounterUnavailability.FromOpenError(errno, counterEvent, hardwarePmu, paranoid));
        return new Slot(counterEvent, handle, userOnly && counterEvent.KernelMode == KernelModeEffect.UserPartOnly, null);
    }

    private static PerfEventAttr Attributes(EventEncoding encoding, CounterScope scope, bool excludeKernel)
    {
        ulong flags = PerfEventAttr.Disabled;
        if (scope == CounterScope.CallingThreadAndNewThreads) flags |= PerfEventAttr.Inherit;
        if (excludeKernel) flags |= PerfEventAttr.ExcludeKernel | PerfEventAttr.ExcludeHypervisor;
        return new PerfEventAttr
        {
            Type = encoding.Type,
            Size = PerfEventAttr.SizeVer1,
            Config = encoding.Config,
            Config1 = encoding.Config1,
            Config2 = encoding.Config2,
            ReadFormat = PerfEventAttr.FormatTotalTimeEnabled | PerfEventAttr.FormatTotalTimeRunning,
            Flags = flags,
        };
    }

    /// <summary>Starts counting (PERF_EVENT_IOC_ENABLE on each open event, applied by the kernel to inherited copies too).</summary>
    public void Enable() => ControlAll(IocEnable, "enable");

    /// <summary>Stops counting; the counts stay readable.</summary>
    public void Disable() => ControlAll(IocDisable, "disable", reverse: true);

    /// <summary>
    /// Makes the next <see cref="Read"/> count from now on. This takes a baseline of counts and times
    /// instead of issuing PERF_EVENT_IOC_RESET: that ioctl zeroes the count but not time_enabled and
    /// time_running (seen on Linux 6.18), so multiplexing scale factors after it would be wrong.
    /// </summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var baseline = new (ulong, ulong, ulong)[_slots.Length];
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].Handle is not { } handle) continue;
            var (value, enabled, running, errno) = ReadCount(handle);
            baseline[i] = errno == 0 ? (value, enabled, running) : _baseline[i];
        }
        _baseline = baseline;
    }

    /// <summary>Reads every event: counts and times since opening (or since the last <see cref="Reset"/>).</summary>
    public CounterReadings Read()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var readings = new CounterReading[_slots.Length];
        for (int i = 0; i < _slots.Length; i++)
        {
            var slot = _slots[i];
            if (slot.Handle is not { } handle)
            {
                readings[i] = new CounterReading(slot.Event, CounterState.Unavailable, 0, 0, 0, false, slot.Unavailability);
                continue;
            }
            var (value, enabled, running, errno) = ReadCount(handle);
            if (errno != 0)
            {
                readings[i] = new CounterReading(slot.Event, CounterState.Unavailable, 0, 0, 0, slot.UserSpaceOnly, CounterUnavailability.ReadFailed(errno));
                continue;
            }
            var (baseValue, baseEnabled, baseRunning) = _baseline[i];
            value -= Math.Min(value, baseValue);
            enabled -= Math.Min(enabled, baseEnabled);
            running -= Math.Min(running, baseRunning);
            var state = running > 0 ? CounterState.Counted : CounterState.NotCounted;
            readings[i] = new CounterReading(slot.Event, state, value, enabled, running, slot.UserSpaceOnly, null);
        }
        string userSpaceOnlyCause = Modes == CountedModes.UserOnly ? "requested"
            : ParanoidLevel is { } level ? $"perf_event_paranoid={level}" : "perf_event_paranoid";
        return new CounterReadings(readings, userSpaceOnlyCause);
    }

    private void ControlAll(nuint request, string what, bool reverse = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var order = reverse ? _slots.Reverse() : _slots;
        foreach (var slot in order)
        {
            if (slot.Handle is not { } handle) continue;
            int errno = Control(handle, request);
            if (errno != 0)
                throw new InvalidOperationException($"could not {what} counter {slot.Event.Name}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var slot in _slots) slot.Handle?.Dispose();
    }

    /// <summary>Reads /proc/sys/kernel/perf_event_paranoid; null when the file is missing or unreadable.</summary>
    internal static int? ReadParanoidLevel(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int level) ? level : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
