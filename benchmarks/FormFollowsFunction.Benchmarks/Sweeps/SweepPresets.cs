using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Timing;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>Named starting points for a sweep.</summary>
public static class SweepPresets
{
    public const string DefaultName = "quick";

    private static readonly string[] AllBackends = [.. BackendCatalog.All.Select(b => b.Name)];
    private static readonly string[] AllPatterns = ["plain", "residual", "dwbottleneck", "darts"];

    /// <summary>
    /// Every pattern at two depths and two widths plus three reference networks, on every available
    /// backend, at 224x224 and batch 1; each cell in 4 launches of at most 0.3 s of timing. About 3.5
    /// minutes on 2 cores.
    /// </summary>
    public static SweepConfiguration Quick { get; } = new()
    {
        Preset = "quick",
        Models = ["mobilenetv2", "resnet18", "efficientnet_b0"],
        Patterns = AllPatterns,
        Depths = [2, 8],
        Widths = [0.5, 1.0],
        Backends = AllBackends,
        // Four short launches rather than one long one: between processes the machine varies more than
        // within one, so launches, not iterations, narrow the interval that holds from run to run.
        Timing = new TimingPolicy { WarmupSeconds = 0.1, WarmupIterations = 3, MinIterations = 5, MaxIterations = 2000, MaxSeconds = 0.3, TargetRelativeCi = 0.01 },
        Launches = 4,
        CellTimeoutSeconds = 180,
    };

    /// <summary>
    /// The full grid for a paper: every pattern at depths 1 to 32 and widths 0.25 to 2, every
    /// reference network, at 224x224 and batch 1, each cell in 6 launches of at most 3 s of timing, raw
    /// samples kept. Hours on a lab machine.
    /// </summary>
    public static SweepConfiguration Paper { get; } = new()
    {
        Preset = "paper",
        Models = ["vgg16", "resnet18", "resnet50", "mobilenetv2", "mnasnet1_0", "efficientnet_b0", "darts"],
        Patterns = AllPatterns,
        Depths = [1, 2, 4, 8, 16, 32],
        Widths = [0.25, 0.5, 1.0, 1.5, 2.0],
        Backends = AllBackends,
        Timing = new TimingPolicy { WarmupSeconds = 0.5, WarmupIterations = 5, MinIterations = 10, MaxIterations = 10_000, MaxSeconds = 3, TargetRelativeCi = 0.01 },
        Launches = 6,
        CellTimeoutSeconds = 1200,
        KeepSamples = true,
    };

    public static IReadOnlyDictionary<string, SweepConfiguration> All { get; } =
        new Dictionary<string, SweepConfiguration>(StringComparer.OrdinalIgnoreCase) { ["quick"] = Quick, ["paper"] = Paper };

    public static SweepConfiguration Get(string name) =>
        All.TryGetValue(name, out var preset)
            ? preset
            : throw new SweepConfigurationException($"unknown preset '{name}'; presets: {string.Join(", ", All.Keys)}");
}

/// <summary>A sweep configuration that cannot be used; the message says which setting and how to fix it.</summary>
public sealed class SweepConfigurationException(string message) : Exception(message);
