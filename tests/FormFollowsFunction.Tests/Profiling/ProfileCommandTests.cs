using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Cli.Commands;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Benchmarks;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Profiling;

/// <summary><c>fff profile</c> and <c>profile: true</c> through the real program.</summary>
[Collection(SweepProcessesCollection.Name)]
public sealed class ProfileCommandTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("no-such-model", "", "unknown")]
    [InlineData("residual-d1-w0.25", "--threads=-1", "--threads must be 0")]
    [InlineData("residual-d1-w0.25", "--backends=torch-cuda", "torch-cuda cannot be profiled per layer")]
    [InlineData("residual-d1-w0.25", "--backends=tpu", "tpu")]
    [InlineData("residual-d1-w0.25", "--resolution=0", "--resolution must be a positive")]
    public void Bad_input_is_one_line_exit_2_and_writes_nothing(string model, string option, string expected)
    {
        string output = _folder.Combine("out");
        string[] arguments = option.Length > 0 ? ["profile", model, option, "--out", output] : ["profile", model, "--out", output];

        var result = FffProgram.Run(arguments);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error:", line);
        Assert.Contains(expected, line, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Profiling_workers_get_the_allocator_settings_of_a_sweeps_workers()
    {
        var settings = ProfileCommand.WorkerSettings(new ProfileCommand.Settings { Models = ["resnet18"], Iterations = 7 }, new Dictionary<string, string?> { ["torch-cpu"] = "SSE41" });

        Assert.Equal(SweepRunner.WorkerEnvironment(SweepPresets.Quick), settings.Environment);
        Assert.Equal(7, settings.Iterations);
        Assert.Equal("SSE41", settings.OneDnnMaxIsa["torch-cpu"]);
    }

    [Fact]
    public void Profile_true_in_a_sweep_writes_layers_csv_after_the_timed_launches()
    {
        // 64 px, not the tiny sweep's 32: enough work per node that removing the profiler's cost leaves every cell some time to share out.
        string config = TinySweep.WriteConfig(_folder, TinySweep.Yaml(models: [TinySweep.Models[0]], resolution: 64) + "\nprofile: true\n");
        string run = _folder.Combine("run");

        var result = FffProgram.Run("run", "--config", config, "--out", run, "--no-report");

        Assert.True(result.ExitCode == 0, result.Error);
        var folder = new RunFolder(run);
        var layers = folder.ReadLayers();
        Assert.Equal(["ort-cpu", "torch-cpu"], layers.Select(r => r.Backend).Distinct().Order());
        Assert.All(layers, r => Assert.Equal((TinySweep.Models[0], 1, 1, 64), (r.Model, r.Threads, r.Batch, r.Resolution)));
        Assert.All(layers.GroupBy(r => r.Key), cell => Assert.Equal(1.0, cell.Sum(r => r.Share ?? 0), 9));
        // The profile pass comes after every timed launch: layers.csv is written later than the last launch row.
        Assert.True(File.GetLastWriteTimeUtc(folder.LayersFile) >= File.GetLastWriteTimeUtc(folder.LaunchesFile));
        Assert.Equal(2, folder.ReadResults().Count);
        Assert.Contains("profiling", result.Error);
    }
}
