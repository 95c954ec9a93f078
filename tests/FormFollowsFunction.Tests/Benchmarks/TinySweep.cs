using System.Globalization;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>
/// A sweep small enough for tests: tiny pattern networks at 32x32, short timing, no counters, and
/// TorchSharp's oneDNN capped at SSE4.1 (the widest ISA whose convolutions are right on the build
/// machines) so that probing takes one worker, not three.
/// </summary>
internal static class TinySweep
{
    public static readonly string[] Models = ["residual-d1-w0.25", "plain-d1-w0.25", "dwbottleneck-d1-w0.25"];

    public static string Yaml(IEnumerable<string>? models = null, IEnumerable<int>? threads = null, double cellTimeoutSeconds = 60, int launches = 1, int resolution = 32) => $$"""
        preset: quick
        models: [{{string.Join(", ", models ?? Models)}}]
        patterns: []
        backends: [torch-cpu, ort-cpu]
        threads: [{{string.Join(", ", threads ?? [1])}}]
        resolution: [{{resolution}}]
        timing:
          warmup_seconds: 0.02
          warmup_iterations: 2
          min_iterations: 5
          max_iterations: 200
          max_seconds: 0.1
          target_relative_ci: 0.01
        launches: {{launches}}
        cell_timeout_seconds: {{cellTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}}
        counters: [none]
        backend_options:
          torch-cpu: { onednn_max_isa: SSE41 }
        """;

    public static string WriteConfig(TemporaryFolder folder, string yaml) => folder.Write("sweep.yaml", yaml);

    /// <summary>Rows in a CSV file being appended to by a running sweep (header and any torn last line not counted).</summary>
    public static int DataLines(string path)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return Math.Max(0, reader.ReadToEnd().Count(c => c == '\n') - 1);
    }
}
