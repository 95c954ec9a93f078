using FormFollowsFunction.Hardware.Counters;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>errno values from perf_event_open turned into a reason and a fix the user can act on.</summary>
public sealed class CounterUnavailabilityTests
{
    private const int EPERM = 1, ENOENT = 2, EACCES = 13, EINVAL = 22, EMFILE = 24, ENOSYS = 38, EOPNOTSUPP = 95;

    [Theory]
    [InlineData(ENOENT)]
    [InlineData(EOPNOTSUPP)]
    public void Without_a_core_PMU_a_hardware_event_is_blamed_on_the_missing_PMU(int errno)
    {
        var why = CounterUnavailability.FromOpenError(errno, CounterEvent.Instructions, hardwarePmuPresent: false, paranoid: 2);
        Assert.Equal("no hardware PMU, virtual machine?", why.Summary);
        Assert.Contains("no hardware PMU", why.Reason);
        Assert.Contains("pmu=on", why.Fix);
        Assert.Equal(errno, why.Errno);
    }

    [Fact]
    public void With_a_core_PMU_an_unsupported_generic_event_points_to_CPU_specific_events()
    {
        var why = CounterUnavailability.FromOpenError(ENOENT, CounterEvent.LlcLoads, hardwarePmuPresent: true, paranoid: 2);
        Assert.Equal("not supported by this CPU", why.Summary);
        Assert.Contains("raw:llc_load_misses=", why.Fix);
    }

    [Fact]
    public void A_permission_error_names_the_paranoid_level_and_the_sysctl_that_lowers_it()
    {
        var why = CounterUnavailability.FromOpenError(EACCES, CounterEvent.Cycles, hardwarePmuPresent: true, paranoid: 3);
        Assert.Equal("perf_event_paranoid=3", why.Summary);
        Assert.Contains("perf_event_paranoid=3", why.Reason);
        Assert.Contains("sudo sysctl kernel.perf_event_paranoid=1", why.Fix);
        Assert.DoesNotContain("seccomp", why.Reason);
    }

    [Fact]
    public void EPERM_also_mentions_a_containers_seccomp_profile()
    {
        var why = CounterUnavailability.FromOpenError(EPERM, CounterEvent.TaskClock, hardwarePmuPresent: false, paranoid: null);
        Assert.Equal("perf_event_paranoid", why.Summary);
        Assert.Contains("seccomp", why.Reason);
    }

    [Fact]
    public void A_PMU_that_cannot_exclude_the_kernel_is_blamed_on_paranoia_when_kernel_counting_was_refused_first()
    {
        var msr = CounterEvent.Parse("pmu:msr/tsc/");
        var why = CounterUnavailability.FromOpenError(EINVAL, msr, hardwarePmuPresent: false, paranoid: 2, refusedKernelFirst: true);
        Assert.Equal("perf_event_paranoid=2", why.Summary);
        Assert.Contains("cannot exclude kernel mode", why.Reason);

        var plain = CounterUnavailability.FromOpenError(EINVAL, msr, hardwarePmuPresent: false, paranoid: 2);
        Assert.Equal("invalid for this PMU", plain.Summary);
        Assert.Contains("uncore", plain.Reason);
    }

    [Fact]
    public void Other_errors_still_give_a_reason_and_a_fix()
    {
        Assert.Contains("ulimit -n", CounterUnavailability.FromOpenError(EMFILE, CounterEvent.TaskClock, true, 2).Fix);
        Assert.Equal("perf_event_open not available", CounterUnavailability.FromOpenError(ENOSYS, CounterEvent.TaskClock, true, 2).Summary);
        var unknown = CounterUnavailability.FromOpenError(75, CounterEvent.TaskClock, true, 2);
        Assert.Equal("errno 75", unknown.Summary);
        Assert.Contains("(errno 75)", unknown.Reason);
        Assert.False(string.IsNullOrWhiteSpace(unknown.Fix));
    }

    [Fact]
    public void A_kernel_only_event_in_user_space_mode_explains_the_false_zero()
    {
        var why = CounterUnavailability.KernelOnlyEventInUserMode(2);
        Assert.Equal("kernel-mode event, perf_event_paranoid=2", why.Summary);
        Assert.Contains("false zero", why.Reason);
    }
}
