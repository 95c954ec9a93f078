using System.Text.Json;
using System.Text.Json.Serialization;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Timing;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>
/// What the parent asks one worker process to do: measure one cell, or only compute the reference
/// output of a model. Passed as a JSON file; the answer comes back as a JSON file (<see cref="CellResponse"/>).
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
    };

    public static CellRequest Read(string path) =>
        JsonSerializer.Deserialize<CellRequest>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} holds no cell request");

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}

/// <summary>
/// A worker's answer. The measurement columns are those of the results row; the parent adds the
/// run, machine and count columns and is the only writer of results.csv.
/// </summary>
public sealed record CellResponse
{
    public FormFollowsFunction.Results.ResultRow Row { get; init; } = new();

    public static CellResponse Read(string path) =>
        JsonSerializer.Deserialize<CellResponse>(File.ReadAllText(path), CellRequest.Json)
        ?? throw new InvalidDataException($"{path} holds no cell response");

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, CellRequest.Json));
}
