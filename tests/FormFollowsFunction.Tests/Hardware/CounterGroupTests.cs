using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Hardware.Counters.Native;
using Xunit.Abstractions;

using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>
/// The counter group against the real kernel, with software events (present on every Linux, virtual
/// machines included). Counts are checked against clock_gettime(CLOCK_THREAD_CPUTIME_ID), which the
/// scheduler keeps independently of perf events; both measure CPU time, so the comparison does not
/// depend on how busy the machine is.
/// </summary>
[Collection(PerfCountersCollection.Name)]
public sealed class CounterGroupTests(ITestOutputHelper output)
{
    // About 0.2 s of CPU on the build machines; long enough that the few microseconds of the ioctl calls
    // inside the counted region are far below the tolerance.
    private const long Steps = 150_000_000;
    private const double Tolerance = 0.03;

    private static ulong sink;

    private static double ThreadCpuMs(Action work)
    {
        long start = ThreadCpuClock.NowNanoseconds();
        work();
        return (ThreadCpuClock.NowNanoseconds() - start) / 1e6;
    }

    // These tests need software perf events, which every Linux has unless perf_event_paranoid is 3
    // (a Debian/Ubuntu patch) or a sandbox blocks perf_event_open; the failure then says which.
    private static double TaskClockMs(CounterReadings readings) =>
        readings.Find(CounterEvent.TaskClock.Name) is { Value: { } ns } ? ns / 1e6
            : throw new Xunit.Sdk.XunitException($"task_clock was not counted: {readings.Find(CounterEvent.TaskClock.Name)?.Unavailability?.Reason ?? "never scheduled"}");

    [Fact]
    public void Task_clock_agrees_with_the_threads_cpu_time_over_a_busy_loop()
    {
        BusyWork.Spin(1000); // compiled before the measured region
        using var group = CounterGroup.Open([CounterEvent.TaskClock, CounterEvent.PageFaults], CounterScope.CallingThread);

        double cpuMs = ThreadCpuMs(() =>
        {
            group.Enable();
            sink = BusyWork.Spin(Steps);
            group.Disable();
        });
        var readings = group.Read();
        double taskClockMs = TaskClockMs(readings);

        output.WriteLine($"task-clock {taskClockMs:F3} ms, thread CPU time {cpuMs:F3} ms, difference {(taskClockMs - cpuMs) / cpuMs:P2}");
        Assert.Equal(CounterState.Counted, readings.Find("task_clock")!.State);
        Assert.InRange(taskClockMs, cpuMs * (1 - Tolerance), cpuMs * (1 + Tolerance));
        Assert.False(readings.Find("task_clock")!.IsMultiplexed);
    }

    [Fact]
    public void Nothing_is_counted_while_the_group_is_disabled()
    {
        BusyWork.Spin(1000);
        using var group = CounterGroup.Open([CounterEvent.TaskClock], CounterScope.CallingThreadAndNewThreads);

        var beforeEnable = group.Read().Find("task_clock")!;
        Assert.Equal(CounterState.NotCounted, beforeEnable.State);
        Assert.Null(beforeEnable.Value); // never enabled: no count, not a zero

        group.Enable();
        sink = BusyWork.Spin(Steps / 10);
        group.Disable();
        var first = group.Read().Find("task_clock")!;

        double idleWorkMs = ThreadCpuMs(() => sink = BusyWork.Spin(Steps));
        var second = group.Read().Find("task_clock")!;

        output.WriteLine($"counted {first.RawValue / 1e6:F3} ms enabled; then {idleWorkMs:F1} ms of CPU while disabled added {(second.RawValue - first.RawValue) / 1e6:F3} ms");
        Assert.True(first.RawValue > 0);
        Assert.Equal(first.RawValue, second.RawValue);
        Assert.Equal(first.TimeEnabledNs, second.TimeEnabledNs);
    }

    [Fact]
    public void Threads_created_after_open_are_counted_and_threads_that_existed_before_are_not()
    {
        BusyWork.Spin(1000);
        using var go = new ManualResetEventSlim();
        double earlierThreadMs = 0, laterThreadMs = 0;
        var earlier = new Thread(() => { go.Wait(); earlierThreadMs = ThreadCpuMs(() => sink = BusyWork.Spin(Steps)); });
        earlier.Start();

        using var group = CounterGroup.Open([CounterEvent.TaskClock], CounterScope.CallingThreadAndNewThreads);
        var later = new Thread(() => laterThreadMs = ThreadCpuMs(() => sink = BusyWork.Spin(Steps)));

        double callingThreadMs = ThreadCpuMs(() =>
        {
            group.Enable();
            go.Set();
            earlier.Join();
            later.Start();
            later.Join();
            group.Disable();
        });
        double taskClockMs = TaskClockMs(group.Read());
        double expectedMs = laterThreadMs + callingThreadMs;

        output.WriteLine($"task-clock {taskClockMs:F3} ms; thread created after Open {laterThreadMs:F3} ms + calling thread {callingThreadMs:F3} ms = {expectedMs:F3} ms; thread created before Open {earlierThreadMs:F3} ms (not counted)");
        Assert.InRange(taskClockMs, expectedMs * (1 - Tolerance), expectedMs * (1 + Tolerance));
        // Had the earlier thread been counted, task-clock would be about twice as large.
        Assert.True(earlierThreadMs > expectedMs * 0.5);
    }

    [Fact]
    public void The_calling_thread_scope_does_not_count_new_threads()
    {
        BusyWork.Spin(1000);
        using var group = CounterGroup.Open([CounterEvent.TaskClock], CounterScope.CallingThread);
        double threadMs = 0;
        var thread = new Thread(() => threadMs = ThreadCpuMs(() => sink = BusyWork.Spin(Steps)));

        double callingThreadMs = ThreadCpuMs(() =>
        {
            group.Enable();
            thread.Start();
            thread.Join();
            group.Disable();
        });
        double taskClockMs = TaskClockMs(group.Read());

        output.WriteLine($"task-clock {taskClockMs:F3} ms; calling thread {callingThreadMs:F3} ms; new thread {threadMs:F3} ms (not counted)");
        Assert.True(taskClockMs < callingThreadMs * (1 + Tolerance) + 0.05, $"task-clock {taskClockMs} ms exceeds the calling thread's {callingThreadMs} ms");
        Assert.True(threadMs > 10 * callingThreadMs);
    }

    [Fact]
    public void Reset_forgets_the_work_of_threads_that_have_already_exited()
    {
        BusyWork.Spin(1000);
        using var group = CounterGroup.Open([CounterEvent.TaskClock], CounterScope.CallingThreadAndNewThreads);
        group.Enable();
        double threadMs = 0;
        var thread = new Thread(() => threadMs = ThreadCpuMs(() => sink = BusyWork.Spin(Steps)));
        thread.Start();
        thread.Join();
        double beforeResetMs = TaskClockMs(group.Read());

        group.Reset();
        double afterResetWorkMs = ThreadCpuMs(() => sink = BusyWork.Spin(Steps / 10));
        group.Disable();
        double afterResetMs = TaskClockMs(group.Read());

        output.WriteLine($"exited thread {threadMs:F3} ms; task-clock before reset {beforeResetMs:F3} ms; after reset {afterResetMs:F3} ms for {afterResetWorkMs:F3} ms of work");
        Assert.True(beforeResetMs >= threadMs * (1 - Tolerance));
        Assert.InRange(afterResetMs, afterResetWorkMs * (1 - Tolerance), afterResetWorkMs * (1 + Tolerance) + 0.5);
    }

    [Fact]
    public void Hardware_events_count_or_say_why_they_cannot()
    {
        var hardware = CounterEvent.Standard.Where(e => e.NeedsHardwarePmu).ToList();
        using var group = CounterGroup.Open(hardware, CounterScope.CallingThreadAndNewThreads);
        group.Enable();
        sink = BusyWork.Spin(Steps / 10);
        group.Disable();

        foreach (var reading in group.Read())
        {
            output.WriteLine($"{reading.Event.Name}: {reading.State} {reading.Value} {reading.Unavailability?.Reason}");
            if (reading.State == CounterState.Unavailable)
            {
                var why = reading.Unavailability!;
                Assert.False(string.IsNullOrWhiteSpace(why.Fix));
                Assert.True(why.Reason.Contains("PMU") || why.Reason.Contains("paranoid"), $"{reading.Event.Name}: '{why.Reason}' names neither the PMU nor perf_event_paranoid");
            }
            else
            {
                // A machine with a PMU: instructions, cycles and LLC accesses of a 15 ms loop are never zero.
                Assert.Equal(CounterState.Counted, reading.State);
                if (reading.Event == CounterEvent.Instructions || reading.Event == CounterEvent.Cycles)
                    Assert.True(reading.Value > 0, $"{reading.Event.Name} counted {reading.Value}");
            }
        }
    }

    [Fact]
    public void Hardware_events_open_exactly_where_sysfs_lists_a_core_PMU_and_say_why_not_elsewhere()
    {
        using var group = CounterGroup.Open([CounterEvent.Instructions, CounterEvent.LlcLoadMisses, CounterEvent.TaskClock], CounterScope.CallingThread);
        var readings = group.Read();
        Assert.NotEqual(CounterState.Unavailable, readings.Find("task_clock")!.State);
        if (EventSources.Local.HasHardwarePmu)
        {
            Assert.NotEqual(CounterState.Unavailable, readings.Find("instructions")!.State);
        }
        else
        {
            // This project's build machines are such virtual machines.
            Assert.Equal(CounterState.Unavailable, readings.Find("instructions")!.State);
            Assert.Equal("no hardware PMU, virtual machine?", readings.Find("llc_load_misses")!.Unavailability!.Summary);
        }
    }

    [Fact]
    public void User_space_only_counting_refuses_kernel_only_events_rather_than_reading_a_false_zero()
    {
        using var group = CounterGroup.Open([CounterEvent.TaskClock, CounterEvent.PageFaults, CounterEvent.ContextSwitches], CounterScope.CallingThread, CountedModes.UserOnly);
        group.Enable();
        TouchFreshPages(8 << 20); // user-mode page faults
        Thread.Sleep(5); // at least one context switch, which user-only counting would not see
        group.Disable();
        var readings = group.Read();

        var switches = readings.Find("context_switches")!;
        Assert.Equal(CounterState.Unavailable, switches.State);
        Assert.Contains("only in kernel mode", switches.Unavailability!.Reason);
        Assert.Contains("false zero", switches.Unavailability.Reason);
        Assert.True(readings.Find("page_faults")!.UserSpaceOnly);
        Assert.True(readings.Find("page_faults")!.Value > 0);
        Assert.False(readings.Find("task_clock")!.UserSpaceOnly); // a clock counts the same either way
        Assert.Equal("partial; unavailable (kernel-mode event, user space only requested): context_switches; user space only (requested): page_faults", CounterStatus.Describe(readings));
    }

    [Fact]
    public void A_PMU_event_takes_its_type_and_bit_layout_from_sysfs()
    {
        // A stand-in sysfs PMU whose type is the software PMU's (1) and whose alias names task-clock (config 1).
        using var sysfs = new TemporaryFolder();
        sysfs.Write("fakesw/type", "1\n");
        sysfs.Write("fakesw/format/event", "config:0-63\n");
        sysfs.Write("fakesw/events/taskclock", "event=0x1\n");
        var counterEvent = CounterEvent.Parse("pmu:fakesw/taskclock,name=via_pmu/");

        using var group = CounterGroup.Open([counterEvent, CounterEvent.Parse("pmu:amd_l3/event=0x4,umask=0xff/")],
            CounterScope.CallingThread, CountedModes.UserAndKernel, new EventSources(sysfs.Path), paranoid: 2);
        double cpuMs = ThreadCpuMs(() =>
        {
            group.Enable();
            sink = BusyWork.Spin(Steps / 2);
            group.Disable();
        });
        var readings = group.Read();

        double viaPmuMs = readings.ValueOf("via_pmu")!.Value / 1e6;
        output.WriteLine($"task-clock through the sysfs PMU route: {viaPmuMs:F3} ms for {cpuMs:F3} ms of thread CPU time");
        Assert.InRange(viaPmuMs, cpuMs * (1 - Tolerance), cpuMs * (1 + Tolerance));
        var absent = readings[1];
        Assert.Equal(CounterState.Unavailable, absent.State);
        Assert.Equal("PMU amd_l3 absent", absent.Unavailability!.Summary);
        Assert.Contains("fakesw", absent.Unavailability.Reason);
    }

    [Fact]
    public void Events_with_the_same_name_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => CounterGroup.Open([CounterEvent.TaskClock, CounterEvent.TaskClock], CounterScope.CallingThread));
        Assert.Contains("task_clock", error.Message);
    }

    [Fact]
    public void A_disposed_group_cannot_be_read_and_may_be_disposed_again()
    {
        var group = CounterGroup.Open([CounterEvent.TaskClock], CounterScope.CallingThread);
        group.Dispose();
        group.Dispose();
        Assert.Throws<ObjectDisposedException>(() => group.Read());
        Assert.Throws<ObjectDisposedException>(() => group.Enable());
    }

    /// <summary>
    /// Writes one byte in each page of a new anonymous mapping, which the kernel must fault in. (A managed
    /// array may reuse heap pages that earlier tests already faulted in, and then cause no fault at all.)
    /// </summary>
    private static void TouchFreshPages(int bytes)
    {
        using var mapping = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateNew(null, bytes);
        using var view = mapping.CreateViewAccessor();
        for (long offset = 0; offset < bytes; offset += 4096) view.Write(offset, (byte)1);
    }
}
