using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Tests.Export;
using static TorchSharp.torch;

namespace FormFollowsFunction.Tests.Torch;

public sealed class TorchNetworkTests
{
    [Fact]
    public void Module_holds_the_seeded_weights_in_eval_mode_without_gradients()
    {
        var network = TestNetworks.Build("residual-d4");
        var weights = NetworkWeights.Initialize(network, 3);
        using var torch = TorchNetwork.Build(network, weights);

        Assert.False(torch.Module.training);
        var parameters = torch.Module.named_parameters().ToList();
        Assert.Equal(network.Parameters.Count(p => p.Spec.IsTrainable), parameters.Count);
        Assert.All(parameters, p => Assert.False(p.parameter.requires_grad));
        var stemWeight = parameters.Single(p => p.name == "stem_conv.weight").parameter;
        Assert.Equal(weights["stem.conv.weight"].ToArray(), stemWeight.data<float>().ToArray());
        var runningVariance = torch.Module.named_buffers().Single(b => b.name == "blocks_0_bn1.running_var").buffer;
        Assert.Equal(weights["blocks.0.bn1.running_var"].ToArray(), runningVariance.data<float>().ToArray());
    }

    [Fact]
    public void Forward_returns_a_tensor_owned_by_the_callers_scope_and_runs_are_repeatable()
    {
        var network = TestNetworks.Build("darts-like-d4");
        using var torch = TorchNetwork.Build(network, NetworkWeights.Initialize(network, 1));
        var input = ModelInput.Create(network.InputShape, 1);

        float[] viaForward;
        using (var scope = NewDisposeScope())
        {
            var output = torch.Forward(tensor(input, [.. network.InputShape.Dimensions.Select(d => (long)d)]));
            Assert.Equal(network.OutputShape.Dimensions.Select(d => (long)d), output.shape);
            viaForward = output.data<float>().ToArray();
            Assert.False(output.IsInvalid);
        }
        Assert.Equal(viaForward, torch.Run(input));
        Assert.Equal(viaForward, torch.Run(input));
    }

    [Fact]
    public void Input_of_the_wrong_size_is_refused()
    {
        var network = TestNetworks.Build("convolutions");
        using var torch = TorchNetwork.Build(network, NetworkWeights.Initialize(network, 1));
        var e = Assert.Throws<ArgumentException>(() => torch.Run(new float[10]));
        Assert.Contains(network.InputShape.ToString(), e.Message);
    }
}
