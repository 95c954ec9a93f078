using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.Torch;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Tests.Export;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Torch;

/// <summary>
/// The per-shape convolution self-check and variant selection. The build machine of a given day may compute
/// every convolution right, so a failing shape is planted with the self-check's test hook (the same one
/// <c>FFF_WORKER_FAULT=selfcheck:...</c> drives); the alternative variants are really run and checked.
/// </summary>
public sealed class ConvolutionVariantSelectionTests
{
    private const string Model = "catalog:dwbottleneck-d3-w0.5@32";

    [Theory]
    [InlineData(1.00, 0.95, ConvolutionVariant.ChannelsLast)] // 5% faster: within a few timings' noise, the first stays
    [InlineData(1.00, 0.91, ConvolutionVariant.ChannelsLast)]
    [InlineData(1.00, 0.89, ConvolutionVariant.Native)] // 11% faster: a clear winner is taken
    [InlineData(1.00, 1.50, ConvolutionVariant.ChannelsLast)]
    [InlineData(1.50, 1.00, ConvolutionVariant.Native)]
    public void A_later_variant_replaces_the_first_only_when_clearly_faster(double channelsLastMs, double nativeMs, ConvolutionVariant kept)
    {
        Assert.Equal(kept, ConvolutionVariants.Preferred([(ConvolutionVariant.ChannelsLast, channelsLastMs), (ConvolutionVariant.Native, nativeMs)]));
        Assert.Equal(ConvolutionVariant.Native, ConvolutionVariants.Preferred([(ConvolutionVariant.Native, nativeMs)]));
    }

    [Fact]
    public void Every_distinct_convolution_shape_of_the_model_is_checked_once()
    {
        var network = TestNetworks.Build("catalog:resnet18@64");
        var convolutions = network.Nodes.Where(n => n.Layer is Conv2d).ToList();
        var distinct = ConvolutionShape.DistinctIn(network);

        Assert.Equal(convolutions.Select(n => ConvolutionShape.Of(network, n)).ToHashSet(), distinct.ToHashSet());
        Assert.True(distinct.Count < convolutions.Count, "the test model should repeat a shape, so that deduplication shows");
        var plan = ConvolutionSelfCheck.Select(network, threads: 1);
        Assert.Equal(distinct.Count, plan.Checks.Count);
        Assert.True(plan.Resolved, plan.FailureSummary);
        Assert.All(distinct, s => Assert.Equal(ConvolutionVariant.OneDnn, plan.VariantOf(s)));
        Assert.Equal("", plan.Summary);
    }

    [Theory]
    [InlineData(ConvolutionVariant.ChannelsLast)]
    [InlineData(ConvolutionVariant.Native)]
    public void Each_alternative_variant_computes_the_same_convolutions(ConvolutionVariant variant)
    {
        var network = TestNetworks.Build(Model);
        foreach (var shape in ConvolutionShape.DistinctIn(network))
        {
            var check = ConvolutionSelfCheck.Check(shape, variant, threads: 1);
            Assert.True(check.Passed, check.Describe());
        }
        Assert.True(OneDnnSwitch.Enabled, "the oneDNN-off variant must switch oneDNN back on after its convolution");
    }

    [Fact]
    public void A_failing_shape_gets_a_correct_variant_the_others_keep_onednn_and_the_output_holds()
    {
        var network = TestNetworks.Build(Model);
        var failing = FirstDenseConvolution(network);
        var plan = ConvolutionSelfCheck.Select(network, threads: 1, injectFailure: s => s == failing);

        Assert.True(plan.Resolved, plan.FailureSummary);
        Assert.NotEqual(ConvolutionVariant.OneDnn, plan.VariantOf(failing));
        Assert.Contains(plan.VariantOf(failing), ConvolutionVariants.Alternatives);
        Assert.All(ConvolutionShape.DistinctIn(network).Where(s => s != failing), s => Assert.Equal(ConvolutionVariant.OneDnn, plan.VariantOf(s)));
        // The chosen variant was itself checked, and passed.
        Assert.Contains(plan.Checks, c => c.Shape == failing && c.Variant == plan.VariantOf(failing) && c.Passed);
        Assert.Contains(plan.Checks, c => c.Shape == failing && c.Variant == ConvolutionVariant.OneDnn && c.Injected && !c.Passed);
        Assert.Contains($"{plan.VariantOf(failing).Name()} for {failing}", plan.Summary);

        var weights = NetworkWeights.Initialize(network, 2);
        var input = ModelInput.Create(network.InputShape, 2);
        using var standard = TorchNetwork.Build(network, weights);
        using var planned = TorchNetwork.Build(network, weights, plan);
        double error = OutputComparison.RelativeL2Error(planned.Run(input), standard.Run(input));
        Assert.True(error <= 1e-5, $"the network with {plan.Summary} is off by relative L2 {error:E2}");
    }

    [Fact]
    public void The_torch_backend_records_the_variants_in_the_device_column()
    {
        var network = TestNetworks.Build(Model);
        var layer = network.Nodes.First(n => n.Layer is Conv2d { Groups: 1 } c && c.Kernel.Height > 1);
        var request = new CellRequest { Backend = "torch-cpu", Model = "dwbottleneck-d3-w0.5" };
        var backend = new TorchBackend(BackendCatalog.TorchCpu, BackendOptions.None, oneDnnMaxIsa: null, selfCheck: false)
        {
            InjectedSelfCheckFailure = WorkerFault.SelfCheckFailure(request, network, $"selfcheck:torch-cpu:dwbottleneck-d3-w0.5:{layer.Name}"),
        };
        var weights = NetworkWeights.Initialize(network, 3);
        var input = ModelInput.Create(network.InputShape, 3);
        using var model = backend.Load(new ModelArtifacts(network, weights, "", input), threads: 1);

        var device = Assert.IsAssignableFrom<IDescribesDevice>(model).Device;
        Assert.StartsWith("cpu; per-shape convolutions: ", device);
        Assert.Contains(ConvolutionShape.Of(network, layer).ToString(), device);
        using var standard = TorchNetwork.Build(network, weights);
        Assert.True(OutputComparison.RelativeL2Error(model.RunAndFetchOutput(), standard.Run(input)) <= 1e-5);
    }

    [Fact]
    public void A_later_launch_rebuilds_the_first_launchs_plan_from_its_choices_without_checking_again()
    {
        var network = TestNetworks.Build(Model);
        var failing = FirstDenseConvolution(network);
        var plan = ConvolutionSelfCheck.Select(network, threads: 1, injectFailure: s => s == failing);

        // The choices travel from the first launch's answer to the next launch's request as JSON.
        using var folder = new TemporaryFolder();
        string path = folder.Combine("request.json");
        new CellRequest { Backend = "torch-cpu", Model = "dwbottleneck-d3-w0.5", ConvolutionChoices = plan.Choices }.Write(path);
        var choices = CellRequest.Read(path).ConvolutionChoices!;
        Assert.Equal(plan.Choices, choices);

        var rebuilt = new TorchBackend(BackendCatalog.TorchCpu, BackendOptions.None, oneDnnMaxIsa: null, selfCheck: false)
            .PlanConvolutions(network, threads: 1, choices);
        Assert.Empty(rebuilt.Checks);
        Assert.Equal(plan.Summary, rebuilt.Summary);
        Assert.All(ConvolutionShape.DistinctIn(network), s => Assert.Equal(plan.VariantOf(s), rebuilt.VariantOf(s)));
    }

    [Fact]
    public void The_fault_hook_names_layers_and_refuses_unknown_ones()
    {
        var network = TestNetworks.Build(Model);
        var request = new CellRequest { Backend = "torch-cpu", Model = "dwbottleneck-d3-w0.5" };
        var layer = network.Nodes.First(n => n.Layer is Conv2d);

        var failing = WorkerFault.SelfCheckFailure(request, network, $"perturb:ort-cpu;selfcheck:torch-cpu:dwbottleneck-d3-w0.5:{layer.Name}");
        Assert.NotNull(failing);
        Assert.True(failing(ConvolutionShape.Of(network, layer)));
        Assert.Null(WorkerFault.SelfCheckFailure(request, network, $"selfcheck:torch-cpu:resnet18:{layer.Name}"));
        Assert.Null(WorkerFault.SelfCheckFailure(request with { ReferenceOnly = true }, network, $"selfcheck:torch-cpu:dwbottleneck-d3-w0.5:{layer.Name}"));
        var unknown = Assert.Throws<ArgumentException>(() => WorkerFault.SelfCheckFailure(request, network, "selfcheck:torch-cpu:dwbottleneck-d3-w0.5:nope"));
        Assert.Contains("no layer 'nope'", unknown.Message);
        var incomplete = Assert.Throws<ArgumentException>(() => WorkerFault.SelfCheckFailure(request, network, "selfcheck:torch-cpu"));
        Assert.Contains("selfcheck:BACKEND:MODEL:LAYER", incomplete.Message);
    }

    private static ConvolutionShape FirstDenseConvolution(Network network) =>
        ConvolutionShape.DistinctIn(network).First(s => s.Groups == 1 && s.Kernel.Height > 1);
}
