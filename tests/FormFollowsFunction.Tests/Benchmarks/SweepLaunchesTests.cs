using System.Diagnostics;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>Sweeps whose cells are measured in several worker processes ("launches"), through the real program.</summary>
[Collection(SweepProcessesCollection.Name)]
public sealed class SweepLaunchesTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Each_cell_is_measured_once_per_round_in_its_own_process_and_rounds_alternate_the_backends()
    {
        string[] models = [TinySweep.Models[0], TinySweep.Models[2]];
        string config = TinySweep.WriteConfig(_folder, TinySweep.Yaml(models: models, launches: 3));
        string run = _folder.Combine("run");

        var result = FffProgram.Run("run", "--config", config, "--out", run, "--no-report", "--keep-samples");

        Assert.True(result.ExitCode == 0, result.Error);
        var folder = new RunFolder(run);
        var launches = folder.ReadLaunches();
        Assert.Equal(4 * 3, launches.Count);
        Assert.Equal(launches.Count, launches.Select(l => l.WorkerPid).Distinct().Count());
        Assert.All(launches, l => Assert.Equal(l.Round, l.Launch));
        // Round r measures every cell once before round r + 1 starts.
        Assert.Equal(launches.Select(l => l.Round).Order(), launches.Select(l => l.Round));
        // Within a round a model's backends run next to each other, in alternating order.
        var firstModel = launches.Where(l => l.Key.Model == models[0]).ToList();
        Assert.Equal(["torch-cpu", "ort-cpu", "ort-cpu", "torch-cpu", "torch-cpu", "ort-cpu"], firstModel.Select(l => l.Key.Backend));
        Assert.All(launches, l => Assert.True(l.SetupMs > 0 && l.WorkerWallMs > l.SetupMs, $"setup {l.SetupMs} ms, worker {l.WorkerWallMs} ms"));
        Assert.All(launches, l => Assert.True(File.Exists(Path.Combine(run, l.Measurement.SamplesFile)), l.Measurement.SamplesFile));

        var rows = folder.ReadResults();
        Assert.Equal(4, rows.Count);
        foreach (var row in rows)
        {
            // The row is estimated from the launches LaunchSelection keeps: all three, unless this busy machine
            // (other tests run beside this one) slowed one far enough to be set aside, or moved the cores.
            var own = LaunchSelection.Chosen([.. launches.Where(l => l.Key == row.Key).Select(l => l.Measurement)]);
            Assert.Equal("ok", row.Status);
            Assert.InRange(own.Count, 2, 3);
            Assert.Equal(own.Count, row.Launches);
            Assert.Equal(MathNet.Numerics.Statistics.Statistics.Median(own.Select(l => l.MedianMs!.Value)), row.MedianMs!.Value, 12);
            Assert.NotNull(row.LaunchCv);
            Assert.True(row.Ci95LowMs <= row.MedianMs && row.MedianMs <= row.Ci95HighMs);
            Assert.Equal(own.Sum(l => l.Iterations), row.Iterations);
        }
        Assert.Contains("each in 3 launches", result.Error);
    }

    [Fact]
    public void A_run_killed_mid_round_keeps_every_finished_launch_and_resumes_the_rest()
    {
        string[] models = [TinySweep.Models[0], TinySweep.Models[1]];
        string config = TinySweep.WriteConfig(_folder, TinySweep.Yaml(models: models, launches: 2, cellTimeoutSeconds: 120));
        string run = _folder.Combine("run");
        string launchesFile = Path.Combine(run, RunFolder.LaunchesFileName);
        // The second model's ort-cpu launch hangs, so the run cannot end before it is killed: its first three launches are written, then it waits.
        var hang = new Dictionary<string, string> { [WorkerFault.Variable] = $"hang:ort-cpu:{models[1]}" };

        using (var sweep = Process.Start(FffProgram.StartInfo(hang, "run", "--config", config, "--out", run, "--no-report"))!)
        {
            _ = sweep.StandardOutput.ReadToEndAsync();
            _ = sweep.StandardError.ReadToEndAsync();
            var deadline = Stopwatch.StartNew();
            while (TinySweep.DataLines(launchesFile) < 3 && !sweep.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(3)) sweep.WaitForExit(50);
            Assert.Equal(3, TinySweep.DataLines(launchesFile));
            Assert.False(sweep.HasExited);
            sweep.Kill(entireProcessTree: false); // SIGKILL to the parent only: its worker dies with it
            Assert.True(sweep.WaitForExit(30_000));
        }
        string before = File.ReadAllText(launchesFile);

        var resumed = FffProgram.Run("run", "--resume", run, "--no-report");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.StartsWith(before, File.ReadAllText(launchesFile)); // nothing finished was lost or measured again
        var launches = new RunFolder(run).ReadLaunches();
        Assert.Equal(4 * 2, launches.Count);
        Assert.Equal(launches.Count, launches.Select(l => (l.Key, l.Launch)).Distinct().Count());
        var rows = new RunFolder(run).ReadResults();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal(("ok", 2), (r.Status, r.Launches!.Value)));
    }

}
