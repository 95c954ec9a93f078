namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>Settings given on the command line; each one that is set replaces the preset's or file's value.</summary>
public sealed record SweepOverrides
{
    public IReadOnlyList<string>? Models { get; init; }
    public IReadOnlyList<string>? Patterns { get; init; }
    public IReadOnlyList<int>? Depths { get; init; }
    public IReadOnlyList<double>? Widths { get; init; }
    public IReadOnlyList<string>? Backends { get; init; }
    public IReadOnlyList<int>? Threads { get; init; }
    public IReadOnlyList<int>? Batch { get; init; }
    public IReadOnlyList<int>? Resolution { get; init; }
    public int? Seed { get; init; }
    public double? CellTimeoutSeconds { get; init; }
    public double? MaxSeconds { get; init; }
    public double? TargetRelativeCi { get; init; }
    public double? Tolerance { get; init; }
    public IReadOnlyList<string>? Counters { get; init; }
    public bool? KeepSamples { get; init; }
    public bool? Pin { get; init; }
    public int? Launches { get; init; }

    public SweepConfiguration ApplyTo(SweepConfiguration configuration) => configuration with
    {
        Models = Models ?? configuration.Models,
        // Naming models alone means "these models": the preset's pattern grid is dropped unless patterns are named too.
        Patterns = Patterns ?? (Models is not null ? [] : configuration.Patterns),
        Depths = Depths ?? configuration.Depths,
        Widths = Widths ?? configuration.Widths,
        Backends = Backends ?? configuration.Backends,
        Threads = Threads ?? configuration.Threads,
        Batch = Batch ?? configuration.Batch,
        Resolution = Resolution ?? configuration.Resolution,
        Seed = Seed ?? configuration.Seed,
        CellTimeoutSeconds = CellTimeoutSeconds ?? configuration.CellTimeoutSeconds,
        Timing = configuration.Timing with
        {
            MaxSeconds = MaxSeconds ?? configuration.Timing.MaxSeconds,
            TargetRelativeCi = TargetRelativeCi ?? configuration.Timing.TargetRelativeCi,
        },
        Parity = configuration.Parity with { Tolerance = Tolerance ?? configuration.Parity.Tolerance },
        Counters = Counters ?? configuration.Counters,
        KeepSamples = KeepSamples ?? configuration.KeepSamples,
        Pin = Pin ?? configuration.Pin,
        Launches = Launches ?? configuration.Launches,
    };
}
