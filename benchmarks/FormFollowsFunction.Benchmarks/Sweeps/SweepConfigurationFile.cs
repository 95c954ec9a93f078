using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Timing;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// Reads a sweep configuration from YAML (snake_case keys, see docs/benchmarks.md). Keys that are
/// not set keep the value of the preset the file names (<c>preset:</c>, default quick). Unknown keys
/// are errors, so a typo cannot silently fall back to a default.
/// </summary>
public static class SweepConfigurationFile
{
    public static SweepConfiguration Load(string path)
    {
        if (!File.Exists(path)) throw new SweepConfigurationException($"configuration file '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    public static SweepConfiguration Parse(string yaml, string origin)
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .Build();
        Document? document;
        try
        {
            document = deserializer.Deserialize<Document>(yaml);
        }
        catch (YamlException e)
        {
            string reason = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
            if (reason.Contains("not found on type", StringComparison.Ordinal))
                reason = $"unknown key ({reason})";
            throw new SweepConfigurationException($"{origin} (line {e.Start.Line}, column {e.Start.Column}): {reason}");
        }
        if (document is null) throw new SweepConfigurationException($"{origin} is empty; see docs/benchmarks.md for the keys");
        return document.ApplyTo(SweepPresets.Get(document.Preset ?? SweepPresets.DefaultName));
    }

    /// <summary>The YAML document: every key optional.</summary>
    private sealed class Document
    {
        public string? Preset { get; set; }
        public List<string>? Models { get; set; }
        public List<string>? Patterns { get; set; }
        public List<int>? Depths { get; set; }
        public List<double>? Widths { get; set; }
        public List<string>? Backends { get; set; }
        public List<int>? Threads { get; set; }
        public List<int>? Batch { get; set; }
        public List<int>? Resolution { get; set; }
        public int? Seed { get; set; }
        public TimingDocument? Timing { get; set; }
        public double? CellTimeoutSeconds { get; set; }
        public ParityDocument? Parity { get; set; }
        public List<string>? Counters { get; set; }
        public bool? KeepSamples { get; set; }
        public bool? Pin { get; set; }
        public Dictionary<string, BackendOptionsDocument>? BackendOptions { get; set; }
        public string? MallocTunables { get; set; }

        public SweepConfiguration ApplyTo(SweepConfiguration preset) => preset with
        {
            Models = Models ?? preset.Models,
            // As on the command line: naming models alone means these models, without the preset's pattern grid.
            Patterns = Patterns ?? (Models is not null ? [] : preset.Patterns),
            Depths = Depths ?? preset.Depths,
            Widths = Widths ?? preset.Widths,
            Backends = Backends ?? preset.Backends,
            Threads = Threads ?? preset.Threads,
            Batch = Batch ?? preset.Batch,
            Resolution = Resolution ?? preset.Resolution,
            Seed = Seed ?? preset.Seed,
            Timing = Timing?.ApplyTo(preset.Timing) ?? preset.Timing,
            CellTimeoutSeconds = CellTimeoutSeconds ?? preset.CellTimeoutSeconds,
            Parity = Parity?.ApplyTo(preset.Parity) ?? preset.Parity,
            Counters = Counters ?? preset.Counters,
            KeepSamples = KeepSamples ?? preset.KeepSamples,
            Pin = Pin ?? preset.Pin,
            BackendOptions = BackendOptions?.ToDictionary(p => p.Key, p => p.Value.ToOptions()) ?? preset.BackendOptions,
            MallocTunables = MallocTunables ?? preset.MallocTunables,
        };
    }

    private sealed class TimingDocument
    {
        public double? WarmupSeconds { get; set; }
        public int? WarmupIterations { get; set; }
        public int? MinIterations { get; set; }
        public int? MaxIterations { get; set; }
        public double? MaxSeconds { get; set; }
        public double? TargetRelativeCi { get; set; }

        public TimingPolicy ApplyTo(TimingPolicy policy) => policy with
        {
            WarmupSeconds = WarmupSeconds ?? policy.WarmupSeconds,
            WarmupIterations = WarmupIterations ?? policy.WarmupIterations,
            MinIterations = MinIterations ?? policy.MinIterations,
            MaxIterations = MaxIterations ?? policy.MaxIterations,
            MaxSeconds = MaxSeconds ?? policy.MaxSeconds,
            TargetRelativeCi = TargetRelativeCi ?? policy.TargetRelativeCi,
        };
    }

    private sealed class ParityDocument
    {
        public string? Reference { get; set; }
        public double? Tolerance { get; set; }

        public ParitySettings ApplyTo(ParitySettings parity) =>
            new(Reference ?? parity.Reference, Tolerance ?? parity.Tolerance);
    }

    private sealed class BackendOptionsDocument
    {
        public string? Library { get; set; }
        public string? GraphOptimization { get; set; }
        public string? Device { get; set; }
        public string? Precision { get; set; }
        public string? OnednnMaxIsa { get; set; }
        public string? IoBoundary { get; set; }
        public string? Tf32 { get; set; }
        public string? CudnnAutotune { get; set; }

        public BackendOptions ToOptions() => new()
        {
            OneDnnMaxIsa = OnednnMaxIsa,
            Library = Library,
            GraphOptimization = GraphOptimization,
            Device = Device,
            Precision = Precision,
            IoBoundary = IoBoundary,
            Tf32 = Tf32,
            CudnnAutotune = CudnnAutotune,
        };
    }
}
