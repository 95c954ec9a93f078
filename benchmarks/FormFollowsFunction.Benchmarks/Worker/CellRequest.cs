using System.Text.Json;
using System.Text.Json.Serialization;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>
/// What the parent asks one worker process to do: measure one cell, or only compute the reference
/// output of a model. Passed as a JSON file; the answer comes back as a JSON file (<see cref="CellMeasurement"/>, or a <see cref="BackendProbe"/> for a probe) through <see cref="WorkerClient"/>.
/// </summary>
public sealed record CellRequest
{
    public string Model { get; init; } = "";
    public int Batch { get; init; } = 1;
    public int Resolution { get; init; } = 224;
    public string Backend { get; init; } = "";
    public int Threads { get; init; } = 1;
    public int Seed { get; init; }
    public string OnnxPath { get; init; } = "";

    /// <summary>Where the reference output lives (.f32) for this model, batch and resolution.</summary>
    public string ReferencePath { get; init; } = "";

    /// <summary>This worker's output becomes the reference of its model, batch and resolution.</summary>
    public bool WritesReference { get; init; }

    /// <summary>Compute the output and write the reference, but time nothing (no results row).</summary>
    public bool ReferenceOnly { get; init; }

    public double ParityTolerance { get; init; } = 1e-3;
    public TimingPolicy Timing { get; init; } = new();

    /// <summary>Counter event specs, already expanded ("default" → the standard set); empty for none.</summary>
    public IReadOnlyList<string> Counters { get; init; } = [];

    /// <summary>Where to write raw latencies, or null.</summary>
    public string? SamplesPath { get; init; }

    public bool Pin { get; init; }
    public BackendOptions Options { get; init; } = BackendOptions.None;

    /// <summary>
    /// Run the backend's correctness self-check in this worker (TorchSharp's convolution check). The
    /// prober and the first launch of every cell run it; later launches of a cell skip it: the same
    /// machine and cap give the same kernels, already checked twice in this run.
    /// </summary>
    public bool SelfCheck { get; init; } = true;

    /// <summary>
    /// TorchSharp: the per-shape convolution variants the cell's first launch chose (its self-check of every
    /// shape, at the same threads, on this machine); later launches build their module with them instead of
    /// checking every shape again. Null: check.
    /// </summary>
    public IReadOnlyList<ConvolutionChoice>? ConvolutionChoices { get; init; }

    /// <summary>Per-layer profiling (worker mode <c>profile</c>): measured forward passes per layer and end to end.</summary>
    public int ProfileIterations { get; init; } = 20;

    /// <summary>Per-layer profiling: the folder ONNX Runtime's profiler writes its JSON file to.</summary>
    public string? ProfileFolder { get; init; }

    /// <summary>Resolved oneDNN ISA cap for TorchSharp backends, or null.</summary>
    [JsonPropertyName("onednn_max_isa")]
    public string? OneDnnMaxIsa { get; init; }

    internal static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        // Paths and reasons stay readable: this JSON is read by people as well as by the program.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static CellRequest Read(string path) =>
        JsonSerializer.Deserialize<CellRequest>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} holds no cell request");

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}

/// <summary>
/// A measurement worker's answer: the parts of one launch of a cell as the worker process saw them
/// (versions, status, compile and first-inference times, latency statistics, parity, counters, its
/// own cost before the first timed call). The parent assembles results rows from it
/// (<see cref="Sweeps.ResultRowAssembler"/>); the worker never fills a results row itself.
/// </summary>
public sealed class CellMeasurement
{
    public string BackendVersion { get; set; } = "";
    public string Device { get; set; } = "";

    /// <summary>ONNX Runtime graph optimisation level in the results' words; empty for TorchSharp.</summary>
    public string GraphOptimization { get; set; } = "";

    public CellStatus Status { get; set; } = CellStatus.Failed;
    public string Error { get; set; } = "";
    public double? CompileMs { get; set; }
    public double? FirstMs { get; set; }
    public StopReason? StopReason { get; set; }
    public LatencyStatistics? Statistics { get; set; }
    public string ParityReference { get; set; } = "";
    public double? ParityRelErr { get; set; }

    /// <summary>Counter figures per inference; null when no counter was requested or the cell was not timed.</summary>
    public CounterFigures? Counters { get; set; }

    /// <summary>Why there are no counter figures, when <see cref="Counters"/> is null.</summary>
    public string CountersStatus { get; set; } = "none: the cell was not measured";

    /// <summary>The worker wrote the raw latencies to the request's samples path.</summary>
    public bool SamplesWritten { get; set; }

    public int WorkerPid { get; set; } = Environment.ProcessId;

    /// <summary>TorchSharp: the convolution variants this launch's self-check chose (the shapes that leave libtorch's default); null for other engines.</summary>
    public IReadOnlyList<ConvolutionChoice>? ConvolutionChoices { get; set; }

    /// <summary>The core-to-core round trip measured before the engine was loaded, in nanoseconds; null where it could not be measured.</summary>
    public double? CoreLatencyNs { get; set; }

    /// <summary>Milliseconds from the worker process's start to its first warm-up call; see <see cref="LaunchRow.SetupMs"/>.</summary>
    public double? SetupMs { get; set; }

    /// <summary>Milliseconds from the process's start until the worker began the cell.</summary>
    public double? StartupMs { get; set; }

    /// <summary>Milliseconds the backend's binding and probe took in this process.</summary>
    public double? ProbeMs { get; set; }

    /// <summary>A launch that was not measured (the worker never answered, or no reference could be made).</summary>
    public static CellMeasurement NotMeasured(CellStatus status, string error) => new() { Status = status, Error = error };
}
