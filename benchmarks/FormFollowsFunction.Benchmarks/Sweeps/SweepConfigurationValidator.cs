using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// Checks a configuration before anything runs, so that a sweep never starts only to fail on its
/// hundredth cell, and fills in what depends on the machine (default thread count).
/// </summary>
public static class SweepConfigurationValidator
{
    /// <summary>Values of backend_options.*.onednn_max_isa: auto, none, or an ISA oneDNN's ONEDNN_MAX_CPU_ISA accepts.</summary>
    public static readonly IReadOnlyList<string> OneDnnIsaNames =
        ["auto", "none", "SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI", "AVX512_CORE_BF16", "AVX10_1_512", "AVX512_CORE_FP16", "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16", "ALL"];

    /// <summary>Returns the configuration with machine-dependent defaults made explicit; throws a one-line error otherwise.</summary>
    public static SweepConfiguration Resolve(SweepConfiguration configuration, ModelCatalog catalog, int physicalCores)
    {
        void Require(bool condition, string message)
        {
            if (!condition) throw new SweepConfigurationException(message);
        }

        Require(configuration.Models.Count > 0 || configuration.Patterns.Count > 0,
            "nothing to measure: give --models and/or --patterns (with --depths and --widths), or a preset");
        if (configuration.Patterns.Count > 0)
        {
            Require(configuration.Depths.Count > 0, "--patterns needs --depths (for example --depths 2,4,8)");
            Require(configuration.Widths.Count > 0, "--patterns needs --widths (for example --widths 0.5,1.0)");
            foreach (var pattern in configuration.Patterns) catalog.Pattern(pattern);
        }
        Require(configuration.Depths.All(d => d > 0), $"depths must be positive whole numbers, got {string.Join(",", configuration.Depths)}");
        Require(configuration.Widths.All(w => w > 0 && double.IsFinite(w)), $"widths must be positive, got {string.Join(",", configuration.Widths)}");
        var models = configuration.ModelIdentifiers().Distinct().Select(catalog.Resolve).ToList();

        Require(configuration.Backends.Count > 0, "no backends given; run 'fff backends' to see them");
        foreach (var backend in configuration.Backends) BackendCatalog.Get(backend);
        var baseline = BackendCatalog.All.FirstOrDefault(b => string.Equals(b.Name, configuration.Baseline.Trim(), StringComparison.OrdinalIgnoreCase))
                       ?? throw new SweepConfigurationException(
                           $"baseline '{configuration.Baseline}' is not a backend; known: {string.Join(", ", BackendCatalog.All.Select(b => b.Name))}");
        // A model without a network description (an ONNX file with operators the importer lacks) is measured by ONNX
        // Runtime alone: a plan that would need TorchSharp for it, as a backend or as the baseline, is refused with the route.
        var needed = configuration.Backends.Select(BackendCatalog.Get).Append(baseline).ToList();
        if (models.FirstOrDefault(m => needed.Any(b => !b.CanRun(m))) is { } described)
            throw new SweepConfigurationException(described.DescriptionProblem!);
        foreach (var (backend, options) in configuration.BackendOptions)
        {
            BackendCatalog.Get(backend);
            try
            {
                GraphOptimizationNames.Parse(options.GraphOptimization);
            }
            catch (ArgumentException e)
            {
                throw new SweepConfigurationException($"backend_options.{backend}.graph_optimization: {e.Message}");
            }
            if (DeviceSettings.Problem(BackendCatalog.Get(backend), options) is { } unfit) throw new SweepConfigurationException(unfit);
            if (options.OneDnnMaxIsa is { } isa && !OneDnnIsaNames.Contains(isa, StringComparer.OrdinalIgnoreCase))
                throw new SweepConfigurationException(
                    $"backend_options.{backend}.onednn_max_isa: '{isa}' is not one of {string.Join(", ", OneDnnIsaNames)}");
        }
        Require(BackendCatalog.All.Any(b => b.Name == configuration.Parity.Reference),
            $"parity reference '{configuration.Parity.Reference}' is not a backend; known: {string.Join(", ", BackendCatalog.All.Select(b => b.Name))}");
        Require(configuration.Parity.Tolerance > 0, $"parity tolerance must be positive, got {configuration.Parity.Tolerance}");

        Require(configuration.Threads.All(t => t > 0), $"threads must be positive, got {string.Join(",", configuration.Threads)}");
        Require(configuration.Batch.Count > 0 && configuration.Batch.All(b => b > 0), $"batch sizes must be positive, got {string.Join(",", configuration.Batch)}");
        Require(configuration.Resolution.Count > 0 && configuration.Resolution.All(r => r > 0), $"resolutions must be positive, got {string.Join(",", configuration.Resolution)}");
        Require(configuration.Launches >= 1, $"launches must be at least 1 (worker processes per cell), got {configuration.Launches}");
        Require(configuration.CellTimeoutSeconds > 0, "cell timeout must be positive");
        Require(configuration.Launches >= 1, $"launches must be 1 or more (worker processes per cell), got {configuration.Launches}");
        if (configuration.Timing.Problem() is { } problem) throw new SweepConfigurationException($"timing: {problem}");
        Require(configuration.Counters.Count > 0, "counters: give 'default', 'none' or event names");

        // Each network must be buildable at each resolution: fail now, with the smallest resolution that works.
        foreach (var model in models.Where(m => m.HasDescription))
            foreach (var resolution in configuration.Resolution)
                model.Build(new InputSpec(resolution, configuration.Batch[0]));

        return configuration with
        {
            Threads = configuration.Threads.Count > 0 ? configuration.Threads : [Math.Max(1, physicalCores)],
            // A user model travels as its file (an ONNX file with its input shape), which a resume or a worker resolves from any folder, without the models folder.
            Models = [.. configuration.Models.Select(m => catalog.Resolve(configuration.ModelIdentifier(m)).ResolvableId).Distinct()],
            Backends = [.. configuration.Backends.Select(b => BackendCatalog.Get(b).Name).Distinct()],
            Baseline = baseline.Name,
            Depths = [.. configuration.Depths.Distinct()],
            Widths = [.. configuration.Widths.Distinct()],
            // Keys are matched without case when checked; store them as the backends' names, so lookups find them.
            BackendOptions = configuration.BackendOptions.ToDictionary(p => BackendCatalog.Get(p.Key).Name, p => p.Value),
        };
    }
}
