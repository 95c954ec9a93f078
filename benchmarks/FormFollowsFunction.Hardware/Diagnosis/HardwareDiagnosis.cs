using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Hardware.Counters.Native;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Diagnosis;

/// <summary>One event as probed: whether it counted a short busy loop, and if not, why and what to do.</summary>
public sealed record CounterProbeResult(CounterEvent Event, CounterState State, double? BusyLoopCount, bool UserSpaceOnly, CounterUnavailability? Unavailability)
{
    public bool Available => State == CounterState.Counted;
}

/// <summary>task-clock over the probe's busy loop against the thread's CPU time from clock_gettime: they should agree.</summary>
public sealed record TaskClockCheck(double TaskClockMs, double ThreadCpuMs)
{
    /// <summary>(task-clock - thread CPU time) / thread CPU time.</summary>
    public double RelativeDifference => (TaskClockMs - ThreadCpuMs) / ThreadCpuMs;
}

/// <summary>What <c>fff doctor</c> reports: counters, caches, machine facts, and any further sections.</summary>
public sealed record DiagnosisReport(
    IReadOnlyList<CounterProbeResult> Counters,
    TaskClockCheck? TaskClock,
    double BusyLoopMs,
    CacheInventory Caches,
    MachineFingerprint Machine,
    IReadOnlyList<DiagnosisSection> Sections);

/// <summary>
/// Probes this machine for what the benchmarks can measure: opens every counter event, counts a short busy
/// loop on the calling thread with them, and gathers cache sizes and machine facts.
/// </summary>
public static class HardwareDiagnosis
{
    // About 20 ms of CPU on the build machines: long enough to count, short enough for a quick check.
    private const long ProbeSteps = 15_000_000;

    public static DiagnosisReport Run(IEnumerable<CounterEvent>? extraEvents = null, IEnumerable<IDiagnosisSection>? sections = null)
    {
        var events = CounterEvent.Catalog.Concat(extraEvents ?? []).DistinctBy(e => e.Name).ToList();
        var (counters, taskClock, busyMs) = ProbeCounters(events);
        var inspector = MachineInspector.Local;
        return new DiagnosisReport(counters, taskClock, busyMs, inspector.Caches(), inspector.Fingerprint(),
            (sections ?? []).Select(CollectSafely).ToList());
    }

    /// <summary>Opens the events for the calling thread and counts a busy loop with them.</summary>
    public static (IReadOnlyList<CounterProbeResult> Results, TaskClockCheck? TaskClock, double BusyLoopMs) ProbeCounters(IReadOnlyList<CounterEvent> events)
    {
        BusyWork.Spin(1000); // compiled before the counted region
        using var group = CounterGroup.Open(events, CounterScope.CallingThread);
        long cpuStart = ThreadCpuClock.NowNanoseconds();
        group.Enable();
        BusyWork.Spin(ProbeSteps);
        group.Disable();
        double cpuMs = (ThreadCpuClock.NowNanoseconds() - cpuStart) / 1e6;
        var readings = group.Read();

        var results = readings.Select(r => new CounterProbeResult(r.Event, r.State, r.Value, r.UserSpaceOnly, r.Unavailability)).ToList();
        TaskClockCheck? check = readings.ValueOf(CounterEvent.TaskClock.Name) is { } ns ? new TaskClockCheck(ns / 1e6, cpuMs) : null;
        return (results, check, cpuMs);
    }

    private static DiagnosisSection CollectSafely(IDiagnosisSection section)
    {
        try
        {
            return section.Collect();
        }
        catch (Exception e)
        {
            return new DiagnosisSection(section.Title, ["problem"], [[$"{e.GetType().Name}: {e.Message}"]], []);
        }
    }
}
