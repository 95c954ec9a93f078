using System.Text.Json.Nodes;

namespace FormFollowsFunction.Results;

/// <summary>A merge that must not be made (shards of different plans, configurations or machines, a cell twice); the message says why.</summary>
public sealed class RunMergeException(string message) : Exception(message);

/// <summary>What <see cref="RunMerger.Merge"/> wrote.</summary>
public sealed record RunMergeOutcome(RunFolder Folder, RunManifest Manifest, int Rows, int Launches);

/// <summary>
/// Makes one run folder of the shards of one plan (<c>fff run --shard I/N</c>): their results and
/// launches concatenated with <c>run_id</c> rewritten to the merged run's id, their models,
/// references, samples and logs copied, and one manifest with the common configuration and machine
/// fingerprint and a <c>merge</c> record listing each shard and what the shards not given would have
/// measured. Everything is checked before anything is written; the output is written beside its
/// destination and renamed into place, so a refused or failed merge leaves no folder behind.
/// </summary>
public static class RunMerger
{
    /// <summary>Folders copied from every shard; a plan gives each group's files to one shard, so names cannot clash unless the files are the same.</summary>
    public static readonly IReadOnlyList<string> CopiedFolders = ["models", "references", "samples", "logs"];

    /// <summary>Memory sizes of two machines of one kind may differ by what firmware and kernel reserve: up to this fraction.</summary>
    public const double MemoryTolerance = 0.02;

    private sealed record Shard(RunFolder Folder, RunManifest Manifest, RunShard Part, IReadOnlyList<ResultRow> Rows, IReadOnlyList<LaunchRow> Launches);

    public static RunMergeOutcome Merge(IReadOnlyList<string> shardPaths, string outPath, string commandLine)
    {
        if (shardPaths.Count == 0) throw new RunMergeException("give the run folders of the shards to merge");
        var output = new RunFolder(outPath);
        if (Directory.Exists(output.Path) && Directory.EnumerateFileSystemEntries(output.Path).Any())
            throw new RunMergeException($"--out '{output.Path}' already exists and is not empty; choose a new folder");

        var shards = new List<Shard>();
        foreach (var path in shardPaths)
        {
            var folder = new RunFolder(path);
            if (shards.Any(s => s.Folder.Path == folder.Path))
                throw new RunMergeException($"'{folder.Path}' is given twice; each shard can be merged once");
            shards.Add(Load(folder));
        }

        var first = shards[0];
        foreach (var shard in shards.Skip(1))
        {
            if (shard.Part.PlanSha256 != first.Part.PlanSha256 || shard.Part.Count != first.Part.Count)
                throw new RunMergeException(
                    $"'{shard.Folder.Path}' and '{first.Folder.Path}' are shards of different plans (plan {Short(shard.Part.PlanSha256)} in {shard.Part.Count} shards vs plan {Short(first.Part.PlanSha256)} in {first.Part.Count}); merge only the shards of one sweep");
            var keys = ConfigurationDifferences(first.Manifest.Configuration, shard.Manifest.Configuration);
            if (keys.Count > 0)
                throw new RunMergeException(
                    $"'{shard.Folder.Path}' and '{first.Folder.Path}' were configured differently ({string.Join(", ", keys)}); merge only the shards of one sweep");
            var machines = MachineKindDifferences(first.Manifest.Machine, shard.Manifest.Machine);
            if (machines.Count > 0)
                throw new RunMergeException(
                    $"'{shard.Folder.Path}' and '{first.Folder.Path}' were measured on different kinds of machine ({string.Join("; ", machines)}); timings from two kinds of machine must not share a run");
        }
        foreach (var group in shards.GroupBy(s => s.Part.Index).Where(g => g.Count() > 1))
            throw new RunMergeException(
                $"shard {group.Key}/{first.Part.Count} is given twice ('{string.Join("' and '", group.Select(s => s.Folder.Path))}'); each cell must come from one shard");
        var owners = new Dictionary<CellKey, Shard>();
        foreach (var shard in shards)
            foreach (var key in shard.Rows.Select(r => r.Key).Distinct())
            {
                if (owners.TryGetValue(key, out var other))
                    throw new RunMergeException(
                        $"cell {key} is in both '{other.Folder.Path}' and '{shard.Folder.Path}'; each cell must come from one shard");
                owners[key] = shard;
            }

        var given = shards.Select(s => s.Part.Index).ToHashSet();
        var missingGroups = first.Part.Plan.Where(g => !given.Contains(g.Shard)).ToList();
        var merge = new RunMerge(
            first.Part.Count, first.Part.PlanSha256, first.Part.PlanCells,
            [.. shards.OrderBy(s => s.Part.Index).Select(s => new MergedShard(s.Part.Index, s.Manifest.RunId, s.Manifest.Machine.Hostname,
                s.Manifest.CreatedUtc, s.Manifest.FinishedUtc, s.Manifest.GitCommit, s.Rows.Count))],
            [.. Enumerable.Range(1, first.Part.Count).Where(i => !given.Contains(i))],
            missingGroups.Sum(g => g.Cells),
            [.. missingGroups.Select(g => g.Group)]);

        string runId = output.Name;
        var ordered = shards.OrderBy(s => s.Part.Index).ToList();
        var manifest = MergedManifest(ordered, runId, commandLine, merge);
        var rows = ordered.SelectMany(s => s.Rows).ToList();
        var launches = ordered.SelectMany(s => s.Launches).ToList();
        foreach (var row in rows) row.RunId = runId;
        foreach (var launch in launches) launch.Measurement.RunId = runId;

        string parent = Path.GetDirectoryName(output.Path)!;
        string stage = Path.Combine(parent, $".{output.Name}.merge-{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(parent);
            if (Directory.Exists(stage)) Directory.Delete(stage, recursive: true);
            Directory.CreateDirectory(stage);
            var staged = new RunFolder(stage);
            File.WriteAllText(staged.ResultsFile, RunCsv.Text(rows));
            File.WriteAllText(staged.LaunchesFile, RunCsv.Text(launches));
            foreach (var name in CopiedFolders)
                foreach (var shard in ordered)
                    CopyFolder(Path.Combine(shard.Folder.Path, name), Path.Combine(stage, name), name);
            File.WriteAllText(staged.ManifestFile, manifest.ToJson());
            // An empty --out folder (allowed, like fff run's) is replaced by the staged one.
            if (Directory.Exists(output.Path)) Directory.Delete(output.Path);
            Directory.Move(stage, output.Path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new RunMergeException($"cannot write the merged run folder '{output.Path}' ({e.Message}); choose another with --out");
        }
        finally
        {
            if (Directory.Exists(stage)) Directory.Delete(stage, recursive: true);
        }
        return new RunMergeOutcome(output, manifest, rows.Count, launches.Count);
    }

    /// <summary>
    /// What makes two machines of a fleet different kinds: every difference <see cref="MachineFingerprint.DifferencesFrom"/>
    /// names (CPU model, logical and physical cores, OS, kernel, last-level cache, governor, turbo, SMT and
    /// microcode where both record them), except that memory sizes within <see cref="MemoryTolerance"/> of
    /// each other count as equal. Host names are not compared.
    /// </summary>
    public static IReadOnlyList<string> MachineKindDifferences(MachineFingerprint a, MachineFingerprint b)
    {
        var differences = a.DifferencesFrom(b).Where(d => !d.StartsWith("memory bytes:", StringComparison.Ordinal)).ToList();
        long larger = Math.Max(a.MemoryBytes, b.MemoryBytes);
        if (larger > 0 && Math.Abs(a.MemoryBytes - b.MemoryBytes) > MemoryTolerance * larger)
            differences.Add($"memory bytes: {a.MemoryBytes} vs {b.MemoryBytes}");
        return differences;
    }

    private static Shard Load(RunFolder folder)
    {
        if (!Directory.Exists(folder.Path)) throw new RunMergeException($"'{folder.Path}': no such folder; give the run folders of the shards");
        if (!File.Exists(folder.ManifestFile) || !File.Exists(folder.ResultsFile))
            throw new RunMergeException($"'{folder.Path}' is not a run folder (it needs {RunFolder.ManifestFileName} and {RunFolder.ResultsFileName})");
        RunManifest manifest;
        IReadOnlyList<ResultRow> rows;
        IReadOnlyList<LaunchRow> launches;
        try
        {
            manifest = folder.ReadManifest();
            rows = folder.ReadResults();
            launches = folder.ReadLaunches();
        }
        catch (ResultsFormatException e)
        {
            throw new RunMergeException(e.Message);
        }
        if (manifest.Shard is not { } part)
            throw new RunMergeException($"'{folder.Path}' was not run with --shard; only the shards of one sweep can be merged");
        return new Shard(folder, manifest, part, rows, launches);
    }

    private static RunManifest MergedManifest(IReadOnlyList<Shard> shards, string runId, string commandLine, RunMerge merge)
    {
        var first = shards[0].Manifest;
        var notes = shards.SelectMany(s => s.Manifest.Notes).Distinct().ToList();
        foreach (var shard in shards.Skip(1))
        {
            var versions = first.Versions.Keys.Union(shard.Manifest.Versions.Keys)
                .Where(k => first.Versions.GetValueOrDefault(k) != shard.Manifest.Versions.GetValueOrDefault(k))
                .Select(k => $"{k} {shard.Manifest.Versions.GetValueOrDefault(k) ?? "none"} (shard {shards[0].Part.Index}: {first.Versions.GetValueOrDefault(k) ?? "none"})")
                .ToList();
            if (versions.Count > 0) notes.Add($"shard {shard.Part.Index} ran other versions: {string.Join(", ", versions)}");
        }
        var backends = new Dictionary<string, string>();
        foreach (var name in shards.SelectMany(s => s.Manifest.Backends.Keys).Distinct())
        {
            var values = shards.Select(s => (s.Part.Index, Value: s.Manifest.Backends.GetValueOrDefault(name) ?? "not probed")).ToList();
            backends[name] = values.Select(v => v.Value).Distinct().Count() == 1
                ? values[0].Value
                : string.Join("; ", values.Select(v => $"shard {v.Index}: {v.Value}"));
        }
        return first with
        {
            RunId = runId,
            CreatedUtc = shards.Min(s => s.Manifest.CreatedUtc),
            FinishedUtc = shards.All(s => s.Manifest.FinishedUtc is not null) ? shards.Max(s => s.Manifest.FinishedUtc) : null,
            CommandLine = commandLine,
            Backends = backends,
            Notes = notes,
            Resumptions = [.. shards.SelectMany(s => s.Manifest.Resumptions)],
            Configuration = (JsonObject)first.Configuration.DeepClone(),
            Shard = null,
            Merge = merge,
        };
    }

    private static List<string> ConfigurationDifferences(JsonObject a, JsonObject b) =>
        a.Select(p => p.Key).Union(b.Select(p => p.Key)).Where(key => !JsonNode.DeepEquals(a[key], b[key])).ToList();

    private static void CopyFolder(string source, string destination, string relative)
    {
        if (!Directory.Exists(source)) return;
        Directory.CreateDirectory(destination);
        foreach (var directory in Directory.EnumerateDirectories(source))
            CopyFolder(directory, Path.Combine(destination, Path.GetFileName(directory)), Path.Combine(relative, Path.GetFileName(directory)));
        foreach (var file in Directory.EnumerateFiles(source))
        {
            string target = Path.Combine(destination, Path.GetFileName(file));
            if (File.Exists(target))
            {
                if (!File.ReadAllBytes(target).AsSpan().SequenceEqual(File.ReadAllBytes(file)))
                    throw new RunMergeException(
                        $"{Path.Combine(relative, Path.GetFileName(file))} differs between two shards ('{file}'); shards of one plan cannot both have written it");
                continue;
            }
            File.Copy(file, target);
        }
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
