using System.Diagnostics;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace FormFollowsFunction.Tests.Fleet;

/// <summary>
/// The fleet recipes in docs/fleet, run as far as a machine without Slurm, GitHub runners or root
/// allows: the scripts with stub programs that record their arguments, the workflow parsed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FleetScriptsTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Fleet(string name) => Path.Combine(SourceTree.Root()!, "docs", "fleet", name);

    /// <summary>A stub program that appends its arguments, one line per call, to a log.</summary>
    private string Stub(string name)
    {
        string log = _folder.Combine(name + ".log");
        string path = _folder.Write(name, $"#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >> '{log}'\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string[] Calls(string name) =>
        File.Exists(_folder.Combine(name + ".log")) ? File.ReadAllLines(_folder.Combine(name + ".log")) : [];

    private static (int Code, string Error) Bash(string script, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("SLURM_", StringComparison.Ordinal) || k.StartsWith("FFF", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), $"{script} did not end");
        return (process.ExitCode, error);
    }

    private Dictionary<string, string> SlurmTask(int id, int count) => new()
    {
        ["SLURM_SUBMIT_DIR"] = _folder.Path,
        ["SLURM_ARRAY_JOB_ID"] = "4242",
        ["SLURM_ARRAY_TASK_ID"] = $"{id}",
        ["SLURM_ARRAY_TASK_COUNT"] = $"{count}",
        ["SLURM_ARRAY_TASK_MIN"] = "1",
        ["FFF"] = Stub("fff"),
        ["SBATCH"] = Stub("sbatch"),
    };

    [Fact]
    public void The_slurm_array_runs_shard_i_of_n_and_the_first_task_submits_the_dependent_merge()
    {
        Assert.Contains("#SBATCH --array=1-", File.ReadAllText(Fleet("slurm-shards.sh")));
        string fleet = _folder.Combine("results", "fleet-4242");
        foreach (int id in new[] { 2, 1, 3 })
        {
            var (code, error) = Bash(Fleet("slurm-shards.sh"), SlurmTask(id, 3));
            Assert.True(code == 0, error);
        }

        Assert.Equal(
        [
            $"run --shard 2/3 --out {fleet}/shard-2 --no-report",
            $"run --shard 1/3 --out {fleet}/shard-1 --no-report",
            $"run --shard 3/3 --out {fleet}/shard-3 --no-report",
        ], Calls("fff"));
        string submitted = Assert.Single(Calls("sbatch"));
        Assert.Contains("--dependency=afterany:4242", submitted);
        Assert.Contains($"FLEET_DIR={fleet}", submitted);
        Assert.Contains("slurm-shards.sh' merge", submitted);

        // The merge job, as the wrapped command runs it, over the shard folders the tasks wrote.
        foreach (int id in new[] { 1, 2, 3 }) Directory.CreateDirectory(Path.Combine(fleet, $"shard-{id}"));
        var merge = Bash(Fleet("slurm-shards.sh"), new Dictionary<string, string> { ["FLEET_DIR"] = fleet, ["FFF"] = _folder.Combine("fff") }, "merge");
        Assert.True(merge.Code == 0, merge.Error);
        Assert.Equal($"merge {fleet}/shard-1 {fleet}/shard-2 {fleet}/shard-3 --out {fleet}/merged", Calls("fff")[3]);
        Assert.Equal($"report {fleet}/merged --out {fleet}/report", Calls("fff")[4]);
    }

    [Fact]
    public void A_requeued_slurm_task_resumes_its_shard_and_a_config_is_passed_on()
    {
        string fleet = _folder.Combine("results", "fleet-4242");
        _folder.Write(Path.Combine("results", "fleet-4242", "shard-2", "manifest.json"), "{}");
        var requeued = SlurmTask(2, 3);
        requeued["SLURM_ARRAY_TASK_MIN"] = "0"; // not the first task: submits no merge job
        Assert.Equal(0, Bash(Fleet("slurm-shards.sh"), requeued).Code);
        var configured = SlurmTask(3, 3);
        configured["SLURM_ARRAY_TASK_MIN"] = "0";
        configured["FFF_CONFIG"] = "sweep.yaml";
        Assert.Equal(0, Bash(Fleet("slurm-shards.sh"), configured).Code);

        Assert.Equal([$"run --resume {fleet}/shard-2 --no-report", $"run --config sweep.yaml --shard 3/3 --out {fleet}/shard-3 --no-report"], Calls("fff"));
        Assert.Empty(Calls("sbatch"));
        var outside = Bash(Fleet("slurm-shards.sh"), new Dictionary<string, string> { ["FFF"] = _folder.Combine("fff") });
        Assert.NotEqual(0, outside.Code);
        Assert.Contains("submit with sbatch", outside.Error);
    }

    [Fact]
    public void The_actions_workflow_has_a_shard_matrix_uploads_each_shard_and_merges_and_reports()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Fleet("github-actions-shards.yml"))) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var jobs = (YamlMappingNode)root["jobs"];
        var shard = (YamlMappingNode)jobs["shard"];
        var matrix = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)shard["strategy"])["matrix"])["shard"];
        Assert.Equal(["1", "2", "3", "4"], matrix.Children.Select(c => ((YamlScalarNode)c).Value));
        Assert.Contains("self-hosted", ((YamlSequenceNode)shard["runs-on"]).Children.Select(c => ((YamlScalarNode)c).Value));
        var shardSteps = Steps(shard);
        Assert.Contains(shardSteps, s => Text(s, "run").Contains("tools/fff run") && Text(s, "run").Contains("--shard \"${{ matrix.shard }}/${{ strategy.job-total }}\""));
        Assert.Contains(shardSteps, s => Text(s, "uses").StartsWith("actions/upload-artifact", StringComparison.Ordinal)
                                         && Text((YamlMappingNode)s["with"], "name") == "shard-${{ matrix.shard }}");

        var merge = (YamlMappingNode)jobs["merge"];
        Assert.Equal("shard", Text(merge, "needs"));
        var mergeSteps = Steps(merge);
        var uses = mergeSteps.Select(s => Text(s, "uses")).ToList();
        var runs = mergeSteps.Select(s => Text(s, "run")).Where(r => r.Length > 0).ToList();
        Assert.Contains(uses, u => u.StartsWith("actions/download-artifact", StringComparison.Ordinal));
        Assert.Equal(["tools/fff merge fleet/shard-* --out fleet/merged", "tools/fff report fleet/merged --out fleet/report"], runs);
    }

    [Fact]
    public void The_nightly_script_runs_then_compares_with_the_night_before_and_the_units_verify()
    {
        string results = _folder.Combine("nightly");
        var environment = new Dictionary<string, string> { ["FFF"] = Stub("fff"), ["FFF_RESULTS"] = results, ["FFF_ARGS"] = "--config sweep.yaml" };
        string today = $"{results}/nightly-{DateTime.UtcNow:yyyy-MM-dd}";
        string yesterday = $"{results}/nightly-{DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}";

        var first = Bash(Fleet("nightly.sh"), environment);
        Assert.True(first.Code == 0, first.Error);
        Assert.Contains("nothing to compare tonight", first.Error);
        _folder.Write(Path.Combine("nightly", Path.GetFileName(yesterday), "manifest.json"), "{}");
        Assert.Equal(0, Bash(Fleet("nightly.sh"), environment).Code);
        Assert.Equal([$"run --out {today} --keep-samples --config sweep.yaml", $"run --out {today} --keep-samples --config sweep.yaml", $"compare {yesterday} {today} --threshold 5"], Calls("fff"));

        string service = File.ReadAllText(Fleet("fff-nightly.service"));
        Assert.Contains("docs/fleet/nightly.sh", service);
        Assert.Contains("OnCalendar=", File.ReadAllText(Fleet("fff-nightly.timer")));
        if (File.Exists("/usr/bin/systemd-analyze"))
        {
            var start = new ProcessStartInfo("systemd-analyze") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { "verify", Fleet("fff-nightly.service"), Fleet("fff-nightly.timer") }) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(30_000));
            Assert.True(process.ExitCode == 0, error);
        }
    }

    private static List<YamlMappingNode> Steps(YamlMappingNode job) => [.. ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>()];

    private static string Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? (scalar.Value ?? "").Trim() : "";
}
