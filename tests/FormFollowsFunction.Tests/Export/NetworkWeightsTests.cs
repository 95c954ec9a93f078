using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Weights;

namespace FormFollowsFunction.Tests.Export;

public sealed class NetworkWeightsTests
{
    private static Network Wide()
    {
        var b = new NetworkBuilder("wide", TensorShape.Nchw(1, 256, 8, 8));
        var x = b.Conv2d("conv", b.Input, 256, 3, bias: true);
        return b.Build(b.Linear("fc", b.Flatten("flatten", b.GlobalAvgPool("pool", x)), 10));
    }

    [Fact]
    public void The_same_seed_gives_the_same_values_and_another_seed_others()
    {
        var network = TestNetworks.Build("residual-d4");
        var first = NetworkWeights.Initialize(network, 42);
        var again = NetworkWeights.Initialize(network, 42);
        var other = NetworkWeights.Initialize(network, 43);

        Assert.All(first.Tensors, t => Assert.True(t.Values.SequenceEqual(again[t.Name]), $"{t.Name} differs between two draws with seed 42"));
        var conv = first.Tensors.First(t => t.Role == ParameterRole.Weight).Name;
        Assert.False(first[conv].SequenceEqual(other[conv]));
    }

    [Fact]
    public void Each_value_is_a_function_of_seed_tensor_name_and_index_alone()
    {
        // So the values cannot depend on thread count or drawing order: recompute some from the generator directly.
        var network = Wide();
        var weights = NetworkWeights.Initialize(network, 5);
        var values = weights["conv.weight"];
        ulong key = CounterRandom.StreamKey(5, "conv.weight");
        float bound = MathF.Sqrt(6f / (256 * 9));
        foreach (int i in new[] { 0, 1, 65_535, 65_536, 300_000, values.Length - 1 })
            Assert.Equal(CounterRandom.SymmetricUnit(CounterRandom.Bits(key, i)) * bound, values[i]);
    }

    [Fact]
    public void Convolution_weights_are_kaiming_uniform_and_biases_pytorch_default()
    {
        var weights = NetworkWeights.Initialize(Wide(), 1);
        var w = weights["conv.weight"];
        double fanIn = 256 * 9;
        double mean = 0, variance = 0;
        foreach (float v in w) mean += v;
        mean /= w.Length;
        foreach (float v in w) variance += (v - mean) * (v - mean);
        variance /= w.Length;

        Assert.InRange(variance * fanIn / 2, 0.99, 1.01); // variance 2 / fan_in; 590k draws give about 0.2% noise
        Assert.InRange(Math.Abs(mean) * Math.Sqrt(fanIn / 2), 0, 0.01);
        float bound = (float)Math.Sqrt(6 / fanIn);
        Assert.All(w.ToArray(), v => Assert.InRange(v, -bound, bound));
        float biasBound = (float)(1 / Math.Sqrt(fanIn));
        Assert.All(weights["conv.bias"].ToArray(), v => Assert.InRange(v, -biasBound, biasBound));
        Assert.Contains(weights["conv.bias"].ToArray(), v => v != 0);
    }

    [Fact]
    public void Batch_norm_defaults_and_residual_branch_scale()
    {
        // residual-d8: identity blocks 0-3, a projection block at 4, identity blocks 5-7: trunks of 4 and 3 residual sums.
        var network = TestNetworks.Build("residual-d8");
        var weights = NetworkWeights.Initialize(network, 0);

        Assert.All(weights["stem.bn.weight"].ToArray(), v => Assert.Equal(1f, v));
        Assert.All(weights["stem.bn.bias"].ToArray(), v => Assert.Equal(0f, v));
        Assert.All(weights["blocks.0.bn1.weight"].ToArray(), v => Assert.Equal(1f, v));
        // The last batch norm of an identity-shortcut branch: 1/sqrt(R) for a trunk of R residual sums.
        Assert.All(weights["blocks.0.bn2.weight"].ToArray(), v => Assert.Equal(0.5f, v));
        Assert.All(weights["blocks.7.bn2.weight"].ToArray(), v => Assert.Equal((float)(1 / Math.Sqrt(3)), v));
        // A sum of two normalised branches (projection shortcut): 1/sqrt(2) each.
        Assert.All(weights["blocks.4.bn2.weight"].ToArray(), v => Assert.Equal((float)(1 / Math.Sqrt(2)), v));
        Assert.All(weights["blocks.4.downsample.1.weight"].ToArray(), v => Assert.Equal((float)(1 / Math.Sqrt(2)), v));
    }

    [Fact]
    public void Running_statistics_of_the_first_batch_norm_match_the_statistics_of_its_input()
    {
        // conv(3 -> 32, 1x1) of N(0, 1) input: mean 0 + bias and variance sum of w^2 per channel, exactly.
        var b = new NetworkBuilder("first-bn", TensorShape.Nchw(4, 3, 32, 32));
        var conv = b.Conv2d("conv", b.Input, 32, 1, bias: true);
        var network = b.Build(b.BatchNorm("bn", conv));
        var weights = NetworkWeights.Initialize(network, 9);

        var w = weights["conv.weight"];
        var bias = weights["conv.bias"];
        for (int c = 0; c < 32; c++)
        {
            double expected = w[c * 3] * (double)w[c * 3] + w[c * 3 + 1] * (double)w[c * 3 + 1] + w[c * 3 + 2] * (double)w[c * 3 + 2];
            Assert.Equal(expected, weights["bn.running_var"][c], 1e-5);
            Assert.Equal(bias[c], weights["bn.running_mean"][c], 1e-5);
        }
    }

    [Fact]
    public void Predicted_scale_matches_the_measured_scale_of_a_plain_network()
    {
        var network = TestNetworks.Build("plain-d16");
        var weights = NetworkWeights.Initialize(network, 2);
        var predicted = SignalPropagation.PredictedRootMeanSquares(network, weights);
        using var torch = FormFollowsFunction.Architectures.Torch.TorchNetwork.Build(network, weights);
        var measured = torch.MeasureActivations(ModelInput.Create(network.InputShape, 2));
        var ratios = measured.Where(m => m.Kind is "BatchNorm" or "Relu").Select(m => m.RootMeanSquare / predicted[m.Node]).ToList();
        // One image of 16x16 then 8x8 positions: each node's RMS has a few per cent of sampling noise, and the
        // prediction ignores zero padding, which lowers the real scale by about 13% on maps this small.
        Assert.All(ratios, r => Assert.InRange(r, 2 / 3.0, 1.5));
        Assert.InRange(Math.Exp(ratios.Average(Math.Log)), 0.8, 1.05);
    }

    [Fact]
    public void Weights_of_another_network_are_rejected()
    {
        var weights = NetworkWeights.Initialize(TestNetworks.Build("residual-d4"), 0);
        var e = Assert.Throws<ArgumentException>(() => weights.EnsureFits(TestNetworks.Build("plain-d4")));
        Assert.Contains("plain-d4", e.Message);
    }

    [Fact]
    public void Model_input_is_seeded_standard_normal()
    {
        var shape = TensorShape.Nchw(2, 3, 128, 128);
        var input = ModelInput.Create(shape, 3);
        Assert.Equal(input, ModelInput.Create(shape, 3));
        Assert.NotEqual(input, ModelInput.Create(shape, 4));
        double mean = input.Average(v => (double)v);
        double variance = input.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.01, 0.01);     // 98k values: standard error 0.003
        Assert.InRange(variance, 0.98, 1.02);
        Assert.InRange(input.Count(v => Math.Abs(v) > 1.96) / (double)input.Length, 0.045, 0.055);
    }
}
