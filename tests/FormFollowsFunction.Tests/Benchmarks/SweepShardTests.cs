using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Sweeps;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>How <c>--shard I/N</c> cuts a sweep's plan: disjoint, complete, whole groups, the same on every machine.</summary>
public sealed class SweepShardTests
{
    private static readonly string[] SixModels =
        ["residual-d1-w0.25", "plain-d1-w0.25", "dwbottleneck-d1-w0.25", "residual-d2-w0.25", "plain-d2-w0.25", "dwbottleneck-d2-w0.25"];

    private static SweepConfiguration Configuration(IEnumerable<string>? models = null) => SweepPresets.Quick with
    {
        Models = [.. models ?? SixModels], Patterns = [], Backends = ["torch-cpu", "ort-cpu"], Threads = [1, 2], Resolution = [32],
    };

    private static List<ProbedBackend> Probed(params BackendDescriptor[] available) =>
        [.. new[] { BackendCatalog.TorchCpu, BackendCatalog.OrtCpu }
            .Select(b => new ProbedBackend(b, new BackendProbe(b.Name, available.Contains(b), "v", "cpu", available.Contains(b) ? null : "not here"), null, null))];

    [Fact]
    public void Three_shards_of_a_six_model_plan_hold_every_cell_once_and_never_split_a_group()
    {
        var configuration = Configuration();
        var whole = SweepPlan.Whole(configuration, ModelCatalog.Default);
        var full = SweepPlan.Create(configuration, ModelCatalog.Default, Probed(BackendCatalog.TorchCpu, BackendCatalog.OrtCpu));
        Assert.Equal(6, whole.Count);
        Assert.Equal(24, full.CellCount);

        var shards = Enumerable.Range(1, 3).Select(i => full.Only(SweepShard.Owned(new SweepShard(i, 3).Assign(whole)))).ToList();

        var cells = shards.SelectMany(s => s.Cells.Select(c => c.Key)).ToList();
        Assert.Equal(cells.Count, cells.Distinct().Count());
        Assert.Equal(full.Cells.Select(c => c.Key.ToString()).Order(), cells.Select(k => k.ToString()).Order());
        Assert.All(shards, s => Assert.NotEmpty(s.Groups));
        // A group is a model at a batch and resolution: each is wholly in one shard, with all its backends and threads.
        foreach (var group in full.Groups)
        {
            var owners = shards.Where(s => s.Cells.Any(c => c.Model.Id == group.Model.Id)).ToList();
            var owner = Assert.Single(owners);
            Assert.Equal(group.Cells.Select(c => c.Key), owner.Groups.Single(g => g.Name == group.Name).Cells.Select(c => c.Key));
        }
    }

    [Fact]
    public void The_assignment_is_the_same_whatever_shard_is_run_first_and_whatever_backends_are_available()
    {
        var configuration = Configuration();
        var forwards = Enumerable.Range(1, 3).Select(i => new SweepShard(i, 3).Assign(SweepPlan.Whole(configuration, ModelCatalog.Default))).ToList();
        var backwards = Enumerable.Range(1, 3).Reverse().Select(i => new SweepShard(i, 3).Assign(SweepPlan.Whole(configuration, ModelCatalog.Default))).Reverse().ToList();

        Assert.All(forwards.Zip(backwards), pair =>
        {
            Assert.Equal(pair.First.Plan, pair.Second.Plan);
            Assert.Equal(pair.First.PlanSha256, pair.Second.PlanSha256);
        });
        Assert.Single(forwards.Select(f => f.PlanSha256).Distinct());
        Assert.Equal(24, forwards[0].PlanCells);

        // On a machine without ort-cpu a shard owns the same models, measured on what is there.
        var torchOnly = SweepPlan.Create(configuration, ModelCatalog.Default, Probed(BackendCatalog.TorchCpu)).Only(SweepShard.Owned(forwards[1]));
        var everything = SweepPlan.Create(configuration, ModelCatalog.Default, Probed(BackendCatalog.TorchCpu, BackendCatalog.OrtCpu)).Only(SweepShard.Owned(forwards[1]));
        Assert.Equal(everything.Groups.Select(g => g.Name), torchOnly.Groups.Select(g => g.Name));
        Assert.All(torchOnly.Cells, c => Assert.Equal("torch-cpu", c.Backend.Name));
    }

    [Fact]
    public void Costly_groups_are_spread_over_the_shards()
    {
        var assignment = new SweepShard(1, 2).Assign(SweepPlan.Whole(Configuration(), ModelCatalog.Default));
        long Cost(int shard) => assignment.Plan.Where(g => g.Shard == shard).Sum(g => g.Cells * g.Macs!.Value);
        // The two residual networks, by far the most arithmetic of the six, go to different shards.
        Assert.NotEqual(assignment.Plan.Single(g => g.Group.StartsWith("residual-d1", StringComparison.Ordinal)).Shard,
            assignment.Plan.Single(g => g.Group.StartsWith("residual-d2", StringComparison.Ordinal)).Shard);
        Assert.InRange(Cost(1), 1, long.MaxValue);
        Assert.InRange(Cost(2), 1, long.MaxValue);
    }

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("x")]
    [InlineData("1/0")]
    [InlineData("1/2/3")]
    [InlineData("-1/3")]
    [InlineData(" 1/3")]
    public void Malformed_shards_are_refused_with_what_is_expected(string text)
    {
        var error = Assert.Throws<SweepConfigurationException>(() => SweepShard.Parse(text));
        Assert.Equal($"--shard: expected I/N with 1 <= I <= N (for example 2/4), got '{text}'", error.Message);
    }

    [Fact]
    public void More_shards_than_model_groups_are_refused()
    {
        var whole = SweepPlan.Whole(Configuration(SixModels[..2]), ModelCatalog.Default);
        var error = Assert.Throws<SweepConfigurationException>(() => new SweepShard(3, 3).Assign(whole));
        Assert.Contains("--shard 3/3: the sweep has 2 model group(s)", error.Message);
        Assert.Contains("use at most 2 shards", error.Message);
        Assert.Equal(2, new SweepShard(2, 2).Assign(whole).Plan.Select(g => g.Shard).Distinct().Count());
    }
}
