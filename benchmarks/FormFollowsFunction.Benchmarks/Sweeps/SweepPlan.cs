using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>One measurement cell: a model on a backend at a thread count, batch size and resolution.</summary>
public sealed record SweepCell(ModelDefinition Model, BackendDescriptor Backend, int Threads, int Batch, int Resolution)
{
    public CellKey Key => new(Model.Id, Backend.Name, Threads, Batch, Resolution);
}

/// <summary>
/// The cells that share one exported model and one reference output: a model at a batch size and
/// resolution, on every backend and thread count. The reference backend's cells come first, so that
/// its output is there when the others are checked.
/// </summary>
/// <param name="Reference">The backend whose output is the group's reference: the parity reference, or the first
/// backend after it that can run the model (<see cref="SweepConfiguration.ReferenceCandidates"/>).</param>
public sealed record ModelGroup(ModelDefinition Model, int Batch, int Resolution, IReadOnlyList<SweepCell> Cells, string Reference)
{
    /// <summary>File-name stem for the group's ONNX file and reference output: resnet50_b1_r224.</summary>
    public string Name => $"{Model.Id}_b{Batch}_r{Resolution}";

    /// <summary>MACs of the group's network at its batch and resolution: from the description, else from the ONNX file's graph; null where not countable.</summary>
    public long? Macs() => Model.HasDescription
        ? NetworkCounter.Count(Model.Build(new InputSpec(Resolution, Batch))).Macs
        : OnnxUserModel.GraphOnly(Model).Counts.Macs;
}

/// <summary>What a sweep will run, in order, and which requested backends it leaves out.</summary>
public sealed record SweepPlan(IReadOnlyList<ModelGroup> Groups, IReadOnlyList<ProbedBackend> Skipped)
{
    public int CellCount => Groups.Sum(g => g.Cells.Count);

    public IEnumerable<SweepCell> Cells => Groups.SelectMany(g => g.Cells);

    public static SweepPlan Create(SweepConfiguration configuration, ModelCatalog catalog, IReadOnlyList<ProbedBackend> backends)
    {
        var available = backends.Where(b => b.Available).Select(b => b.Descriptor).ToList();
        return new SweepPlan(PlanGroups(configuration, catalog, available), [.. backends.Where(b => !b.Available)]);
    }

    /// <summary>
    /// The whole plan as configured, as if every requested backend were available: what shards are
    /// cut from, so that a shard owns the same models on a machine that lacks a backend.
    /// </summary>
    public static IReadOnlyList<ModelGroup> Whole(SweepConfiguration configuration, ModelCatalog catalog) =>
        PlanGroups(configuration, catalog, [.. configuration.Backends.Distinct().Select(BackendCatalog.Get)]);

    /// <summary>
    /// What a new run of <paramref name="configuration"/> would measure, without probing: checked and resolved
    /// for this machine, every configured backend taken as available, cut to <paramref name="shard"/>'s part.
    /// </summary>
    public static IReadOnlyList<ModelGroup> Planned(SweepConfiguration configuration, ModelCatalog catalog, SweepShard? shard = null)
    {
        catalog = catalog.WithModelsFolder(configuration.ModelsDir);
        var resolved = SweepConfigurationValidator.Resolve(configuration, catalog, Hardware.Machine.MachineInspector.Inspect().PhysicalCores);
        var whole = Whole(resolved, catalog);
        if (shard is null) return whole;
        var owned = SweepShard.Owned(shard.Assign(whole));
        return [.. whole.Where(g => owned.Contains(g.Name))];
    }

    /// <summary>This plan restricted to the groups named (a shard's part of it), in plan order.</summary>
    public SweepPlan Only(IReadOnlyCollection<string> groupNames) => this with { Groups = [.. Groups.Where(g => groupNames.Contains(g.Name))] };

    private static List<ModelGroup> PlanGroups(SweepConfiguration configuration, ModelCatalog catalog, IReadOnlyList<BackendDescriptor> backends)
    {
        var groups = new List<ModelGroup>();
        foreach (var id in configuration.ModelIdentifiers().Distinct())
        {
            var model = catalog.Resolve(id);
            // The reference backend runs first in each group; the rest keep the configured order.
            string reference = configuration.ReferenceCandidates(model)[0].Name;
            var ordered = backends.OrderBy(b => b.Name == reference ? 0 : 1).ToList();
            // An ONNX file's input shape is fixed by the file or its input shape, not by the sweep's batch and resolution grid.
            var sizes = OnnxUserModel.InputSize(model) is { } fixedSize
                ? [fixedSize]
                : configuration.Batch.SelectMany(b => configuration.Resolution.Select(r => (Batch: b, Resolution: r))).ToList();
            foreach (var (batch, resolution) in sizes)
                {
                    var cells = ordered
                        .SelectMany(backend => configuration.Threads.Order().Select(threads => new SweepCell(model, backend, threads, batch, resolution)))
                        .ToList();
                    if (cells.Count > 0) groups.Add(new ModelGroup(model, batch, resolution, cells, reference));
                }
        }
        return groups;
    }
}
