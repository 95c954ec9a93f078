using FormFollowsFunction.Architectures.Blocks.Darts;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Specs;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Architectures;

/// <summary>Network spec files: the shipped examples count as the built-ins they copy, and mistakes are one line naming key, line and fix.</summary>
public sealed class NetworkSpecFileTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Default;

    public static string Example(string file) => Path.Combine(SourceTree.Root()!, "docs", "examples", "specs", file);

    [Theory]
    [InlineData("resnet18.yaml", "resnet18")]
    [InlineData("resnet50.yaml", "resnet50")]
    [InlineData("mobilenetv2.yaml", "mobilenetv2")]
    [InlineData("darts_v2.yaml", "darts")]
    public void Example_specs_count_exactly_as_the_built_in_networks(string file, string builtIn)
    {
        foreach (var input in new[] { InputSpec.Default, new InputSpec(Resolution: 160, Batch: 2) })
        {
            var spec = NetworkCounter.Count(Catalog.Resolve(Example(file)).Build(input));
            var reference = NetworkCounter.Count(Catalog.Resolve(builtIn).Build(input));
            Assert.Equal(reference.Parameters, spec.Parameters);
            Assert.Equal(reference.Macs, spec.Macs);
            Assert.Equal(reference.Flops, spec.Flops);
            Assert.Equal(reference.ActivationBytes, spec.ActivationBytes);
            Assert.Equal(reference.PeakActivationBytes, spec.PeakActivationBytes);
            Assert.Equal(reference.Layers.Select(l => l.Node.Layer), spec.Layers.Select(l => l.Node.Layer));
        }
    }

    [Fact]
    public void The_darts_spec_is_the_built_in_darts_node_for_node()
    {
        var spec = Catalog.Resolve(Example("darts_v2.yaml")).Build(InputSpec.Default);
        var reference = Catalog.Resolve("darts").Build(InputSpec.Default);
        Assert.Equal(reference.Nodes.Select(n => (n.Name, n.Layer, n.OutputShape)), spec.Nodes.Select(n => (n.Name, n.Layer, n.OutputShape)));
    }

    [Fact]
    public void A_spec_file_resolves_to_a_user_model_named_by_its_name_key_or_its_file()
    {
        var model = Catalog.Resolve(Example("pcdarts.yaml"));
        Assert.Equal("pc-darts-imagenet", model.Id);
        Assert.Equal(ModelDefinition.UserFamily, model.Family);
        Assert.True(model.IsUser);
        Assert.Equal(Path.GetFullPath(Example("pcdarts.yaml")), model.SourceFile);

        using var folder = new TemporaryFolder();
        string path = Path.Combine(folder.Path, "tiny-net.yml");
        File.WriteAllText(path, "kind: stages\nstages:\n  - {block: plain, depth: 2, channels: 8, stride: 2}\n");
        var unnamed = Catalog.Resolve(path);
        Assert.Equal("tiny-net", unnamed.Id);
        var network = unnamed.Build(new InputSpec(Resolution: 32, Classes: 10));
        Assert.Equal(TensorShape.Of(1, 10), network.OutputShape);
    }

    [Fact]
    public void Another_genotype_builds_with_its_own_operations()
    {
        var network = Catalog.Resolve(Example("pcdarts.yaml")).Build(InputSpec.Default);
        // PC-DARTS' ImageNet normal cell uses a dilated 5x5, which DARTS_V2 does not.
        Assert.Contains(network.Nodes, n => n.Layer is Conv2d { Kernel.Height: 5, Dilation.Height: 2 });
        Assert.NotEqual(NetworkCounter.Count(Catalog.Resolve("darts").Build(InputSpec.Default)).Parameters, NetworkCounter.Count(network).Parameters);
    }

    [Fact]
    public void Genotype_notation_reads_the_darts_code_and_range()
    {
        const string text = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), " +
                            "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6), " +
                            "reduce=[(\"max_pool_3x3\", 0), (\"max_pool_3x3\", 1), (\"skip_connect\", 2), (\"max_pool_3x3\", 1), " +
                            "(\"max_pool_3x3\", 0), (\"skip_connect\", 2), (\"skip_connect\", 2), (\"max_pool_3x3\", 1),], reduce_concat=[2, 3, 4, 5])";
        var genotype = GenotypeNotation.Parse(text, "v2");
        var v2 = Genotype.DartsV2;
        // ImmutableArray compares by reference: compare the elements.
        Assert.Equal(v2.Normal.ToArray(), genotype.Normal.ToArray());
        Assert.Equal(v2.Reduce.ToArray(), genotype.Reduce.ToArray());
        Assert.Equal([2, 3, 4, 5], genotype.NormalConcat.ToArray());
        Assert.Equal(v2.ReduceConcat.ToArray(), genotype.ReduceConcat.ToArray());

        // Without the wrapper, as keyword arguments alone; range(3, 6) is half-open.
        var bare = GenotypeNotation.Parse("normal=[('skip_connect', 0), ('skip_connect', 1)], normal_concat=[1, 2], " +
                                          "reduce=[('max_pool_3x3', 0), ('avg_pool_3x3', 1), ('skip_connect', 2), ('skip_connect', 1)], reduce_concat=range(2, 4)", "bare");
        Assert.Equal([new GenotypeEdge("skip_connect", 0), new GenotypeEdge("skip_connect", 1)], bare.Normal.ToArray());
        Assert.Equal([2, 3], bare.ReduceConcat.ToArray());
    }

    [Theory]
    [InlineData("Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2], reduce=[], reduce_concat=[2])", "two edges per intermediate node")]
    [InlineData("Genotype(normal=[('conv_9x9', 0), ('skip_connect', 1)], normal_concat=[0, 2], reduce=[('skip_connect', 0), ('skip_connect', 1)], reduce_concat=[0, 2])", "operation 'conv_9x9'")]
    [InlineData("Genotype(normal=[('skip_connect', 0), ('skip_connect', 1)], normal_concat=[0, 2], reduse=[], reduce_concat=[0, 2])", "did you mean 'reduce'?")]
    [InlineData("Genotype(normal=[('skip_connect', 0), ('skip_connect', 1)], normal_concat=[0, 2], reduce_concat=[0, 2])", "field 'reduce' is missing")]
    [InlineData("Genotype(normal=[('skip_connect' 0)])", "expected ',' but found '0' (character 34 of the genotype)")]
    public void Genotype_mistakes_say_what_is_wrong(string text, string message)
    {
        var e = Assert.Throws<GenotypeSyntaxException>(() => GenotypeNotation.Parse(text, "bad"));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("kind: stages\nstages:\n  - {block: basic, depth: 2, chanels: 64}\n", "(line 3): unknown key 'stages[0].chanels'; did you mean 'stages[0].channels'?")]
    [InlineData("kind: stages\nactivaton: relu\nstages:\n  - {block: basic, depth: 2, channels: 64}\n", "(line 2): unknown key 'activaton'; did you mean 'activation'?")]
    [InlineData("kind: stages\nstages:\n  - {block: basic, channels: 64}\n", "(line 3): missing key 'stages[0].depth'; add it, for example 'depth: 2'")]
    [InlineData("kind: stages\nstages:\n  - {block: basic, depth: 2, channels: 64, se: 0.25}\n", "(line 3): unknown key 'stages[0].se'; known keys under stages[0]: block, depth, channels, stride, activation")]
    [InlineData("kind: stages\nstages:\n  - {block: basik, depth: 2, channels: 64}\n", "(line 3): 'stages[0].block' is 'basik', which is not one of plain, basic, bottleneck, inverted_residual; did you mean 'basic'?")]
    [InlineData("kind: stages\nactivation: gelu\nstages:\n  - {block: basic, depth: 2, channels: 64}\n", "(line 2): 'activation' is 'gelu', which is not one of relu, relu6, silu")]
    [InlineData("kind: stages\nstages:\n  - {block: plain, depth: two, channels: 64}\n", "(line 3): 'stages[0].depth' must be a whole number of at least 1, got 'two'")]
    [InlineData("kind: stages\nstem:\n  - conv: {kernel: 3}\nstages:\n  - {block: plain, depth: 1, channels: 8}\n", "(line 3): missing key 'stem[0].conv.channels'; add it, for example 'channels: 64'")]
    [InlineData("kind: darts\ncells: 8\n", "(line 1): missing key 'genotype'")]
    [InlineData("kind: darts\ngenotyp: x\n", "(line 2): unknown key 'genotyp'; did you mean 'genotype'?")]
    [InlineData("kind: darts\ncells: 8\ngenotype: \"Genotype(normal=[('skip_connect', 0)])\"\n", "(line 3): 'genotype': genotype field 'normal_concat' is missing")]
    [InlineData("kind: dart\n", "(line 1): 'kind' is 'dart', which is not one of darts, stages; did you mean 'darts'?")]
    [InlineData("name: x\n", "(line 1): missing key 'kind'; add 'kind: darts' or 'kind: stages'")]
    [InlineData("kind: stages\nstages: [\n", "the YAML is malformed")]
    public void Spec_mistakes_are_one_line_naming_the_key_its_line_and_the_fix(string yaml, string message)
    {
        using var folder = new TemporaryFolder();
        string path = Path.Combine(folder.Path, "net.yaml");
        File.WriteAllText(path, yaml);
        var e = Assert.Throws<NetworkSpecException>(() => Catalog.Resolve(path));
        Assert.Contains(message, e.Message);
        Assert.StartsWith(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_spec_file_is_named()
    {
        var e = Assert.Throws<UnknownModelException>(() => Catalog.Resolve("no/such/net.yaml"));
        Assert.Contains("spec file 'no/such/net.yaml' does not exist", e.Message);
    }

    [Fact]
    public void Inverted_residual_stages_take_kernel_squeeze_excitation_and_activation()
    {
        const string yaml = "kind: stages\nactivation: silu\nstem:\n  - conv: {channels: 16, kernel: 3, stride: 2}\nstages:\n" +
                            "  - {block: inverted_residual, depth: 2, channels: 24, stride: 2, expansion: 4, kernel: 5, se: 0.25}\n";
        var (_, build) = NetworkSpecFile.Parse(yaml, "mbconv.yaml", "mbconv");
        var network = build(new InputSpec(Resolution: 32, Classes: 10));
        Assert.Contains(network.Nodes, n => n.Name == "stages.0.0.conv.1.0" && n.Layer is Conv2d { Kernel.Height: 5, Groups: 64 });
        // The squeeze has max(1, floor(16 · 0.25)) = 4 channels in the first block and floor(24 · 0.25) = 6 in the second.
        Assert.Contains(network.Nodes, n => n.Name == "stages.0.0.conv.2.fc1" && n.Layer is Conv2d { OutChannels: 4 });
        Assert.Contains(network.Nodes, n => n.Name == "stages.0.1.conv.2.fc1" && n.Layer is Conv2d { OutChannels: 6 });
        Assert.Contains(network.Nodes, n => n.Name == "stages.0.1.add");
        Assert.All(network.Nodes.Where(n => n.Name.EndsWith(".2", StringComparison.Ordinal) && n.Layer is Activation),
            n => Assert.Equal(ActivationFunction.Silu, ((Activation)n.Layer).Function));
    }
}
