using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// <c>--shard I/N</c>: the I-th of N disjoint parts of a sweep's whole plan, for a fleet of machines of
/// one kind each running one part into a run folder of its own (<c>fff merge</c> joins them). A shard
/// is a run option, not part of the configuration: all shards of a sweep share one configuration.
/// </summary>
public sealed record SweepShard(int Index, int Count)
{
    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Reads <c>I/N</c> with 1 &lt;= I &lt;= N; anything else is refused with one line saying what is expected.</summary>
    public static SweepShard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            && count >= 1 && index >= 1 && index <= count)
            return new SweepShard(index, count);
        throw new SweepConfigurationException($"--shard: expected I/N with 1 <= I <= N (for example 2/4), got '{text}'");
    }

    /// <summary>
    /// Cuts the whole plan (<see cref="SweepPlan.Whole"/>) into <see cref="Count"/> shards and says which
    /// this one is. A model group (a model at a batch and resolution, with all its backends and thread
    /// counts) is never split. The rule, which depends on the whole plan only: a group's cost is its cells
    /// times (its MACs + the plan's mean MACs per group), since a cell's time is partly fixed (worker
    /// start, export, warm-up, the time cap that most cells reach) and partly grows with its arithmetic
    /// (a model whose MACs are not known, an ONNX file counted from its graph alone, costs the fixed part);
    /// groups are taken from the most costly to the least (ties in plan order) and each goes to the shard
    /// with the least cost so far (ties: fewer groups, then the lower index). Integer arithmetic, so
    /// every machine computes the same assignment. Refuses a shard that would get no group.
    /// </summary>
    public RunShard Assign(IReadOnlyList<ModelGroup> whole)
    {
        if (whole.Count < Count)
            throw new SweepConfigurationException(
                $"--shard {this}: the sweep has {whole.Count} model group(s) (a model at a batch and resolution, never split between shards), so {Count} shards would leave some with nothing to measure; use at most {whole.Count} shards");
        var costs = whole.Select(g => (Group: g, Macs: g.Macs())).ToList();
        long mean = costs.Sum(c => c.Macs ?? 0) / costs.Count;
        long Cost((ModelGroup Group, long? Macs) c) => c.Group.Cells.Count * ((c.Macs ?? 0) + mean);
        var load = new (long Cost, int Groups)[Count];
        var owner = new int[whole.Count];
        foreach (int i in Enumerable.Range(0, whole.Count).OrderByDescending(i => Cost(costs[i])).ThenBy(i => i))
        {
            int shard = Enumerable.Range(0, Count).MinBy(s => (load[s].Cost, load[s].Groups, s));
            load[shard] = (load[shard].Cost + Cost(costs[i]), load[shard].Groups + 1);
            owner[i] = shard + 1;
        }
        var plan = costs.Select((c, i) => new PlannedGroup(c.Group.Name, c.Group.Cells.Count, c.Macs, owner[i])).ToList();
        return new RunShard(Index, Count, PlanHash(whole), whole.Sum(g => g.Cells.Count), plan);
    }

    /// <summary>The names of the groups this shard owns, as recorded in <paramref name="shard"/>.</summary>
    public static IReadOnlySet<string> Owned(RunShard shard) => shard.Plan.Where(g => g.Shard == shard.Index).Select(g => g.Group).ToHashSet();

    /// <summary>SHA-256 (hex) of the whole plan's cell keys in plan order: equal for every shard of one sweep.</summary>
    public static string PlanHash(IReadOnlyList<ModelGroup> whole)
    {
        var text = new StringBuilder();
        foreach (var cell in whole.SelectMany(g => g.Cells))
            text.Append(CultureInfo.InvariantCulture, $"{cell.Model.Id}|{cell.Backend.Name}|{cell.Threads}|{cell.Batch}|{cell.Resolution}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

}
