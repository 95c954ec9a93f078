using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Tests.Export;
using static TorchSharp.torch;

namespace FormFollowsFunction.Tests.Torch;

/// <summary>
/// The suite's TorchSharp forward (precomputed slots, early freeing) against <see cref="StraightForward"/>,
/// an independent straight run of the same torch.nn modules that keeps every value by name until the end:
/// same numbers bit for bit, and no managed allocation of its own that grows with depth.
/// </summary>
public sealed class TorchForwardTests
{
    [Theory]
    [InlineData("catalog:plain-d2-w0.5@32")]
    [InlineData("catalog:dwbottleneck-d4-w0.5@32")]
    [InlineData("catalog:darts-d3-w0.5@32")]
    [InlineData("catalog:residual-d3-w0.5@32")]
    [InlineData("catalog:mobilenetv2@64")]
    [InlineData("darts-like-d4")]
    public void Forward_matches_a_straight_run_of_the_same_modules_bit_for_bit(string caseName)
    {
        var network = TestNetworks.Build(caseName);
        using var torch = TorchNetwork.Build(network, NetworkWeights.Initialize(network, 5));
        var input = ModelInput.Create(network.InputShape, 5);

        float[] expected;
        using (NewDisposeScope())
            expected = new StraightForward(network, torch.Module).Run(InputOf(network, input)).data<float>().ToArray();

        Assert.Equal(expected, torch.Run(input));
        Assert.Equal(expected, torch.Run(input)); // the slots hold nothing over from the first call
    }

    [Fact]
    public void Forward_frees_every_intermediate_and_leaves_only_its_output_to_the_caller()
    {
        var network = TestNetworks.Build("catalog:darts-d3-w0.5@32");
        using var torch = TorchNetwork.Build(network, NetworkWeights.Initialize(network, 1));
        var input = ModelInput.Create(network.InputShape, 1);
        using var x = InputOf(network, input);
        torch.Run(input); // first call: TorchSharp's own lazily created objects

        using var scope = NewDisposeScope();
        var output = torch.Forward(x);
        // Forward runs in a scope of its own and moves only its result out: the caller's scope holds one tensor.
        Assert.Equal(1, scope.DisposablesCount);
        Assert.False(output.IsInvalid);
    }

    [Fact]
    public void Per_forward_allocations_of_the_suite_do_not_grow_with_depth()
    {
        long shallow = ExtraBytesPerForward("catalog:dwbottleneck-d2-w0.5@32");
        long deep = ExtraBytesPerForward("catalog:dwbottleneck-d16-w0.5@32");
        // Per layer the old forward allocated an argument array, a LINQ iterator and a dictionary entry:
        // over the 14 extra blocks (about 100 layers) that is kilobytes; a fixed per-call cost is not.
        Assert.True(deep <= shallow + 512,
            $"the suite's forward allocates {shallow} B per call more than a lean loop on 2 blocks and {deep} B on 16: it allocates per layer");
    }

    /// <summary>Managed bytes the suite's forward allocates per call beyond a lean slot loop over the same modules.</summary>
    private static long ExtraBytesPerForward(string caseName)
    {
        var network = TestNetworks.Build(caseName);
        using var torch = TorchNetwork.Build(network, NetworkWeights.Initialize(network, 1));
        using var x = InputOf(network, ModelInput.Create(network.InputShape, 1));
        var lean = new StraightForward(network, torch.Module);
        long suite = BytesPerCall(() => { using (NewDisposeScope()) torch.Forward(x); });
        long floor = BytesPerCall(() => { using (inference_mode()) using (NewDisposeScope()) lean.Run(x); });
        return suite - floor;
    }

    private static long BytesPerCall(Action call)
    {
        const int calls = 20;
        for (int i = 0; i < 5; i++) call();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++) call();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
    }

    private static Tensor InputOf(Network network, float[] input) =>
        tensor(input, [.. network.InputShape.Dimensions.Select(d => (long)d)]);

    /// <summary>
    /// The network's nodes run in order on TorchSharp's modules of the suite's module tree (child names are
    /// node names with '.' as '_'), element-wise nodes as torch calls; every value kept until the caller's scope ends.
    /// </summary>
    private sealed class StraightForward
    {
        private readonly Func<Tensor[], Tensor>[] _calls;
        private readonly int[][] _inputs;
        private readonly Tensor[][] _arguments;
        private readonly Tensor[] _values;
        private readonly int _output;

        public StraightForward(Network network, nn.Module modules)
        {
            var children = modules.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
            var index = new Dictionary<string, int> { [Network.InputName] = 0 };
            for (int i = 0; i < network.Nodes.Length; i++) index[network.Nodes[i].Name] = i + 1;
            _output = index[network.OutputName];
            _values = new Tensor[network.Nodes.Length + 1];
            _calls = new Func<Tensor[], Tensor>[network.Nodes.Length];
            _inputs = new int[network.Nodes.Length][];
            _arguments = new Tensor[network.Nodes.Length][];
            for (int i = 0; i < network.Nodes.Length; i++)
            {
                var node = network.Nodes[i];
                var inputShape = network.ShapeOf(node.Inputs[0]);
                _inputs[i] = [.. node.Inputs.Select(n => index[n])];
                _arguments[i] = new Tensor[node.Inputs.Length];
                _calls[i] = node.Layer switch
                {
                    Add => x => { var s = x[0]; for (int j = 1; j < x.Length; j++) s = s.add(x[j]); return s; },
                    Multiply => x => x[0].mul(x[1]),
                    Concat => x => cat(x, 1),
                    Identity => x => x[0],
                    SpatialCrop c => x => x[0].narrow(2, c.Top, inputShape.Height - c.Top).narrow(3, c.Left, inputShape.Width - c.Left),
                    _ => children[node.Name.Replace('.', '_')] is var module ? x => module.call(x[0]) : throw new InvalidOperationException(),
                };
            }
        }

        public Tensor Run(Tensor input)
        {
            _values[0] = input;
            for (int i = 0; i < _calls.Length; i++)
            {
                for (int j = 0; j < _inputs[i].Length; j++) _arguments[i][j] = _values[_inputs[i][j]];
                _values[i + 1] = _calls[i](_arguments[i]);
            }
            var output = _values[_output];
            Array.Clear(_values);
            return output;
        }
    }
}
