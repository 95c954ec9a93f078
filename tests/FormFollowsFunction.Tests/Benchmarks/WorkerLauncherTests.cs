using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

public sealed class WorkerLauncherTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_worker_gets_the_sweeps_allocator_settings_in_its_environment()
    {
        // /usr/bin/env stands in for a worker: it prints the environment it was given.
        var launcher = new WorkerLauncher("/usr/bin/env", []);
        string log = _folder.Combine("env.log");
        var environment = new Dictionary<string, string> { ["GLIBC_TUNABLES"] = SweepConfiguration.DefaultMallocTunables };

        var exit = launcher.Run([], log, TimeSpan.FromSeconds(30), CancellationToken.None, environment);

        Assert.True(exit.Succeeded);
        Assert.Contains($"GLIBC_TUNABLES={SweepConfiguration.DefaultMallocTunables}", File.ReadAllLines(log));
        // What a sweep passes: its configuration's tunables, unless the environment already chose some.
        var fromSweep = SweepRunner.WorkerEnvironment(SweepPresets.Quick);
        if (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is { Length: > 0 }) Assert.Empty(fromSweep);
        else Assert.Equal(SweepConfiguration.DefaultMallocTunables, fromSweep["GLIBC_TUNABLES"]);
    }

    [Fact]
    public void Empty_tunables_leave_glibcs_defaults()
    {
        Assert.Empty(SweepRunner.WorkerEnvironment(SweepPresets.Quick with { MallocTunables = "" }));
    }

    [Fact]
    public void A_worker_past_its_time_limit_is_killed_and_reported_as_timed_out()
    {
        var launcher = new WorkerLauncher("/bin/sleep", []);
        var exit = launcher.Run(["30"], _folder.Combine("sleep.log"), TimeSpan.FromSeconds(0.5), CancellationToken.None);

        Assert.True(exit.TimedOut);
        Assert.False(exit.Succeeded);
        Assert.Equal("no answer within the cell time limit of 0.5 s; the worker was killed", exit.Describe(0.5));
    }

    [Fact]
    public void A_worker_ended_by_Ctrl_C_was_interrupted_not_crashed()
    {
        // env restores SIGINT's default action first: a test run started in the background by a non-interactive
        // shell inherits SIGINT ignored, and a shell that ignores it outlives its own kill -INT and exits 0.
        var launcher = new WorkerLauncher("/usr/bin/env", []);
        var exit = launcher.Run(["--default-signal=INT", "/bin/sh", "-c", "kill -INT $$"], _folder.Combine("sigint.log"), TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(130, exit.ExitCode);
        Assert.True(exit.Cancelled);
        Assert.False(exit.Succeeded);
    }

    [Fact]
    public void A_worker_killed_by_a_signal_is_described_by_the_signal_and_its_last_words()
    {
        var launcher = new WorkerLauncher("/bin/sh", []);
        var exit = launcher.Run(["-c", "echo 'free(): invalid pointer' >&2; kill -ABRT $$"], _folder.Combine("abort.log"),
            TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(134, exit.ExitCode);
        Assert.Equal("worker killed by SIGABRT (exit 134): free(): invalid pointer", exit.Describe(60));
    }
}
