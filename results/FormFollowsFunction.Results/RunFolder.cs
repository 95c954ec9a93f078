namespace FormFollowsFunction.Results;

/// <summary>
/// The layout of one run folder: <c>results.csv</c>, <c>manifest.json</c>, exported models,
/// reference outputs, raw samples and worker logs. Reports read nothing else.
/// </summary>
public sealed class RunFolder(string path)
{
    public const string ResultsFileName = "results.csv";
    public const string ManifestFileName = "manifest.json";
    public const string LaunchesFileName = "launches.csv";
    public const string LayersFileName = "layers.csv";

    /// <summary>The folder's full path, without a trailing separator (its last part is the run id).</summary>
    public string Path { get; } = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));

    /// <summary>The folder's name, which is the run's id when fff created it.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    public string ResultsFile => System.IO.Path.Combine(Path, ResultsFileName);

    /// <summary>One row per launch (worker process) of each cell; results.csv holds their per-cell estimate.</summary>
    public string LaunchesFile => System.IO.Path.Combine(Path, LaunchesFileName);

    /// <summary>Per-layer profiles (<c>fff profile</c>, or a sweep with <c>profile: true</c>); absent when none were taken.</summary>
    public string LayersFile => System.IO.Path.Combine(Path, LayersFileName);

    public string ManifestFile => System.IO.Path.Combine(Path, ManifestFileName);

    /// <summary>ONNX files and their JSON sidecars, one per model, resolution and batch.</summary>
    public string ModelsFolder => System.IO.Path.Combine(Path, "models");

    /// <summary>Reference outputs that every backend's output is compared with.</summary>
    public string ReferencesFolder => System.IO.Path.Combine(Path, "references");

    /// <summary>Raw per-iteration latencies, when asked for.</summary>
    public string SamplesFolder => System.IO.Path.Combine(Path, "samples");

    public string LogsFolder => System.IO.Path.Combine(Path, "logs");

    public bool Exists => File.Exists(ManifestFile);

    public RunManifest ReadManifest()
    {
        if (!File.Exists(ManifestFile))
            throw new ResultsFormatException($"{Path} is not a run folder: it has no {ManifestFileName}");
        return RunManifest.FromJson(File.ReadAllText(ManifestFile), ManifestFile);
    }

    /// <summary>Writes the manifest atomically (write beside, then rename), so a reader never sees half of it.</summary>
    public void WriteManifest(RunManifest manifest) => AtomicFile.WriteAllText(ManifestFile, manifest.ToJson());

    /// <summary>The run's launches, or none for a run written before launches existed.</summary>
    public IReadOnlyList<LaunchRow> ReadLaunches() =>
        File.Exists(LaunchesFile) ? LaunchesCsv.Read(LaunchesFile) : [];

    /// <summary>The run's per-layer profiles, or none when it took none.</summary>
    public IReadOnlyList<LayerProfileRow> ReadLayers() =>
        File.Exists(LayersFile) ? LayersCsv.Read(LayersFile) : [];

    public IReadOnlyList<ResultRow> ReadResults() =>
        File.Exists(ResultsFile) ? ResultsCsv.Read(ResultsFile) : [];
}
