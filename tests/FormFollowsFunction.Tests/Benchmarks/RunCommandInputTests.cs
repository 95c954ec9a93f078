using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>Bad input to <c>fff run</c>: one line on standard error, exit code 2, and no run folder left behind.</summary>
public sealed class RunCommandInputTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private void AssertRefused(FffResult result, string expected)
    {
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(_folder.Combine("run")), "a refused run left a run folder");
    }

    private FffResult Run(params string[] arguments) => FffProgram.Run(["run", "--out", _folder.Combine("run"), .. arguments]);

    [Fact]
    public void Unknown_backend() =>
        AssertRefused(Run("--backends", "torch-cpu,ort-tpu"), "unknown backend 'ort-tpu'; known backends: torch-cpu, torch-cuda, ort-cpu, ort-openvino, ort-cuda");

    [Fact]
    public void Unknown_model() => AssertRefused(Run("--models", "resnet51"), "unknown model 'resnet51'");

    [Fact]
    public void Depth_zero() => AssertRefused(Run("--patterns", "residual", "--depths", "0", "--widths", "1"), "depths must be positive");

    [Fact]
    public void Resolution_too_small_for_the_network() => AssertRefused(Run("--models", "vgg16", "--resolution", "16"), "vgg16 needs an input resolution of at least 32 (got 16)");

    [Fact]
    public void A_list_item_that_is_not_a_number() => AssertRefused(Run("--threads", "1,two"), "error: --threads: expected a whole number, got 'two'");

    [Fact]
    public void A_number_flag_that_is_not_a_number_is_named_without_a_type_name() =>
        AssertRefused(Run("--models", "resnet18", "--launches", "two"), "error: --launches: expected a whole number, got 'two'");

    [Fact]
    public void Launches_below_one() => AssertRefused(Run("--models", "resnet18", "--launches", "0"), "error: launches must be at least 1 (worker processes per cell), got 0");

    [Fact]
    public void Set_with_a_misspelt_key_suggests_the_nearest() =>
        AssertRefused(Run("--models", "resnet18", "--set", "timing.max_secnds=5"),
            "error: --set timing.max_secnds=5: unknown key 'timing.max_secnds'; did you mean 'timing.max_seconds'?");

    [Fact]
    public void Set_with_a_value_of_the_wrong_type() =>
        AssertRefused(Run("--models", "resnet18", "--set", "parity.tolerance=small"),
            "error: --set parity.tolerance=small: parity.tolerance: expected a number, got 'small'");

    [Fact]
    public void Set_is_checked_by_the_validator_like_the_file_and_the_flags() =>
        AssertRefused(Run("--models", "resnet18", "--set", "backend_options.ort-cpu.graph_optimization=fast"),
            "error: backend_options.ort-cpu.graph_optimization: unknown graph optimisation level 'fast'");

    [Fact]
    public void Help_lists_the_flags_and_set()
    {
        var result = FffProgram.Run("run", "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var flag in new[] { "--preset", "--config", "--models", "--max-seconds", "--target-ci", "--launches", "--set", "--keep-samples", "--resume" })
            Assert.Contains(flag, result.Output);
        Assert.Contains("Measure each cell in K worker processes", result.Output);
    }

    [Fact]
    public void Malformed_yaml_names_the_file_and_line()
    {
        string config = _folder.Write("broken.yaml", "backends: [ort-cpu]\nmodels: [resnet18\nseed: 3\n");
        AssertRefused(Run("--config", config), "broken.yaml (line 2, column 9): the YAML is malformed: a '[' list is not closed with ']'");
    }

    [Fact]
    public void A_misspelt_yaml_key_is_an_error_not_a_silent_default()
    {
        string config = _folder.Write("typo.yaml", "models: [resnet18]\nbackend: [ort-cpu]\n");
        AssertRefused(Run("--config", config), "typo.yaml (line 2): unknown key 'backend'; did you mean 'backends'?");
    }

    [Fact]
    public void Contradictory_flags() =>
        AssertRefused(FffProgram.Run("run", "--resume", _folder.Combine("old"), "--preset", "paper"), "cannot be combined with --preset");

    [Fact]
    public void Unwritable_results_folder()
    {
        var result = FffProgram.Run("run", "--models", "resnet18", "--out", "/proc/fff-cannot-write-here");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: cannot write the results folder '/proc/fff-cannot-write-here'", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void An_existing_run_folder_is_not_overwritten()
    {
        string run = _folder.Combine("run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "results.csv"), "precious");
        var result = Run("--models", "resnet18");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("already exists and is not empty; continue that run with --resume", Assert.Single(result.ErrorLines));
        Assert.Equal("precious", File.ReadAllText(Path.Combine(run, "results.csv")));
    }

    [Theory]
    [InlineData("--backends ort-cpu", "backends: [\"torch-cpu\",\"ort-cpu\"] then, [\"ort-cpu\"] now")]
    [InlineData("--launches 3", "launches: 4 then, 3 now")]
    [InlineData("--set seed=7", "seed: 42 then, 7 now")]
    [InlineData("--set backend_options.ort-cpu.graph_optimization=basic", "backend_options: {} then, {\"ort-cpu\":{\"graph_optimization\":\"basic\"}} now")]
    public void Resuming_with_a_different_configuration_is_refused_and_changes_nothing(string options, string difference)
    {
        string run = _folder.Combine("earlier");
        var folder = new RunFolder(run);
        var stored = SweepPresets.Quick with { Models = ["resnet18"], Patterns = [], Backends = ["torch-cpu", "ort-cpu"], Threads = [1] };
        folder.WriteManifest(new RunManifest
        {
            RunId = "earlier",
            CreatedUtc = DateTime.UtcNow,
            Machine = FormFollowsFunction.Hardware.Machine.MachineInspector.Inspect(),
            Configuration = SweepSession.ToJson(stored),
        });
        string manifestBefore = File.ReadAllText(folder.ManifestFile);

        var result = FffProgram.Run(["run", "--resume", run, .. options.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains($"was configured differently ({difference})", line);
        Assert.Equal(manifestBefore, File.ReadAllText(folder.ManifestFile));
        Assert.False(File.Exists(folder.ResultsFile));
    }
}
