using System.Text.Json.Nodes;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>Three real tiny shards of a six-model sweep, run once for the tests of <c>fff merge</c>.</summary>
public sealed class TinyShards : IDisposable
{
    public static readonly string[] Models =
        ["residual-d1-w0.25", "plain-d1-w0.25", "dwbottleneck-d1-w0.25", "residual-d2-w0.25", "plain-d2-w0.25", "dwbottleneck-d2-w0.25"];

    public TinyShards()
    {
        Config = TinySweep.WriteConfig(Folder, TinySweep.Yaml(models: Models));
        foreach (int i in new[] { 3, 1, 2 })
        {
            var result = FffProgram.Run("run", "--config", Config, "--shard", $"{i}/3", "--out", Shard(i), "--no-report");
            if (result.ExitCode != 0) throw new InvalidOperationException($"shard {i}/3 failed ({result.ExitCode}): {result.Error}");
        }
    }

    public TemporaryFolder Folder { get; } = new();

    public string Config { get; }

    public string Shard(int index) => Folder.Combine($"shard-{index}");

    public void Dispose() => Folder.Dispose();
}

/// <summary><c>fff run --shard</c> and <c>fff merge</c> through the real program.</summary>
[Collection(SweepProcessesCollection.Name)]
public sealed class ShardMergeEndToEndTests(TinyShards shards) : IClassFixture<TinyShards>, IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_merged_shards_hold_exactly_the_cells_of_the_unsharded_plan_and_report_like_a_run()
    {
        string merged = _folder.Combine("merged");
        var result = FffProgram.Run("merge", shards.Shard(2), shards.Shard(1), shards.Shard(3), "--out", merged);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("warning", result.Error);

        var configuration = SweepConfigurationLayers.Build([SweepConfigurationFile.LoadLayer(shards.Config)]) with { Threads = [1] };
        var probed = new[] { BackendCatalog.TorchCpu, BackendCatalog.OrtCpu }
            .Select(b => new ProbedBackend(b, new BackendProbe(b.Name, true, "v", "cpu", null), null, null)).ToList();
        var expected = SweepPlan.Create(configuration, ModelCatalog.Default, probed).Cells.Select(c => c.Key.ToString()).Order().ToList();
        var folder = new RunFolder(merged);
        var rows = folder.ReadResults();
        Assert.Equal(expected, rows.Select(r => r.Key.ToString()).Order());
        Assert.All(rows, r => Assert.Equal("merged", r.RunId));
        Assert.Equal(expected, folder.ReadLaunches().Select(l => l.Key.ToString()).Order());
        Assert.All(rows, r => Assert.Equal("ok", r.Status));
        Assert.Equal(6, Directory.GetFiles(folder.ModelsFolder, "*.onnx").Length);

        var manifest = folder.ReadManifest();
        Assert.Equal("merged", manifest.RunId);
        Assert.Null(manifest.Shard);
        var merge = Assert.IsType<RunMerge>(manifest.Merge);
        Assert.Equal([1, 2, 3], merge.Shards.Select(s => s.Index));
        Assert.Equal(["shard-1", "shard-2", "shard-3"], merge.Shards.Select(s => s.RunId));
        Assert.Empty(merge.MissingShards);
        Assert.Equal(0, merge.MissingCells);
        Assert.NotNull(manifest.FinishedUtc);
        Assert.True(JsonNode.DeepEquals(new RunFolder(shards.Shard(1)).ReadManifest().Configuration, manifest.Configuration));

        var report = FffProgram.Run("report", merged, "--out", _folder.Combine("report"), "--formats", "svg");
        Assert.True(report.ExitCode == 0, report.Error);
        Assert.True(File.Exists(_folder.Combine("report", "report.md")));
        var compare = FffProgram.Run("compare", merged, merged, "--out", _folder.Combine("compare"));
        Assert.True(compare.ExitCode == 0, compare.Error + compare.Output);
        Assert.True(File.Exists(_folder.Combine("compare", "compare.md")));
    }

    [Fact]
    public void A_shard_merged_with_itself_or_with_its_copy_is_refused_and_leaves_no_folder()
    {
        string merged = _folder.Combine("merged");
        var twice = FffProgram.Run("merge", shards.Shard(1), shards.Shard(1), "--out", merged);
        Assert.Equal(2, twice.ExitCode);
        Assert.Equal($"error: '{shards.Shard(1)}' is given twice; each shard can be merged once", Assert.Single(twice.ErrorLines));

        string copy = _folder.Combine("copy-of-1");
        CopyFolder(shards.Shard(1), copy);
        var copied = FffProgram.Run("merge", shards.Shard(1), copy, shards.Shard(2), "--out", merged);
        Assert.Equal(2, copied.ExitCode);
        Assert.Equal($"error: shard 1/3 is given twice ('{shards.Shard(1)}' and '{copy}'); each cell must come from one shard", Assert.Single(copied.ErrorLines));
        Assert.False(Directory.Exists(merged));
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path, ".merged*"));
    }

    [Fact]
    public void Shards_of_different_configurations_or_machines_or_not_shards_at_all_are_refused()
    {
        string merged = _folder.Combine("merged");
        string other = _folder.Combine("other-seed");
        CopyFolder(shards.Shard(2), other);
        Rewrite(other, m => m with { Configuration = WithSeed(m.Configuration, 7) });
        var configured = FffProgram.Run("merge", shards.Shard(1), other, "--out", merged);
        Assert.Equal(2, configured.ExitCode);
        Assert.Equal($"error: '{other}' and '{shards.Shard(1)}' were configured differently (seed); merge only the shards of one sweep", Assert.Single(configured.ErrorLines));

        string elsewhere = _folder.Combine("other-cpu");
        CopyFolder(shards.Shard(2), elsewhere);
        Rewrite(elsewhere, m => m with { Machine = m.Machine with { CpuModel = "Other CPU", Hostname = "node-17" } });
        var machine = FffProgram.Run("merge", shards.Shard(1), elsewhere, "--out", merged);
        Assert.Equal(2, machine.ExitCode);
        Assert.StartsWith($"error: '{elsewhere}' and '{shards.Shard(1)}' were measured on different kinds of machine (CPU: ", Assert.Single(machine.ErrorLines));

        // Another host name of the same kind of machine is a fleet, not another kind.
        string node = _folder.Combine("node-2");
        CopyFolder(shards.Shard(2), node);
        Rewrite(node, m => m with { Machine = m.Machine with { Hostname = "node-2", MemoryBytes = m.Machine.MemoryBytes - 4096 } });
        Assert.Equal(0, FffProgram.Run("merge", shards.Shard(1), node, shards.Shard(3), "--out", _folder.Combine("fleet")).ExitCode);

        string plain = _folder.Combine("not-a-shard");
        CopyFolder(shards.Shard(2), plain);
        Rewrite(plain, m => m with { Shard = null });
        var unsharded = FffProgram.Run("merge", shards.Shard(1), plain, "--out", merged);
        Assert.Equal(2, unsharded.ExitCode);
        Assert.Equal($"error: '{plain}' was not run with --shard; only the shards of one sweep can be merged", Assert.Single(unsharded.ErrorLines));
        Assert.False(Directory.Exists(merged));
    }

    [Fact]
    public void A_merge_without_a_shard_warns_and_records_the_missing_cells()
    {
        string merged = _folder.Combine("partial");
        var result = FffProgram.Run("merge", shards.Shard(1), shards.Shard(3), "--out", merged);
        Assert.True(result.ExitCode == 0, result.Error);

        var merge = new RunFolder(merged).ReadManifest().Merge!;
        var shard2 = new RunFolder(shards.Shard(2));
        var groups = shard2.ReadManifest().Shard!.Plan.Where(g => g.Shard == 2).ToList();
        Assert.Equal([2], merge.MissingShards);
        Assert.Equal(groups.Sum(g => g.Cells), merge.MissingCells);
        Assert.Equal(shard2.ReadResults().Count, merge.MissingCells);
        Assert.Equal(groups.Select(g => g.Group), merge.MissingGroups);
        Assert.Contains($"warning: {merge.MissingCells} cell(s) of {groups.Count} model group(s) are missing: shard(s) 2 of 3 not given", result.Error);
        Assert.Equal(12 - merge.MissingCells, new RunFolder(merged).ReadResults().Count);
    }

    [Fact]
    public void A_resumed_shard_keeps_its_shard_and_bad_shards_are_refused_before_anything_runs()
    {
        string copy = _folder.Combine("resumed");
        CopyFolder(shards.Shard(2), copy);
        int rows = new RunFolder(copy).ReadResults().Count;
        var resumed = FffProgram.Run("run", "--resume", copy, "--no-report");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("shard 2/3", resumed.Error);
        Assert.Equal(rows, new RunFolder(copy).ReadResults().Count);
        Assert.Equal(2, new RunFolder(copy).ReadManifest().Shard!.Index);

        var other = FffProgram.Run("run", "--resume", copy, "--shard", "1/3", "--no-report");
        Assert.Equal(2, other.ExitCode);
        Assert.Equal($"error: --resume: the run in '{copy}' is shard 2/3, not shard 1/3; resume it without --shard", Assert.Single(other.ErrorLines));

        foreach (var bad in new[] { "0/3", "4/3", "x" })
        {
            string run = _folder.Combine($"bad-{bad.Replace('/', '-')}");
            var refused = FffProgram.Run("run", "--config", shards.Config, "--shard", bad, "--out", run);
            Assert.Equal(2, refused.ExitCode);
            Assert.Equal($"error: --shard: expected I/N with 1 <= I <= N (for example 2/4), got '{bad}'", Assert.Single(refused.ErrorLines));
            Assert.False(Directory.Exists(run));
        }
        string empty = _folder.Combine("empty");
        var tooMany = FffProgram.Run("run", "--config", shards.Config, "--shard", "7/7", "--out", empty);
        Assert.Equal(2, tooMany.ExitCode);
        Assert.Contains("--shard 7/7: the sweep has 6 model group(s)", Assert.Single(tooMany.ErrorLines));
        Assert.False(Directory.Exists(empty));
    }

    private static JsonObject WithSeed(JsonObject configuration, int seed)
    {
        var copy = (JsonObject)configuration.DeepClone();
        copy["seed"] = seed;
        return copy;
    }

    private static void Rewrite(string run, Func<RunManifest, RunManifest> change)
    {
        var folder = new RunFolder(run);
        folder.WriteManifest(change(folder.ReadManifest()));
    }

    private static void CopyFolder(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var directory in Directory.GetDirectories(source)) CopyFolder(directory, Path.Combine(destination, Path.GetFileName(directory)));
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
    }
}
