using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.Torch;
using static TorchSharp.torch;

namespace FormFollowsFunction.Microbenchmarks;

/// <summary>
/// How much the suite's TorchSharp forward costs over a bare TorchSharp loop on the same network: the
/// timed call of the TorchSharp backend (<see cref="ILoadedModel.Run"/>, which interprets the network
/// description per layer) against <see cref="BareTorchLoop"/>, straight calls to the same torch.nn
/// modules with the same weights and no bookkeeping. Small resolution and one thread, so that per-call
/// overhead shows; a small network and two deep ones, so that overhead growing with depth shows.
/// Run in-process, as <see cref="HarnessOverheadBenchmarks"/> is.
/// </summary>
[Config(typeof(Configuration))]
[MemoryDiagnoser]
public class TorchOverheadBenchmarks
{
    private sealed class Configuration : ManualConfig
    {
        public Configuration()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(20));
        }
    }

    /// <summary>Input resolution in pixels (square).</summary>
    public const int Resolution = 32;

    private ILoadedModel? _harness;
    private BareTorchLoop? _bare;
    private Tensor? _input;
    private TorchNetwork? _bareNetwork;

    [Params("plain-d2-w0.5", "dwbottleneck-d16-w0.5", "darts-d8-w0.5")]
    public string Model { get; set; } = "plain-d2-w0.5";

    [GlobalSetup]
    public void Setup()
    {
        var network = ModelCatalog.Default.Resolve(Model).Build(new InputSpec(Resolution: Resolution, Batch: 1, Classes: 10));
        var weights = NetworkWeights.Initialize(network, 1);
        var input = ModelInput.Create(network.InputShape, 1);
        var backend = new TorchBackend(BackendCatalog.TorchCpu, BackendOptions.None, oneDnnMaxIsa: null, selfCheck: false);
        _harness = backend.Load(new ModelArtifacts(network, weights, "", input), threads: 1);
        // A second copy of the modules for the bare loop, so that neither side warms the other's tensors.
        _bareNetwork = TorchNetwork.Build(network, weights);
        _bare = new BareTorchLoop(network, _bareNetwork.Module);
        _input = tensor(input, [.. network.InputShape.Dimensions.Select(d => (long)d)]);
    }

    [Benchmark(Baseline = true, Description = "bare TorchSharp loop")]
    public void Bare() => _bare!.Run(_input!);

    [Benchmark(Description = "suite forward (ILoadedModel.Run)")]
    public void Harness() => _harness!.Run();

    [GlobalCleanup]
    public void Cleanup()
    {
        _harness?.Dispose();
        _bareNetwork?.Dispose();
        _input?.Dispose();
    }
}

/// <summary>
/// The floor for a TorchSharp forward: every node of the description is resolved once, at construction,
/// to a straight call on TorchSharp's own module of that node (or a torch function for element-wise
/// nodes), with its inputs as integer slots; a call runs them in order under one dispose scope, in
/// inference mode, and frees everything at the end, as a hand-written <c>forward</c> in TorchSharp would.
/// </summary>
internal sealed class BareTorchLoop
{
    private readonly Func<Tensor[], Tensor>[] _calls;
    private readonly int[][] _inputs;
    private readonly Tensor[] _slots;
    private readonly Tensor[][] _arguments;

    public BareTorchLoop(Network network, nn.Module modules)
    {
        var children = modules.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        var slot = new Dictionary<string, int> { [Network.InputName] = 0 };
        for (int i = 0; i < network.Nodes.Length; i++) slot[network.Nodes[i].Name] = i + 1;
        _calls = new Func<Tensor[], Tensor>[network.Nodes.Length];
        _inputs = new int[network.Nodes.Length][];
        _arguments = new Tensor[network.Nodes.Length][];
        _slots = new Tensor[network.Nodes.Length + 1];
        for (int i = 0; i < network.Nodes.Length; i++)
        {
            var node = network.Nodes[i];
            _inputs[i] = [.. node.Inputs.Select(n => slot[n])];
            _arguments[i] = new Tensor[node.Inputs.Length];
            _calls[i] = node.Layer switch
            {
                Add => x => x.Length == 2 ? x[0].add(x[1]) : x.Skip(1).Aggregate(x[0], (s, t) => s.add(t)),
                Multiply => x => x[0].mul(x[1]),
                Concat => x => cat(x, 1),
                Identity => x => x[0].alias(),
                SpatialCrop crop => Crop(crop, network.ShapeOf(node.Inputs[0])),
                _ when children.TryGetValue(node.Name.Replace('.', '_'), out var module) => x => module.call(x[0]),
                _ => throw new NotSupportedException($"{network.Id}: the bare loop has no call for {node.Layer.Kind} layer '{node.Name}'"),
            };
        }
    }

    private static Func<Tensor[], Tensor> Crop(SpatialCrop crop, TensorShape input) =>
        x => x[0].narrow(2, crop.Top, input.Height - crop.Top).narrow(3, crop.Left, input.Width - crop.Left);

    public void Run(Tensor input)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        _slots[0] = input;
        for (int i = 0; i < _calls.Length; i++)
        {
            var arguments = _arguments[i];
            var inputs = _inputs[i];
            for (int j = 0; j < inputs.Length; j++) arguments[j] = _slots[inputs[j]];
            _slots[i + 1] = _calls[i](arguments);
        }
        Array.Clear(_slots);
    }
}
