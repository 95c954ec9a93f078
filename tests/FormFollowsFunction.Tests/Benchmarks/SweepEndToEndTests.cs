using System.Diagnostics;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>Whole sweeps through the real program: worker processes, faults, resume after SIGKILL.</summary>
[Collection(SweepProcessesCollection.Name)]
public sealed class SweepEndToEndTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Crashed_hung_and_wrong_workers_are_recorded_as_such_and_the_sweep_goes_on()
    {
        var (crashes, hangs, perturbed) = (TinySweep.Models[0], TinySweep.Models[1], TinySweep.Models[2]);
        string config = TinySweep.WriteConfig(_folder, TinySweep.Yaml(cellTimeoutSeconds: 8));
        string run = _folder.Combine("run");
        var environment = new Dictionary<string, string>
        {
            [WorkerFault.Variable] = $"abort:ort-cpu:{crashes};hang:ort-cpu:{hangs};perturb:ort-cpu:{perturbed}",
        };

        var result = FffProgram.Run(environment, "run", "--config", config, "--out", run, "--no-report");

        Assert.True(result.ExitCode == 0, result.Error);
        var rows = ResultsCsv.Read(Path.Combine(run, RunFolder.ResultsFileName)).ToDictionary(r => (r.Model, r.Backend));
        Assert.Equal(6, rows.Count);
        Assert.All(TinySweep.Models, m => Assert.Equal("ok", rows[(m, "torch-cpu")].Status));
        // CPU backends time at the host boundary, in rows from workers and in rows the parent wrote for them.
        Assert.All(rows.Values, r => Assert.Equal("host", r.IoBoundary));

        var crashed = rows[(crashes, "ort-cpu")];
        Assert.Equal("crashed", crashed.Status);
        Assert.Contains("SIGABRT", crashed.Error);
        Assert.Null(crashed.MedianMs);

        var hung = rows[(hangs, "ort-cpu")];
        Assert.Equal("timeout", hung.Status);
        Assert.Contains("8 s", hung.Error);

        var wrong = rows[(perturbed, "ort-cpu")];
        Assert.Equal("mismatch", wrong.Status);
        Assert.Equal("torch-cpu", wrong.ParityReference);
        // Every value scaled by 1.01: the relative L2 error is 0.01 (plus float32 noise).
        Assert.InRange(wrong.ParityRelErr!.Value, 0.0099, 0.0101);
        Assert.NotNull(wrong.MedianMs);
    }

    [Fact]
    public void A_run_killed_with_SIGKILL_resumes_to_exactly_the_cells_of_an_uninterrupted_run()
    {
        int[] threads = [1, 2];
        // The last model's ort-cpu cells hang far longer than the test waits: the sweep cannot finish
        // before it is killed, however fast or slow the machine (resume runs without the fault).
        string config = TinySweep.WriteConfig(_folder, TinySweep.Yaml(threads: threads, cellTimeoutSeconds: 3600));
        string run = _folder.Combine("run");
        string results = Path.Combine(run, RunFolder.ResultsFileName);
        var hang = new Dictionary<string, string> { [WorkerFault.Variable] = $"hang:ort-cpu:{TinySweep.Models[^1]}" };

        using (var sweep = Process.Start(FffProgram.StartInfo(hang, "run", "--config", config, "--out", run, "--no-report"))!)
        {
            var error = new System.Collections.Concurrent.ConcurrentQueue<string>();
            sweep.OutputDataReceived += (_, _) => { };
            sweep.ErrorDataReceived += (_, e) => { if (e.Data is not null) error.Enqueue(e.Data); };
            sweep.BeginOutputReadLine();
            sweep.BeginErrorReadLine();
            bool reached = WaitForRows(results, 3, sweep, TimeSpan.FromMinutes(3));
            Assert.True(reached, sweep.HasExited
                ? $"the sweep ended (exit {sweep.ExitCode}) before it could be killed: {string.Join('\n', error)}"
                : "the sweep wrote fewer than 3 rows in 3 minutes");
            sweep.Kill(entireProcessTree: false); // SIGKILL to the parent only: its worker must die with it
            sweep.WaitForExit();
        }
        int beforeResume = TinySweep.DataLines(results);
        Assert.InRange(beforeResume, 3, 10); // at most every cell but the two that hang
        WaitUntilNoWorkerOf(run);

        var resumed = FffProgram.Run("run", "--resume", run, "--no-report");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var rows = ResultsCsv.Read(results);
        var expected = TinySweep.Models
            .SelectMany(m => new[] { "torch-cpu", "ort-cpu" }.SelectMany(b => threads.Select(t => new CellKey(m, b, t, 1, 32))))
            .ToHashSet();
        Assert.Equal(expected.Count, rows.Count);
        Assert.True(expected.SetEquals(rows.Select(r => r.Key)), "the resumed run's cells differ from the planned cells");
        Assert.All(rows, r => Assert.Equal("ok", r.Status));
        Assert.Contains($"{beforeResume} already done", resumed.Error);
    }

    [Fact]
    public void A_sweep_without_the_reference_backend_has_it_compute_the_reference_and_an_out_folder_may_end_in_a_slash()
    {
        string config = TinySweep.WriteConfig(_folder, TinySweep.Yaml(models: [TinySweep.Models[0]]).Replace("backends: [torch-cpu, ort-cpu]", "backends: [ort-cpu]"));
        string run = _folder.Combine("run") + "/";

        var result = FffProgram.Run("run", "--config", config, "--out", run, "--no-report");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("torch-cpu", result.Error);
        Assert.Contains("(reference outputs only)", result.Error);
        var row = Assert.Single(ResultsCsv.Read(Path.Combine(run, RunFolder.ResultsFileName)));
        Assert.Equal("ok", row.Status);
        Assert.Equal("ort-cpu", row.Backend);
        Assert.Equal("torch-cpu", row.ParityReference);
        Assert.NotNull(row.ParityRelErr);
        Assert.Equal("run", row.RunId);
        Assert.Equal("run", new RunFolder(run).ReadManifest().RunId);
    }

    [Fact]
    public void A_run_past_its_time_limit_is_killed_with_its_workers_and_fails_with_its_command_and_output()
    {
        string config = TinySweep.WriteConfig(_folder, TinySweep.Yaml(models: [TinySweep.Models[0]], cellTimeoutSeconds: 3600));
        string run = _folder.Combine("run");
        var hang = new Dictionary<string, string> { [WorkerFault.Variable] = "hang" };

        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            FffProgram.Run(hang, TimeSpan.FromSeconds(2), "run", "--config", config, "--out", run, "--no-report"));

        Assert.Contains($"fff run --config {config} --out {run} --no-report did not end within 2 s and was killed", failure.Message);
        Assert.Contains("--- standard error so far ---", failure.Message);
        WaitUntilNoWorkerOf(run);
    }

    /// <summary>
    /// Waits until <paramref name="path"/> holds at least <paramref name="rows"/> rows, woken by the
    /// folder's change events (with a poll as a safety net, since such events may be coalesced);
    /// false if <paramref name="process"/> ended first or the time limit passed.
    /// </summary>
    private static bool WaitForRows(string path, int rows, Process process, TimeSpan limit)
    {
        string folder = Path.GetDirectoryName(path)!;
        string watched = Path.GetDirectoryName(folder)!;
        using var watcher = new FileSystemWatcher(watched) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        using var changed = new AutoResetEvent(false);
        watcher.Changed += (_, _) => changed.Set();
        watcher.Created += (_, _) => changed.Set();
        var deadline = Stopwatch.StartNew();
        while (TinySweep.DataLines(path) < rows)
        {
            if (process.HasExited || deadline.Elapsed > limit) return false;
            changed.WaitOne(TimeSpan.FromSeconds(1));
        }
        return true;
    }


    /// <summary>
    /// A killed sweep's worker dies with it (PR_SET_PDEATHSIG): wait, bounded, until no process still
    /// works for the run, woken by each such process's exit rather than by a fixed sleep.
    /// </summary>
    private static void WaitUntilNoWorkerOf(string run)
    {
        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(30);
        while (WorkersOf(run) is { Count: > 0 } workers)
        {
            var left = limit - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
                Assert.Fail($"a worker of {run} outlived its killed parent (pid {string.Join(", ", workers.Select(w => w.Id))})");
            foreach (var worker in workers)
                using (worker)
                    worker.WaitForExit(left > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left);
        }
    }

    /// <summary>Live processes whose command line names the run folder (a zombie's command line is empty).</summary>
    private static List<Process> WorkersOf(string run)
    {
        var workers = new List<Process>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid)) continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(run, StringComparison.Ordinal)) continue;
                workers.Add(Process.GetProcessById(pid));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
        return workers;
    }
}
