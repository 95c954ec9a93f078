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
        string config = TinySweep.WriteConfig(_folder, TinySweep.Yaml(threads: threads));
        string run = _folder.Combine("run");
        string results = Path.Combine(run, RunFolder.ResultsFileName);

        using (var sweep = Process.Start(FffProgram.StartInfo(null, "run", "--config", config, "--out", run, "--no-report"))!)
        {
            sweep.StandardOutput.ReadToEndAsync();
            sweep.StandardError.ReadToEndAsync();
            var deadline = Stopwatch.StartNew();
            while (DataLines(results) < 3 && !sweep.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(50);
            Assert.False(sweep.HasExited, "the sweep finished before it could be killed; the test needs a longer sweep");
            sweep.Kill(entireProcessTree: false); // SIGKILL to the parent only: its worker must die with it
            sweep.WaitForExit();
        }
        int beforeResume = DataLines(results);
        Assert.InRange(beforeResume, 3, 11);
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

    private static int DataLines(string path)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Count(c => c == '\n') - 1;
    }

    /// <summary>A killed sweep's worker dies with it (PR_SET_PDEATHSIG); wait until no process still works for the run.</summary>
    private static void WaitUntilNoWorkerOf(string run)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            bool any = Directory.EnumerateDirectories("/proc")
                .Select(d => Path.Combine(d, "cmdline"))
                .Any(cmdline => { try { return File.ReadAllText(cmdline).Contains(run, StringComparison.Ordinal); } catch (IOException) { return false; } catch (UnauthorizedAccessException) { return false; } });
            if (!any) return;
            Thread.Sleep(100);
        }
        Assert.Fail($"a worker of {run} outlived its killed parent");
    }
}
