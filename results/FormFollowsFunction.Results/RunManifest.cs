using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FormFollowsFunction.Results;

/// <summary>
/// <c>manifest.json</c> of a run folder: what ran, where, with which versions and configuration.
/// Written once when the run starts (and again when it ends); results rows refer to it by run id.
/// </summary>
public sealed record RunManifest
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public string RunId { get; init; } = "";
    public DateTime CreatedUtc { get; init; }
    public DateTime? FinishedUtc { get; init; }
    public string Tool { get; init; } = "FormFollowsFunction";
    public string ToolVersion { get; init; } = "";
    public string GitCommit { get; init; } = "";
    public string CommandLine { get; init; } = "";
    public MachineFingerprint Machine { get; init; } = new();

    /// <summary>Component versions by name: dotnet, torchsharp, libtorch, onnxruntime, ...</summary>
    public IReadOnlyDictionary<string, string> Versions { get; init; } = new Dictionary<string, string>();

    /// <summary>Backends as probed at the start: name → "available" or the reason it is not.</summary>
    public IReadOnlyDictionary<string, string> Backends { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// What a reader of these results must know about how they were measured (for example a backend
    /// run with a capped instruction set because its default kernels computed wrongly); reports repeat them.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>How the numbers were computed (percentile definition, confidence interval method, ...), by name.</summary>
    public IReadOnlyDictionary<string, string> Methods { get; init; } = new Dictionary<string, string>();

    /// <summary>Every time the run was resumed: when, from which commit, and the backends as probed then.</summary>
    public IReadOnlyList<RunResumption> Resumptions { get; init; } = [];

    /// <summary>The sweep configuration exactly as run (resume refuses a different one).</summary>
    public JsonObject Configuration { get; init; } = new();

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        // Paths and reasons stay readable: this JSON is read by people as well as by the program.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static RunManifest FromJson(string json, string path)
    {
        RunManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<RunManifest>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ResultsFormatException($"{path} is not a valid run manifest: {e.Message}");
        }
        if (manifest is null || string.IsNullOrEmpty(manifest.RunId))
            throw new ResultsFormatException($"{path} is not a FormFollowsFunction run manifest (no run_id)");
        if (manifest.SchemaVersion > CurrentSchemaVersion)
            throw new ResultsFormatException($"{path} has manifest schema {manifest.SchemaVersion}, newer than this program's {CurrentSchemaVersion}; update FormFollowsFunction");
        return manifest;
    }
}

/// <summary>One resumption of an interrupted run: the build and backends that measured the cells from then on.</summary>
public sealed record RunResumption(DateTime ResumedUtc, string GitCommit, string CommandLine, IReadOnlyDictionary<string, string> Backends);
