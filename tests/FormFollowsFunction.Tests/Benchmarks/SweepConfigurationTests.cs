using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Sweeps;

namespace FormFollowsFunction.Tests.Benchmarks;

public sealed class SweepConfigurationTests
{
    [Fact]
    public void Yaml_keys_override_the_named_preset_and_leave_the_rest()
    {
        var configuration = SweepConfigurationFile.Parse("""
            preset: paper
            models: [resnet50]
            threads: [1, 2]
            timing: { max_seconds: 3 }
            parity: { tolerance: 0.0001 }
            malloc_tunables: ""
            backend_options:
              ort-openvino: { library: /opt/ov/libonnxruntime.so, device: GPU }
              torch-cpu: { onednn_max_isa: AVX2 }
            """, "test.yaml");

        Assert.Equal("paper", configuration.Preset);
        Assert.Equal(["resnet50"], configuration.Models);
        Assert.Empty(configuration.Patterns); // models named alone: no pattern grid
        Assert.Equal([1, 2], configuration.Threads);
        Assert.Equal(3, configuration.Timing.MaxSeconds);
        Assert.Equal(SweepPresets.Paper.Timing.MinIterations, configuration.Timing.MinIterations);
        Assert.Equal(1e-4, configuration.Parity.Tolerance);
        Assert.Equal("torch-cpu", configuration.Parity.Reference);
        Assert.Equal("GPU", configuration.OptionsFor("ort-openvino").Device);
        Assert.Equal("/opt/ov/libonnxruntime.so", configuration.OptionsFor("ort-openvino").Library);
        Assert.Equal("AVX2", configuration.OptionsFor("torch-cpu").OneDnnMaxIsa);
        Assert.Null(configuration.OptionsFor("ort-cpu").Library);
        Assert.Equal("", configuration.MallocTunables);
        Assert.Equal(SweepConfiguration.DefaultMallocTunables, SweepPresets.Paper.MallocTunables);
    }

    [Fact]
    public void Naming_models_on_the_command_line_drops_the_presets_pattern_grid()
    {
        var only = new SweepOverrides { Models = ["resnet18"] }.ApplyTo(SweepPresets.Quick);
        Assert.Empty(only.Patterns);
        Assert.Equal(["resnet18"], only.ModelIdentifiers());

        var both = new SweepOverrides { Models = ["resnet18"], Patterns = ["plain"] }.ApplyTo(SweepPresets.Quick);
        Assert.Equal(["resnet18", "plain-d2-w0.5", "plain-d2-w1.0", "plain-d8-w0.5", "plain-d8-w1.0"], both.ModelIdentifiers());
    }

    [Fact]
    public void Resolving_makes_the_thread_count_explicit_and_canonicalises_names()
    {
        var resolved = SweepConfigurationValidator.Resolve(
            SweepPresets.Quick with { Models = ["ResNet18"], Patterns = [], Backends = ["ORT-CPU", "ort-cpu"], Threads = [] },
            ModelCatalog.Default, physicalCores: 6);

        Assert.Equal([6], resolved.Threads);
        Assert.Equal(["resnet18"], resolved.Models);
        Assert.Equal(["ort-cpu"], resolved.Backends);
    }

    [Fact]
    public void Backend_options_keys_are_matched_without_case_and_stored_under_the_backends_name()
    {
        var resolved = SweepConfigurationValidator.Resolve(
            SweepPresets.Quick with
            {
                Models = ["resnet18"], Patterns = [],
                BackendOptions = new Dictionary<string, BackendOptions> { ["ORT-OpenVINO"] = new() { Library = "/opt/ov/libonnxruntime.so" } },
            },
            ModelCatalog.Default, physicalCores: 2);

        Assert.Equal("/opt/ov/libonnxruntime.so", resolved.OptionsFor("ort-openvino").Library);
    }

    [Fact]
    public void A_yaml_file_naming_models_alone_drops_the_presets_pattern_grid_as_the_flag_does()
    {
        var configuration = SweepConfigurationFile.Parse("preset: paper\nmodels: [resnet50]\n", "models.yaml");
        Assert.Equal(["resnet50"], configuration.ModelIdentifiers());
    }

    [Theory]
    [InlineData("widths", "widths must be positive")]
    [InlineData("tolerance", "parity tolerance must be positive")]
    [InlineData("timing", "timing: max iterations (5) must be at least min iterations (10)")]
    [InlineData("isa", "onednn_max_isa: 'AVX9000' is not one of")]
    [InlineData("graph", "graph_optimization: unknown graph optimisation level 'fast'")]
    [InlineData("reference", "parity reference 'numpy' is not a backend")]
    [InlineData("counters", "counters: 'none' cannot be combined")]
    public void Invalid_settings_are_refused_with_the_setting_named(string setting, string expected)
    {
        var quick = SweepPresets.Quick;
        var configuration = setting switch
        {
            "widths" => quick with { Widths = [0.5, -1] },
            "tolerance" => quick with { Parity = new ParitySettings(Tolerance: 0) },
            "timing" => quick with { Timing = quick.Timing with { MaxIterations = 5 } },
            "isa" => quick with { BackendOptions = new Dictionary<string, BackendOptions> { ["torch-cpu"] = new() { OneDnnMaxIsa = "AVX9000" } } },
            "graph" => quick with { BackendOptions = new Dictionary<string, BackendOptions> { ["ort-cpu"] = new() { GraphOptimization = "fast" } } },
            "reference" => quick with { Parity = new ParitySettings(Reference: "numpy") },
            "counters" => quick with { Counters = ["none", "instructions"] },
            _ => throw new ArgumentOutOfRangeException(nameof(setting)),
        };
        var error = Assert.Throws<SweepConfigurationException>(() =>
        {
            var resolved = SweepConfigurationValidator.Resolve(configuration, ModelCatalog.Default, physicalCores: 2);
            CounterSelection.Resolve(resolved.Counters);
        });
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Counter_selection_expands_default_and_adds_configured_events()
    {
        Assert.Empty(CounterSelection.Resolve(["none"]));
        var standard = CounterSelection.Resolve(["default"]);
        var extended = CounterSelection.Resolve(["default", "raw:l3_miss=0x20d1"]);
        Assert.Equal(standard.Count + 1, extended.Count);
        Assert.Equal("l3_miss", extended[^1].Name);
    }

    [Fact]
    public void The_plan_puts_the_reference_backend_first_in_every_group()
    {
        var configuration = SweepPresets.Quick with { Models = ["resnet18", "mobilenetv2"], Patterns = [], Backends = ["ort-cpu", "torch-cpu"], Threads = [2, 1], Resolution = [64, 32] };
        var probed = new[] { BackendCatalog.OrtCpu, BackendCatalog.TorchCpu, BackendCatalog.OrtCuda }
            .Select(b => new ProbedBackend(b, new BackendProbe(b.Name, b != BackendCatalog.OrtCuda, "v", "cpu", null), null, null))
            .ToList();

        var plan = SweepPlan.Create(configuration, ModelCatalog.Default, probed);

        Assert.Equal(4, plan.Groups.Count);
        Assert.Equal(16, plan.CellCount);
        Assert.Equal("ort-cuda", Assert.Single(plan.Skipped).Descriptor.Name);
        Assert.All(plan.Groups, g =>
            Assert.Equal(["torch-cpu/1", "torch-cpu/2", "ort-cpu/1", "ort-cpu/2"], g.Cells.Select(c => $"{c.Backend.Name}/{c.Threads}")));
    }
}
