using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using YamlDotNet.RepresentationModel;

namespace FormFollowsFunction.Architectures.Specs;

/// <summary>
/// <c>kind: stages</c>, a network as timm's and torchvision's config-driven builders write one: a stem
/// (convolutions with batch norm and activation, max pools), stages of identical blocks of which the first
/// carries the stride, and a head (optional 1x1 convolution, global average pool, linear classifier).
/// Blocks are the suite's own: ResNet's basic and bottleneck blocks (<see cref="ResNetBlocks"/>, projection
/// shortcuts where the shape changes), MobileNet-V2's inverted residual (<see cref="InvertedResidual"/>,
/// optionally with squeeze-excitation and another kernel: MBConv) and a plain conv-BN-activation.
/// Node names: <c>stem.I</c>, <c>stages.S.J</c>, <c>head.conv</c>, <c>avgpool</c>, <c>flatten</c>, <c>classifier</c>.
/// </summary>
internal static class StagesSpec
{
    public static readonly string[] Keys = ["kind", "name", "activation", "stem", "stages", "head"];

    private static readonly Dictionary<string, ActivationFunction> Activations = new()
    {
        ["relu"] = ActivationFunction.Relu,
        ["relu6"] = ActivationFunction.Relu6,
        ["silu"] = ActivationFunction.Silu,
    };

    private static readonly string[] StageKeys = ["block", "depth", "channels", "stride"];

    /// <summary>The blocks a stage may use and the settings each takes beyond <see cref="StageKeys"/>; a new block is a line here and a case in <see cref="AppendBlock"/>.</summary>
    private static readonly Dictionary<string, string[]> Blocks = new()
    {
        ["plain"] = ["kernel", "activation"],
        ["basic"] = ["activation"],
        ["bottleneck"] = ["expansion", "activation"],
        ["inverted_residual"] = ["expansion", "kernel", "se", "activation"],
    };

    /// <summary>One stage as read: <paramref name="Expansion"/> and <paramref name="Kernel"/> are the block's defaults when not given.</summary>
    private sealed record Stage(string Block, int Depth, int Channels, int Stride, int? Expansion, int? Kernel, double? SqueezeRatio, ActivationFunction Activation);

    private abstract record StemLayer;

    private sealed record StemConv(int Channels, int Kernel, int Stride, ActivationFunction Activation) : StemLayer;

    private sealed record StemPool(int Kernel, int Stride) : StemLayer;

    private sealed record Head(int? Channels, int Kernel, ActivationFunction Activation, int? Classes);

    public static Func<InputSpec, Network> Read(SpecMapping spec, string id)
    {
        var activation = ReadActivation(spec) ?? ActivationFunction.Relu;
        var stem = spec.Has("stem") ? ReadStem(spec, activation) : [];
        var stagesList = spec.RequiredList("stages", "[{block: basic, depth: 2, channels: 64, stride: 1}]");
        if (stagesList.Children.Count == 0) throw spec.Error(stagesList, "'stages' is empty; give at least one stage");
        var stages = stagesList.Children.Select((node, i) => ReadStage(spec, node, $"stages[{i}]", activation)).ToList();
        var head = ReadHead(spec, activation);
        return input => Build(id, input, stem, stages, head);
    }

    private static Network Build(string id, InputSpec input, IReadOnlyList<StemLayer> stem, IReadOnlyList<Stage> stages, Head head)
    {
        var b = new NetworkBuilder(id, input.Shape);
        var x = b.Input;
        for (int i = 0; i < stem.Count; i++)
        {
            x = stem[i] switch
            {
                StemConv conv => ConvNormActivation.Append(b, $"stem.{i}", x, conv.Channels, conv.Kernel, conv.Stride, activation: conv.Activation),
                StemPool pool => b.MaxPool($"stem.{i}", x, pool.Kernel, pool.Stride, padding: (pool.Kernel - 1) / 2),
                _ => throw new InvalidOperationException($"unknown stem layer {stem[i]}"),
            };
        }
        for (int s = 0; s < stages.Count; s++)
            for (int j = 0; j < stages[s].Depth; j++)
                x = AppendBlock(b, $"stages.{s}.{j}", x, stages[s], j == 0 ? stages[s].Stride : 1);
        if (head.Channels is { } channels)
            x = ConvNormActivation.Append(b, "head.conv", x, channels, head.Kernel, activation: head.Activation);
        x = b.GlobalAvgPool("avgpool", x);
        x = b.Flatten("flatten", x);
        return b.Build(b.Linear("classifier", x, head.Classes ?? input.Classes));
    }

    private static TensorRef AppendBlock(NetworkBuilder b, string scope, TensorRef x, Stage stage, int stride) => stage.Block switch
    {
        "plain" => ConvNormActivation.Append(b, scope, x, stage.Channels, stage.Kernel ?? 3, stride, activation: stage.Activation),
        "basic" => ResNetBlocks.BasicBlock(b, scope, x, stage.Channels, stride, stage.Activation),
        "bottleneck" => ResNetBlocks.Bottleneck(b, scope, x, stage.Channels / (stage.Expansion ?? ResNetBlocks.BottleneckExpansion), stride,
            stage.Activation, stage.Expansion ?? ResNetBlocks.BottleneckExpansion),
        "inverted_residual" => InvertedResidual.Append(b, scope, x, stage.Channels, stride, stage.Expansion ?? 6, stage.Kernel ?? 3,
            stage.Activation, stage.SqueezeRatio),
        _ => throw new InvalidOperationException($"unknown block '{stage.Block}'"),
    };

    private static ActivationFunction? ReadActivation(SpecMapping mapping) =>
        mapping.Choice("activation", Activations.Keys) is { } name ? Activations[name] : null;

    private static List<StemLayer> ReadStem(SpecMapping spec, ActivationFunction activation)
    {
        var list = spec.RequiredList("stem", "[{conv: {channels: 64, kernel: 7, stride: 2}}]");
        var layers = new List<StemLayer>();
        for (int i = 0; i < list.Children.Count; i++)
        {
            string path = $"stem[{i}]";
            var item = spec.Child(list.Children[i], path, ["conv", "maxpool"]);
            if (item.Mapping("conv", ["channels", "kernel", "stride", "activation"]) is { } conv)
            {
                if (item.Has("maxpool")) throw item.Error(item.Node, $"'{path}' gives both conv and maxpool; write each as its own list item");
                layers.Add(new StemConv(conv.RequiredInteger("channels", "64"), conv.Integer("kernel") ?? 3, conv.Integer("stride") ?? 1,
                    ReadActivation(conv) ?? activation));
            }
            else if (item.Mapping("maxpool", ["kernel", "stride"]) is { } pool)
            {
                layers.Add(new StemPool(pool.Integer("kernel") ?? 3, pool.Integer("stride") ?? 2));
            }
            else
            {
                throw item.Error(item.Node, $"'{path}' is empty; write '- conv: {{channels: 64, kernel: 7, stride: 2}}' or '- maxpool: {{kernel: 3, stride: 2}}'");
            }
        }
        return layers;
    }

    private static Stage ReadStage(SpecMapping spec, YamlNode node, string path, ActivationFunction activation)
    {
        // The block decides which keys are allowed, so it is read before the mapping's keys are checked.
        YamlNode? value = null;
        (node as YamlMappingNode)?.Children.TryGetValue(new YamlScalarNode("block"), out value);
        string? block = value is YamlScalarNode { Value: { } text } ? text.ToLowerInvariant() : null;
        if (block is not null && !Blocks.ContainsKey(block))
        {
            string? nearest = KeySuggestion.Nearest(block, Blocks.Keys);
            throw spec.Error(value!, $"'{path}.block' is '{block}', which is not one of {string.Join(", ", Blocks.Keys)}{(nearest is null ? "" : $"; did you mean '{nearest}'?")}");
        }
        var stage = spec.Child(node, path, [.. StageKeys, .. block is null ? Blocks.Values.SelectMany(k => k).Distinct() : Blocks[block]]);
        block = stage.Choice("block", Blocks.Keys) ?? throw stage.Error(node, $"missing key '{path}.block'; add it, for example 'block: basic' (one of {string.Join(", ", Blocks.Keys)})");
        var result = new Stage(block, stage.RequiredInteger("depth", "2"), stage.RequiredInteger("channels", "64"), stage.Integer("stride") ?? 1,
            stage.Integer("expansion"), stage.Integer("kernel"), stage.Number("se"), ReadActivation(stage) ?? activation);
        if (block == "bottleneck" && result.Channels % (result.Expansion ?? ResNetBlocks.BottleneckExpansion) != 0)
            throw stage.Error(stage.Value("channels")!, $"'{path}.channels' ({result.Channels}) must be a multiple of the expansion ({result.Expansion ?? ResNetBlocks.BottleneckExpansion}): a bottleneck's output is its inner width times the expansion");
        return result;
    }

    private static Head ReadHead(SpecMapping spec, ActivationFunction activation)
    {
        var head = spec.Mapping("head", ["conv", "pool", "classes"]);
        if (head is null) return new Head(null, 1, activation, null);
        head.Choice("pool", ["global_avg"]);
        var conv = head.Mapping("conv", ["channels", "kernel", "activation"]);
        return new Head(conv?.RequiredInteger("channels", "1280"), conv?.Integer("kernel") ?? 1, (conv is null ? null : ReadActivation(conv)) ?? activation,
            head.Integer("classes"));
    }
}
