using System.Text.Json.Nodes;
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
        var only = SweepConfigurationLayers.Build([SweepConfigurationLayers.FlagLayer("--models", "models", "resnet18")]);
        Assert.Empty(only.Patterns);
        Assert.Equal(["resnet18"], only.ModelIdentifiers());

        var bothFlags = new JsonObject();
        SweepConfigurationLayers.Merge(bothFlags, SweepConfigurationLayers.FlagLayer("--models", "models", "resnet18"));
        SweepConfigurationLayers.Merge(bothFlags, SweepConfigurationLayers.FlagLayer("--patterns", "patterns", "plain"));
        var both = SweepConfigurationLayers.Build([bothFlags]);
        Assert.Equal(["resnet18", "plain-d2-w0.5", "plain-d2-w1.0", "plain-d8-w0.5", "plain-d8-w1.0"], both.ModelIdentifiers());
    }

    [Fact]
    public void A_higher_layer_naming_models_alone_drops_the_pattern_grid_of_the_file_below_it()
    {
        var file = SweepConfigurationFile.ParseLayer("models: [resnet50]\npatterns: [plain]\n", "grid.yaml");
        Assert.Equal(["plain"], SweepConfigurationLayers.Build([file]).Patterns);

        var configuration = SweepConfigurationLayers.Build([file, SweepConfigurationLayers.SetLayer("models=resnet18")]);
        Assert.Equal(["resnet18"], configuration.ModelIdentifiers());
    }

    [Fact]
    public void Layers_apply_in_order_preset_then_file_then_flags_then_set()
    {
        var file = SweepConfigurationFile.ParseLayer("""
            preset: paper
            seed: 1
            threads: [1]
            timing: { max_seconds: 3, min_iterations: 12 }
            backend_options:
              torch-cpu: { onednn_max_isa: AVX2 }
            """, "layers.yaml");
        var flags = new JsonObject();
        SweepConfigurationLayers.Merge(flags, SweepConfigurationLayers.FlagLayer("--seed", "seed", "2"));
        SweepConfigurationLayers.Merge(flags, SweepConfigurationLayers.FlagLayer("--max-seconds", "timing.max_seconds", "4"));
        SweepConfigurationLayers.Merge(flags, SweepConfigurationLayers.FlagLayer("--launches", "launches", "3"));
        var set = SweepConfigurationLayers.SetLayer("timing.max_seconds=5");

        var configuration = SweepConfigurationLayers.Build([file, flags, set]);

        Assert.Equal("paper", configuration.Preset);
        Assert.Equal(SweepPresets.Paper.Depths, configuration.Depths); // from the preset
        Assert.True(configuration.KeepSamples);                        // from the preset
        Assert.Equal([1], configuration.Threads);                       // from the file
        Assert.Equal(12, configuration.Timing.MinIterations);           // from the file, next to a key set higher up
        Assert.Equal(SweepPresets.Paper.Timing.WarmupSeconds, configuration.Timing.WarmupSeconds);
        Assert.Equal(2, configuration.Seed);                            // a flag over the file
        Assert.Equal(3, configuration.Launches);
        Assert.Equal(5, configuration.Timing.MaxSeconds);               // --set over the flag over the file
        Assert.Equal("AVX2", configuration.OptionsFor("torch-cpu").OneDnnMaxIsa);
    }

    [Fact]
    public void Set_reaches_nested_and_dictionary_keys_and_converts_by_the_schemas_types()
    {
        var file = SweepConfigurationFile.ParseLayer("backend_options:\n  ort-cpu: { library: /opt/ort/libonnxruntime.so }\n", "options.yaml");
        string[] assignments =
        [
            "timing.max_seconds=5", "parity.tolerance=1e-4", "backend_options.ort-cpu.graph_optimization=basic",
            "backend_options.torch-cpu.onednn_max_isa=SSE41", "threads=1,2", "batch=[1, 4]", "keep_samples=true",
            "counters=none", "malloc_tunables=", "widths=0.5",
        ];

        var configuration = SweepConfigurationLayers.Build([file, .. assignments.Select(SweepConfigurationLayers.SetLayer)]);

        Assert.Equal(5, configuration.Timing.MaxSeconds);
        Assert.Equal(1e-4, configuration.Parity.Tolerance);
        Assert.Equal("torch-cpu", configuration.Parity.Reference);
        Assert.Equal("basic", configuration.OptionsFor("ort-cpu").GraphOptimization);
        Assert.Equal("/opt/ort/libonnxruntime.so", configuration.OptionsFor("ort-cpu").Library); // merged, not replaced
        Assert.Equal("SSE41", configuration.OptionsFor("torch-cpu").OneDnnMaxIsa);
        Assert.Equal([1, 2], configuration.Threads);
        Assert.Equal([1, 4], configuration.Batch);
        Assert.True(configuration.KeepSamples);
        Assert.Equal(["none"], configuration.Counters);
        Assert.Equal("", configuration.MallocTunables);
        Assert.Equal([0.5], configuration.Widths);
    }

    [Fact]
    public void The_schema_is_the_records_json_contract_so_every_stored_key_can_be_set()
    {
        var keys = SweepConfigurationSchema.Instance.Keys().Select(k => k.Path).ToHashSet();
        var stored = SweepConfigurationLayers.ToJson(SweepPresets.Paper with
        {
            BackendOptions = new Dictionary<string, BackendOptions> { ["ort-cpu"] = new() { Library = "x", GraphOptimization = "all", Device = "0", Precision = "FP32", OneDnnMaxIsa = "auto" } },
        });

        // Every key path of the stored JSON, with the backends under backend_options written as '*'.
        IEnumerable<string> Paths(JsonObject json, string prefix) => json.SelectMany(p =>
        {
            if (prefix == "backend_options") return Paths((JsonObject)p.Value!, $"{prefix}.*");
            string path = prefix.Length == 0 ? p.Key : $"{prefix}.{p.Key}";
            return p.Value is JsonObject inner ? [path, .. Paths(inner, path)] : new[] { path };
        });
        Assert.Empty(Paths(stored, "").Except(keys));
        Assert.Contains("launches", keys);
        Assert.Contains("backend_options.*.onednn_max_isa", keys);
        // Presets measure each cell in several processes, the paper grid in more than the quick one.
        Assert.InRange(SweepPresets.Quick.Launches, 2, SweepPresets.Paper.Launches - 1);
    }

    [Fact]
    public void The_example_file_in_the_documentation_is_valid_and_names_every_key()
    {
        string docs = File.ReadAllText(Path.Combine(SourceTree.Root()!, "docs", "benchmarks.md"));
        int start = docs.IndexOf("```yaml\n", docs.IndexOf("A configuration file with every key", StringComparison.Ordinal), StringComparison.Ordinal) + "```yaml\n".Length;
        string example = docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];

        var layer = SweepConfigurationFile.ParseLayer(example, "docs/benchmarks.md");

        var documented = new HashSet<string>();
        void Collect(JsonObject json, string prefix)
        {
            foreach (var (key, value) in json)
            {
                string path = prefix == "backend_options" ? $"{prefix}.*" : prefix.Length == 0 ? key : $"{prefix}.{key}";
                if (prefix != "backend_options") documented.Add(path);
                if (value is JsonObject inner) Collect(inner, path);
            }
        }
        Collect(layer, "");
        var missing = SweepConfigurationSchema.Instance.Keys().Select(k => k.Path).Where(k => !documented.Contains(k)).ToList();
        Assert.True(missing.Count == 0, $"docs/benchmarks.md's example file lacks: {string.Join(", ", missing)}");
    }

    [Fact]
    public void A_layer_that_repeats_the_stored_values_changes_nothing()
    {
        var stored = SweepPresets.Quick with { Models = ["resnet18"], Patterns = [], Threads = [1] };
        var layer = new JsonObject();
        SweepConfigurationLayers.Merge(layer, SweepConfigurationLayers.SetLayer("threads=1"));
        SweepConfigurationLayers.Merge(layer, SweepConfigurationLayers.SetLayer(FormattableString.Invariant($"timing.max_seconds={stored.Timing.MaxSeconds}")));

        var again = SweepConfigurationLayers.Build(SweepConfigurationLayers.ToJson(stored), [layer]);

        Assert.True(JsonNode.DeepEquals(SweepConfigurationLayers.ToJson(stored), SweepConfigurationLayers.ToJson(again)));
    }

    [Theory]
    [InlineData("modles: [resnet18]\n", "bad.yaml (line 1): unknown key 'modles'; did you mean 'models'?")]
    [InlineData("models: [resnet18]\ntiming:\n  warmup_seconds: 1\n  max_seconds: abc\n", "bad.yaml (line 4): timing.max_seconds: expected a number, got 'abc'")]
    [InlineData("models: [resnet18]\ntiming: { max_secnds: 3 }\n", "bad.yaml (line 2): unknown key 'timing.max_secnds'; did you mean 'timing.max_seconds'?")]
    [InlineData("models: [resnet18]\nbackends: [ort-cpu]\nthreads: [1, 2\nseed: 4\n", "bad.yaml (line 3, column 10): the YAML is malformed: a '[' list is not closed with ']'")]
    [InlineData("timing: { max_seconds: 3\nseed: 4\n", "bad.yaml (line 1, column 9): the YAML is malformed: a '{' mapping is not closed with '}'")]
    [InlineData("seed: 1\nseed: 2\n", "bad.yaml (line 2, column 1): the YAML is malformed: a key appears twice at the same level")]
    [InlineData("threads: 1,x\n", "bad.yaml (line 1): threads: expected a whole number, got 'x'")]
    [InlineData("pin: sometimes\n", "bad.yaml (line 1): pin: expected true or false, got 'sometimes'")]
    [InlineData("seed:\n", "bad.yaml (line 1): seed: expected a whole number, got nothing")]
    [InlineData("timing: 3\n", "bad.yaml (line 1): timing: expected keys such as warmup_seconds, warmup_iterations, min_iterations (a mapping, 'key: value'), got '3'")]
    [InlineData("- resnet18\n", "bad.yaml (line 1): expected keys such as preset, models, patterns (a mapping, 'key: value'), got a list")]
    [InlineData("", "bad.yaml is empty; see docs/benchmarks.md for the keys")]
    public void Yaml_errors_name_the_file_the_line_the_key_and_the_fix(string yaml, string expected)
    {
        var error = Assert.Throws<SweepConfigurationException>(() => SweepConfigurationFile.ParseLayer(yaml, "bad.yaml"));
        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("timing.max_secnds=5", "--set timing.max_secnds=5: unknown key 'timing.max_secnds'; did you mean 'timing.max_seconds'?")]
    [InlineData("modles=resnet18", "--set modles=resnet18: unknown key 'modles'; did you mean 'models'?")]
    [InlineData("parity.tolerance=abc", "--set parity.tolerance=abc: parity.tolerance: expected a number, got 'abc'")]
    [InlineData("backend_options.ort-cpu.graph_optimisation=basic", "--set backend_options.ort-cpu.graph_optimisation=basic: unknown key 'backend_options.ort-cpu.graph_optimisation'; did you mean 'backend_options.ort-cpu.graph_optimization'?")]
    [InlineData("threads=[1, x]", "--set threads=[1, x]: threads: expected a whole number, got 'x'")]
    [InlineData("threads=[1, 2", "--set threads=[1, 2: '[1, 2' is malformed: a '[' list is not closed with ']'")]
    [InlineData("timing.max_seconds.limit=3", "--set timing.max_seconds.limit=3: timing.max_seconds holds a number; it has no key 'limit'")]
    [InlineData("max_seconds", "--set max_seconds: give KEY=VALUE, for example --set timing.max_seconds=5")]
    [InlineData("zzzzzz=1", "--set zzzzzz=1: unknown key 'zzzzzz'; known keys: preset, models, patterns, depths, widths, models_dir, input_shape, backends, baseline, threads, batch, resolution, seed, timing, launches, cell_timeout_seconds, parity, counters, keep_samples, profile, pin, backend_options, malloc_tunables")]
    public void Set_errors_name_the_assignment_the_key_and_the_fix(string assignment, string expected)
    {
        var error = Assert.Throws<SweepConfigurationException>(() => SweepConfigurationLayers.SetLayer(assignment));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void A_flag_value_of_the_wrong_type_names_the_flag()
    {
        var error = Assert.Throws<SweepConfigurationException>(() => SweepConfigurationLayers.FlagLayer("--threads", "threads", "1,two"));
        Assert.Equal("--threads: expected a whole number, got 'two'", error.Message);
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
    [InlineData("timing", "timing: max iterations (4) must be at least min iterations (5)")]
    [InlineData("isa", "onednn_max_isa: 'AVX9000' is not one of")]
    [InlineData("graph", "graph_optimization: unknown graph optimisation level 'fast'")]
    [InlineData("reference", "parity reference 'numpy' is not a backend")]
    [InlineData("counters", "counters: 'none' cannot be combined")]
    [InlineData("launches", "launches must be at least 1 (worker processes per cell), got 0")]
    public void Invalid_settings_are_refused_with_the_setting_named(string setting, string expected)
    {
        var quick = SweepPresets.Quick;
        var configuration = setting switch
        {
            "widths" => quick with { Widths = [0.5, -1] },
            "tolerance" => quick with { Parity = new ParitySettings(Tolerance: 0) },
            "timing" => quick with { Timing = quick.Timing with { MinIterations = 5, MaxIterations = 4 } },
            "isa" => quick with { BackendOptions = new Dictionary<string, BackendOptions> { ["torch-cpu"] = new() { OneDnnMaxIsa = "AVX9000" } } },
            "graph" => quick with { BackendOptions = new Dictionary<string, BackendOptions> { ["ort-cpu"] = new() { GraphOptimization = "fast" } } },
            "reference" => quick with { Parity = new ParitySettings(Reference: "numpy") },
            "counters" => quick with { Counters = ["none", "instructions"] },
            "launches" => quick with { Launches = 0 },
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
