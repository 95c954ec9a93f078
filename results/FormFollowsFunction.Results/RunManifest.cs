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

    /// <summary>The machine's measured peaks (roofline probe) the run's rows are set against; null when the probe did not run.</summary>
    public MachinePeaks? MachinePeaks { get; init; }

    /// <summary>Component versions by name: dotnet, torchsharp, libtorch, onnxruntime, ...</summary>
    public IReadOnlyDictionary<string, string> Versions { get; init; } = new Dictionary<string, string>();

    /// <summary>Backends as probed at the start: name → "available" or the reason it is not.</summary>
    public IReadOnlyDictionary<string, string> Backends { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// What a reader of these results must know about how they were measured (for example a backend
    /// run with a capped instruction set because its default kernels computed wrongly); reports repeat them.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// TorchSharp cells some of whose convolution shapes failed the per-shape self-check and run another way
    /// (oneDNN off, channels-last): "MODEL BACKEND tTHREADS bBATCH rRESOLUTION" → the variants, as their <c>device</c> column says.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConvolutionVariants { get; init; } = new Dictionary<string, string>();

    /// <summary>How the numbers were computed (percentile definition, confidence interval method, ...), by name.</summary>
    public IReadOnlyDictionary<string, string> Methods { get; init; } = new Dictionary<string, string>();

    /// <summary>Every time the run was resumed: when, from which commit, and the backends as probed then.</summary>
    public IReadOnlyList<RunResumption> Resumptions { get; init; } = [];

    /// <summary>The sweep configuration exactly as run (resume refuses a different one).</summary>
    public JsonObject Configuration { get; init; } = new();

    /// <summary>For a run made with <c>fff run --shard I/N</c>: which part of the whole plan it measured, and the whole plan.</summary>
    public RunShard? Shard { get; init; }

    /// <summary>For a run folder made by <c>fff merge</c>: the shards it was made of and the cells of shards not given.</summary>
    public RunMerge? Merge { get; init; }

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

/// <summary>
/// A shard of a sweep: the <see cref="Index"/>-th of <see cref="Count"/> disjoint parts of the whole
/// plan. <see cref="Plan"/> lists every model group of the whole sweep with the shard that owns it, so
/// that a merge can tell which cells the shards not given would have measured.
/// </summary>
public sealed record RunShard(int Index, int Count, string PlanSha256, int PlanCells, IReadOnlyList<PlannedGroup> Plan);

/// <summary>
/// A model group (a model at a batch and resolution with all its backends and thread counts) of the
/// whole plan: its cells as configured (every requested backend, whether or not available), its
/// estimated cost (MACs x cells; MACs null where not known) and the shard that owns it.
/// </summary>
public sealed record PlannedGroup(string Group, int Cells, long? Macs, int Shard);

/// <summary>One shard of a merged run: where and when it was measured.</summary>
public sealed record MergedShard(int Index, string RunId, string Hostname, DateTime CreatedUtc, DateTime? FinishedUtc, string GitCommit, int Rows);

/// <summary>
/// What <c>fff merge</c> made a run folder of: the shards of one plan (<see cref="PlanSha256"/>,
/// <see cref="ShardCount"/>), and what the shards that were not given would have measured.
/// </summary>
public sealed record RunMerge(
    int ShardCount, string PlanSha256, int PlanCells, IReadOnlyList<MergedShard> Shards,
    IReadOnlyList<int> MissingShards, int MissingCells, IReadOnlyList<string> MissingGroups);
