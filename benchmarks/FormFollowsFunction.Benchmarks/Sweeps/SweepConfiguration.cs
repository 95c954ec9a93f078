using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Timing;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>How each backend's output is checked against the reference output.</summary>
/// <param name="Reference">Backend whose output is the reference (torch-cpu); if it cannot run a model, the first backend that can (ort-cpu next) takes its place, and the row says which.</param>
/// <param name="Tolerance">Largest relative L2 error accepted: ||y - y_ref||₂ / ||y_ref||₂.</param>
public sealed record ParitySettings(string Reference = "torch-cpu", double Tolerance = 1e-3);

/// <summary>
/// Everything that decides what a sweep measures and how: models (reference names and pattern
/// grids), backends, threads, batch sizes, resolutions, seed, timing policy, parity check, counters.
/// Built in layers, lowest first: a preset, a YAML file, command-line flags, <c>--set KEY=VALUE</c>
/// (<see cref="SweepConfigurationLayers"/>); recorded in the run manifest, and compared on resume.
/// Its properties, as System.Text.Json names them (snake_case), are the keys of YAML files and
/// <c>--set</c> (<see cref="SweepConfigurationSchema"/>): a new setting is one property here.
/// </summary>
public sealed record SweepConfiguration
{
    /// <summary>The preset the configuration started from (quick, paper), for the record.</summary>
    public string Preset { get; init; } = "";

    /// <summary>Reference networks and pattern identifiers, e.g. resnet50, residual-d8-w1.0.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Patterns crossed with <see cref="Depths"/> and <see cref="Widths"/>.</summary>
    public IReadOnlyList<string> Patterns { get; init; } = [];

    public IReadOnlyList<int> Depths { get; init; } = [];

    public IReadOnlyList<double> Widths { get; init; } = [];

    /// <summary>A folder of user models (network spec files, ONNX files) that <see cref="Models"/> may name without their path; empty for none.</summary>
    public string ModelsDir { get; init; } = "";

    /// <summary>
    /// Input shape (for example 1x3x48x192) that fixes the dynamic dimensions of every ONNX file in <see cref="Models"/>
    /// not written with its own (<c>net.onnx@1x3x640x640</c>); empty when the files' inputs are static.
    /// </summary>
    public string InputShape { get; init; } = "";

    /// <summary>Backends to measure; those unavailable on the machine are listed at the start and skipped.</summary>
    public IReadOnlyList<string> Backends { get; init; } = [];

    /// <summary>
    /// Backend whose median latency the run's report divides by (speed-up = baseline median / backend median), and
    /// what <c>fff report</c> takes for this run when not told otherwise. A model that TorchSharp cannot run (an ONNX
    /// file without a network description) needs an ONNX Runtime baseline such as ort-cpu.
    /// </summary>
    public string Baseline { get; init; } = BackendCatalog.TorchCpu.Name;

    /// <summary>Intra-op thread counts, the same for every backend. Empty means the machine's physical cores.</summary>
    public IReadOnlyList<int> Threads { get; init; } = [];

    public IReadOnlyList<int> Batch { get; init; } = [1];

    public IReadOnlyList<int> Resolution { get; init; } = [224];

    /// <summary>Seed of weights and inputs.</summary>
    public int Seed { get; init; } = 42;

    public TimingPolicy Timing { get; init; } = new();

    /// <summary>Each cell is measured in this many worker processes, spread over the run in rounds; 1 measures each cell once.</summary>
    public int Launches { get; init; } = 1;

    /// <summary>A worker that runs longer than this is killed and its cell recorded as <c>timeout</c>.</summary>
    public double CellTimeoutSeconds { get; init; } = 600;

    public ParitySettings Parity { get; init; } = new();

    /// <summary>Counter events to read around the measured iterations: "default", "none", or event names (see docs/counters.md).</summary>
    public IReadOnlyList<string> Counters { get; init; } = ["default"];

    /// <summary>Write each cell's raw latencies to samples/ (needed by <c>fff compare</c>'s Mann-Whitney test).</summary>
    public bool KeepSamples { get; init; }

    /// <summary>
    /// After the timed launches, profile every torch-cpu and ort-cpu cell per layer in a separate pass
    /// (worker processes of their own, never inside a timed launch) and write the run's layers.csv.
    /// </summary>
    public bool Profile { get; init; }

    /// <summary>Pin each worker to the first <c>threads</c> logical CPUs.</summary>
    public bool Pin { get; init; }

    public IReadOnlyDictionary<string, BackendOptions> BackendOptions { get; init; } = new Dictionary<string, BackendOptions>();

    /// <summary>
    /// glibc malloc tunables (GLIBC_TUNABLES) every measurement worker runs with; empty for glibc's
    /// defaults. The default keeps freed buffers of up to 32 MiB in the heap instead of returning them
    /// to the system: with glibc's adaptive defaults libtorch was seen to unmap and re-fault its
    /// activation buffers on every inference in some worker processes and not in others (3,300 page
    /// faults per inference and 4x the latency on mobilenetv2), which made the baseline bimodal.
    /// A GLIBC_TUNABLES already in the environment takes precedence.
    /// </summary>
    public string MallocTunables { get; init; } = DefaultMallocTunables;

    public const string DefaultMallocTunables = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456";

    public BackendOptions OptionsFor(string backend) =>
        BackendOptions.TryGetValue(backend, out var options) ? options : FormFollowsFunction.Benchmarks.Backends.BackendOptions.None;

    /// <summary>
    /// The backends that may compute <paramref name="model"/>'s reference output, in the order they are tried: the
    /// parity reference, then torch-cpu, then ort-cpu, leaving out those that cannot run the model (TorchSharp needs the
    /// network description, so a model without one is checked against ONNX Runtime CPU). Never empty.
    /// </summary>
    public IReadOnlyList<BackendDescriptor> ReferenceCandidates(Architectures.Catalog.ModelDefinition model) =>
        [.. new[] { Parity.Reference, BackendCatalog.TorchCpu.Name, BackendCatalog.OrtCpu.Name }.Distinct()
            .Select(BackendCatalog.Get).Where(b => b.CanRun(model))];

    /// <summary>An entry of <see cref="Models"/> as the catalog resolves it: an ONNX file gets <see cref="InputShape"/> unless it names its own.</summary>
    public string ModelIdentifier(string model) =>
        InputShape.Length > 0 && model.Trim().EndsWith(OnnxUserModel.Extension, StringComparison.OrdinalIgnoreCase)
            ? OnnxUserModel.Identifier(model.Trim(), OnnxUserModel.ParseShape(InputShape))
            : model;

    /// <summary>Every model identifier the sweep covers: the listed models, then the pattern grid.</summary>
    public IEnumerable<string> ModelIdentifiers()
    {
        foreach (var model in Models) yield return ModelIdentifier(model);
        foreach (var pattern in Patterns)
            foreach (var depth in Depths)
                foreach (var width in Widths)
                    yield return Architectures.Catalog.ModelCatalog.PatternId(pattern, depth, width);
    }
}
