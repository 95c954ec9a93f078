using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Benchmarks.Sweeps;

namespace FormFollowsFunction.Tests.Export;

/// <summary>
/// Small hand-built networks that between them use every layer type and option the description has,
/// plus the catalog's models (empty until the pattern generators and reference networks are merged).
/// Theories take a case name, so an empty catalog still leaves the hand-built cases to run.
/// </summary>
public static class TestNetworks
{
    private const string CatalogPrefix = "catalog:";

    /// <summary>Every network with every layer type, for export, parity and count checks.</summary>
    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in HandBuilt.Keys) data.Add(name);
        foreach (var name in DeepBuilders.Keys) data.Add($"{name}-d4");
        foreach (var reference in ModelCatalog.Default.References.OrderBy(r => r.Name))
            data.Add($"{CatalogPrefix}{reference.Name}@64");
        foreach (var pattern in ModelCatalog.Default.Patterns.OrderBy(p => p.Name))
        {
            data.Add($"{CatalogPrefix}{ModelCatalog.PatternId(pattern.Name, 1, 0.25)}@32");
            data.Add($"{CatalogPrefix}{ModelCatalog.PatternId(pattern.Name, 3, 0.5)}@32");
            data.Add($"{CatalogPrefix}{ModelCatalog.PatternId(pattern.Name, 8, 1.0)}@32");
        }
        // Odd feature maps (14 → 7 after the first reduction) reach FactorizedReduce's padded path.
        data.Add($"{CatalogPrefix}darts-d4-w0.5@112");
        data.Add($"{CatalogPrefix}darts-d1-w0.25@40");
        // A genotype from a spec file, not from C# (docs/spec-files.md), at an odd-map resolution too.
        data.Add($"{CatalogPrefix}{Path.Combine(SourceTree.Root()!, "docs", "examples", "specs", "pcdarts.yaml")}@64");
        data.Add($"{CatalogPrefix}{Path.Combine(SourceTree.Root()!, "docs", "examples", "specs", "pcdarts.yaml")}@88");
        return data;
    }

    /// <summary>Networks 64 blocks deep: the hand-built pattern-like ones and the catalog's patterns.</summary>
    public static TheoryData<string> Deep()
    {
        var data = new TheoryData<string>();
        foreach (var name in DeepBuilders.Keys.Where(n => n != "darts-like-pooling")) data.Add($"{name}-d64");
        // Known limit (docs/export.md): stride-1 pooling in every cell makes the prediction drift by a few
        // per cent a cell, which compounds; it stays in the band to this depth.
        data.Add("darts-like-pooling-d16");
        foreach (var pattern in ModelCatalog.Default.Patterns.OrderBy(p => p.Name))
            data.Add($"{CatalogPrefix}{ModelCatalog.PatternId(pattern.Name, 64, 0.25)}@32");
        return data;
    }

    /// <summary>The network a case name stands for.</summary>
    public static Network Build(string caseName)
    {
        if (caseName.StartsWith(CatalogPrefix, StringComparison.Ordinal))
        {
            var (id, resolution) = (caseName[CatalogPrefix.Length..].Split('@')[0], int.Parse(caseName.Split('@')[1]));
            return ModelCatalog.Default.Resolve(id).Build(new InputSpec(resolution, Classes: 10));
        }
        if (HandBuilt.TryGetValue(caseName, out var build)) return build();
        int split = caseName.LastIndexOf("-d", StringComparison.Ordinal);
        return DeepBuilders[caseName[..split]](int.Parse(caseName[(split + 2)..]));
    }

    private static NetworkBuilder Builder(string id, int resolution = 16, int channels = 3, int batch = 1) =>
        new(id, TensorShape.Nchw(batch, channels, resolution, resolution));

    private static readonly Dictionary<string, Func<Network>> HandBuilt = new()
    {
        ["convolutions"] = Convolutions,
        ["activations"] = Activations,
        ["sums-gates-concat"] = SumsGatesConcat,
        ["pooling"] = Pooling,
        ["pooling-ceil-mode"] = PoolingCeilMode,
        ["adaptive-identity-7to7"] = () => Adaptive("adaptive-identity", 7, 7, 7, 7),
        ["adaptive-divisible-14to7"] = () => Adaptive("adaptive-divisible", 14, 14, 7, 7),
        ["adaptive-global-5to1"] = () => Adaptive("adaptive-global", 5, 5, 1, 1),
        ["adaptive-upsample-2to7"] = () => Adaptive("adaptive-upsample", 2, 2, 7, 7),
        ["adaptive-uneven-10to7"] = () => Adaptive("adaptive-uneven", 10, 10, 7, 7),
        ["adaptive-mixed-6x9to3x4"] = () => Adaptive("adaptive-mixed", 6, 9, 3, 4),
        ["classifier-batch2"] = Classifier,
        ["factorized-reduce-crop"] = FactorizedReduce,
    };

    /// <summary>Grouped, dilated, strided, padded, biased and non-square convolutions.</summary>
    private static Network Convolutions()
    {
        var b = Builder("convolutions", resolution: 19);
        var x = b.Conv2d("stem", b.Input, 8, 3, bias: true);
        x = b.Add("grouped", new Conv2d(8, 12, 3, 2, 1, 1, Groups: 4), x);
        x = b.Add("dilated", new Conv2d(12, 12, 3, 1, 2, 2), x);
        x = b.Add("unpadded", new Conv2d(12, 16, 3, 1, 0, 1, HasBias: true), x);
        x = b.Add("nonsquare", new Conv2d(16, 8, new Size2d(1, 5), new Size2d(1, 2), new Size2d(0, 2), 1), x);
        x = b.Add("depthwise", new Conv2d(8, 8, 3, 1, 1, 1, Groups: 8), x);
        x = b.Add("depthwise_multiplier", new Conv2d(8, 16, 5, 2, 2, 1, Groups: 8), x);
        return b.Build(x);
    }

    private static Network Activations()
    {
        var b = Builder("activations");
        var x = b.Conv2d("conv", b.Input, 8, 3);
        x = b.BatchNorm("bn", x);
        x = b.Relu("relu", x);
        x = b.BatchNorm("bn_eps", b.Add("pw", new Conv2d(8, 8, 1, 1, 0, 1), x), epsilon: 1e-3);
        x = b.Activation("relu6", x, ActivationFunction.Relu6);
        x = b.Activation("silu", b.BatchNorm("bn2", b.Conv2d("dw", x, 8, 3, groups: 8)), ActivationFunction.Silu);
        x = b.Activation("sigmoid", x, ActivationFunction.Sigmoid);
        return b.Build(b.Identity("identity", x));
    }

    private static Network SumsGatesConcat()
    {
        var b = Builder("sums-gates-concat");
        var x = b.Relu("stem.relu", b.BatchNorm("stem.bn", b.Conv2d("stem.conv", b.Input, 8, 3)));
        var a = b.BatchNorm("a.bn", b.Conv2d("a.conv", x, 8, 3));
        var c = b.BatchNorm("c.bn", b.Conv2d("c.conv", x, 8, 1));
        var two = b.Sum("add2", a, x);
        var three = b.Sum("add3", a, c, two);
        // Squeeze-and-excitation gate [N, C, 1, 1] broadcast over H and W.
        var squeezed = b.GlobalAvgPool("se.pool", three);
        var gate = b.Activation("se.gate", b.Conv2d("se.expand", b.Relu("se.relu", b.Conv2d("se.reduce", squeezed, 4, 1, bias: true)), 8, 1, bias: true),
            ActivationFunction.Sigmoid);
        var gated = b.Multiply("se.scale", three, gate);
        var product = b.Multiply("same_shape_product", gated, c);
        return b.Build(b.Concat("concat", product, x, a));
    }

    /// <summary>Max and average pooling, average with and without padding counted (border windows differ).</summary>
    private static Network Pooling()
    {
        var b = Builder("pooling", resolution: 17);
        var x = b.Conv2d("conv", b.Input, 8, 3);
        var max = b.MaxPool("max3s2p1", x, 3, 2, 1);
        var included = b.AvgPool("avg3s1p1_include_full", x, 3, 1, 1, countIncludePad: true);
        var excluded = b.AvgPool("avg3s1p1_exclude", x, 3, 1, 1, countIncludePad: false);
        var diff = b.Sum("both_averages", included, excluded);
        var avgs = b.AvgPool("avg3s2p1_include", diff, 3, 2, 1);
        var stacked = b.Concat("concat", max, avgs);
        var wide = b.Add("avg5s2p2_exclude", new AvgPool2d(5, 2, 2, CountIncludePad: false), stacked);
        return b.Build(b.GlobalAvgPool("global", b.Add("max2", new MaxPool2d(2, 1, 0), wide)));
    }

    /// <summary>Ceil mode, where the last window may hang over the edge (PyTorch's rule for its divisor).</summary>
    private static Network PoolingCeilMode()
    {
        var b = Builder("pooling-ceil-mode", resolution: 14);
        var x = b.Conv2d("conv", b.Input, 8, 3);
        var max = b.MaxPool("max3s2_ceil", x, 3, 2, ceilMode: true);
        var include = b.Add("avg3s2p1_ceil_include", new AvgPool2d(3, 2, 1, CountIncludePad: true, CeilMode: true), x);
        var exclude = b.Add("avg3s2p1_ceil_exclude", new AvgPool2d(3, 2, 1, CountIncludePad: false, CeilMode: true), x);
        var plain = b.Add("avg2s2_ceil", new AvgPool2d(2, 2, 0, CeilMode: true), b.Add("crop", new SpatialCrop(1, 0), x));
        // The padded ceil-mode windows give 8x8, the unpadded ones 7x7; a 2x2 convolution joins them.
        var padded = b.Conv2d("join", b.Concat("padded", include, exclude), 8, 2, padding: 0);
        return b.Build(b.Concat("concat", max, padded, b.Add("max1", new MaxPool2d(1, 1, 0), plain)));
    }

    /// <summary>A conv producing an <paramref name="h"/>x<paramref name="w"/> map, adaptive pooling to <paramref name="oh"/>x<paramref name="ow"/>, a classifier.</summary>
    private static Network Adaptive(string id, int h, int w, int oh, int ow)
    {
        var b = new NetworkBuilder($"{id}-{h}x{w}-to-{oh}x{ow}", TensorShape.Nchw(1, 3, h, w));
        var x = b.Relu("relu", b.Conv2d("conv", b.Input, 6, 3, bias: true));
        x = b.Add("pool", new AdaptiveAvgPool2d(new Size2d(oh, ow)), x);
        return b.Build(b.Linear("fc", b.Flatten("flatten", x), 10));
    }

    private static Network Classifier()
    {
        var b = Builder("classifier-batch2", resolution: 8, batch: 2);
        var x = b.Relu("relu", b.Conv2d("conv", b.Input, 4, 3));
        var features = b.Flatten("flatten", x);
        var hidden = b.Relu("fc1.relu", b.Linear("fc1", features, 32));
        var logits = b.Linear("fc2", b.Identity("dropout", hidden), 10, bias: false);
        return b.Build(logits);
    }

    /// <summary>DARTS' FactorizedReduce: two stride-2 1x1 convolutions, the second offset by one pixel (x[:, :, 1:, 1:]).</summary>
    private static Network FactorizedReduce()
    {
        var b = Builder("factorized-reduce-crop");
        var x = b.Relu("relu", b.Conv2d("stem", b.Input, 8, 3));
        var path1 = b.Conv2d("conv_1", x, 4, 1, stride: 2);
        var path2 = b.Conv2d("conv_2", b.Add("crop", new SpatialCrop(1, 1), x), 4, 1, stride: 2);
        return b.Build(b.BatchNorm("bn", b.Concat("concat", path1, path2)));
    }

    // Pattern-like networks of any depth (blocks): stem, blocks (a stride-2 stage transition halfway), classifier.

    private static readonly Dictionary<string, Func<int, Network>> DeepBuilders = new()
    {
        ["plain"] = depth => Stages("plain", depth, PlainBlock),
        ["residual"] = depth => Stages("residual", depth, ResidualBlock),
        ["inverted-residual"] = depth => Stages("inverted-residual", depth, InvertedResidualBlock),
        ["squeeze-excitation"] = depth => Stages("squeeze-excitation", depth, SqueezeExcitationBlock),
        ["mbconv"] = depth => Stages("mbconv", depth, MobileInvertedBlock),
        ["darts-like"] = depth => DartsLike(depth, poolingInNormalCells: false),
        ["darts-like-pooling"] = depth => DartsLike(depth, poolingInNormalCells: true),
    };

    private delegate TensorRef Block(NetworkBuilder b, TensorRef x, int channels, int stride);

    private static Network Stages(string pattern, int depth, Block block)
    {
        var b = Builder($"{pattern}-d{depth}");
        TensorRef x;
        using (b.Scope("stem"))
            x = b.Relu("relu", b.BatchNorm("bn", b.Conv2d("conv", b.Input, 16, 3)));
        for (int i = 0; i < depth; i++)
        {
            bool transition = i == depth / 2 && depth > 1;
            using (b.Scope($"blocks.{i}"))
                x = block(b, x, transition ? 32 : x.Channels, transition ? 2 : 1);
        }
        return b.Build(b.Linear("fc", b.Flatten("flatten", b.GlobalAvgPool("pool", x)), 10));
    }

    private static TensorRef PlainBlock(NetworkBuilder b, TensorRef x, int channels, int stride) =>
        b.Relu("relu", b.BatchNorm("bn", b.Conv2d("conv", x, channels, 3, stride)));

    /// <summary>ResNet's basic block; a projection shortcut (1x1 conv + BN) where the shape changes.</summary>
    private static TensorRef ResidualBlock(NetworkBuilder b, TensorRef x, int channels, int stride)
    {
        var y = b.Relu("relu1", b.BatchNorm("bn1", b.Conv2d("conv1", x, channels, 3, stride)));
        y = b.BatchNorm("bn2", b.Conv2d("conv2", y, channels, 3));
        var shortcut = stride == 1 && channels == x.Channels
            ? x
            : b.BatchNorm("downsample.1", b.Conv2d("downsample.0", x, channels, 1, stride));
        return b.Relu("relu2", b.Sum("add", y, shortcut));
    }

    /// <summary>MobileNet-V2's inverted residual: expand 1x1, depthwise 3x3, linear project 1x1.</summary>
    private static TensorRef InvertedResidualBlock(NetworkBuilder b, TensorRef x, int channels, int stride)
    {
        var y = b.Activation("expand.relu6", b.BatchNorm("expand.bn", b.Conv2d("expand.conv", x, x.Channels * 4, 1)), ActivationFunction.Relu6);
        y = b.Activation("dw.relu6", b.BatchNorm("dw.bn", b.Conv2d("dw.conv", y, y.Channels, 3, stride, groups: y.Channels)), ActivationFunction.Relu6);
        y = b.BatchNorm("project.bn", b.Conv2d("project.conv", y, channels, 1));
        return stride == 1 && channels == x.Channels ? b.Sum("add", y, x) : y;
    }

    /// <summary>SE-ResNet's basic block: the residual branch is gated by squeeze-and-excitation (Hu et al. 2018).</summary>
    private static TensorRef SqueezeExcitationBlock(NetworkBuilder b, TensorRef x, int channels, int stride)
    {
        var y = b.Relu("relu1", b.BatchNorm("bn1", b.Conv2d("conv1", x, channels, 3, stride)));
        y = b.BatchNorm("bn2", b.Conv2d("conv2", y, channels, 3));
        y = SqueezeExcitation(b, y, channels / 4, ActivationFunction.Relu);
        var shortcut = stride == 1 && channels == x.Channels
            ? x
            : b.BatchNorm("downsample.1", b.Conv2d("downsample.0", x, channels, 1, stride));
        return b.Relu("relu2", b.Sum("add", y, shortcut));
    }

    /// <summary>EfficientNet's MBConv: expand, depthwise, squeeze-and-excitation, project, all with SiLU.</summary>
    private static TensorRef MobileInvertedBlock(NetworkBuilder b, TensorRef x, int channels, int stride)
    {
        int expanded = x.Channels * 4;
        var y = b.Activation("expand.silu", b.BatchNorm("expand.bn", b.Conv2d("expand.conv", x, expanded, 1)), ActivationFunction.Silu);
        y = b.Activation("dw.silu", b.BatchNorm("dw.bn", b.Conv2d("dw.conv", y, expanded, 3, stride, groups: expanded)), ActivationFunction.Silu);
        y = SqueezeExcitation(b, y, x.Channels / 4, ActivationFunction.Silu);
        y = b.BatchNorm("project.bn", b.Conv2d("project.conv", y, channels, 1));
        return stride == 1 && channels == x.Channels ? b.Sum("add", y, x) : y;
    }

    private static TensorRef SqueezeExcitation(NetworkBuilder b, TensorRef x, int squeezed, ActivationFunction activation)
    {
        var pooled = b.GlobalAvgPool("se.pool", x);
        var hidden = b.Activation("se.act", b.Conv2d("se.reduce", pooled, squeezed, 1, bias: true), activation);
        var gate = b.Activation("se.sigmoid", b.Conv2d("se.expand", hidden, x.Channels, 1, bias: true), ActivationFunction.Sigmoid);
        return b.Multiply("se.scale", x, gate);
    }

    /// <summary>
    /// DARTS-like cells (Liu et al. 2019): preprocessing of the two previous cells' outputs, four nodes of two
    /// operations each, concatenation. Normal cells use separable and dilated convolutions and skips; reduction
    /// cells at a third and two thirds of the depth use stride-2 max and average pooling and FactorizedReduce.
    /// With <paramref name="poolingInNormalCells"/> the normal cells also use stride-1 pooling (a harsher mix than
    /// the published genotypes).
    /// </summary>
    private static Network DartsLike(int depth, bool poolingInNormalCells)
    {
        var b = Builder($"darts-like{(poolingInNormalCells ? "-pooling" : "")}-d{depth}");
        int c = 8;
        TensorRef stem;
        using (b.Scope("stem"))
            stem = b.BatchNorm("bn", b.Conv2d("conv", b.Input, 3 * c, 3));
        var (s0, s1) = (stem, stem);
        for (int i = 0; i < depth; i++)
        {
            using var _ = b.Scope($"cells.{i}");
            bool reduction = depth >= 3 && (i == depth / 3 || i == 2 * depth / 3);
            if (reduction) c *= 2;
            var p0 = s0.Shape.Height != s1.Shape.Height ? FactorizedReduce(b, "preprocess0", s0, c) : ReluConvBn(b, "preprocess0", s0, c);
            var p1 = ReluConvBn(b, "preprocess1", s1, c);
            TensorRef n0, n1, n2, n3;
            if (reduction)
            {
                n0 = b.Sum("node0", b.MaxPool("node0.max_pool_3x3_a", p0, 3, 2, 1), b.MaxPool("node0.max_pool_3x3_b", p1, 3, 2, 1));
                n1 = b.Sum("node1", b.Identity("node1.skip_connect", n0), b.MaxPool("node1.max_pool_3x3", p1, 3, 2, 1));
                n2 = b.Sum("node2", b.Identity("node2.skip_connect", n0),
                    b.Add("node2.avg_pool_3x3", new AvgPool2d(3, 2, 1, CountIncludePad: false), p0));
                n3 = b.Sum("node3", b.Identity("node3.skip_connect", n2), FactorizedReduce(b, "node3.factorized_reduce", p1, c));
            }
            else if (poolingInNormalCells)
            {
                n0 = b.Sum("node0", SeparableConv(b, "node0.sep_conv_3x3", p0), b.Identity("node0.skip_connect", p1));
                n1 = b.Sum("node1", DilatedConv(b, "node1.dil_conv_3x3", p1), b.MaxPool("node1.max_pool_3x3", p0, 3, 1, 1));
                n2 = b.Sum("node2", b.AvgPool("node2.avg_pool_3x3", n0, 3, 1, 1, countIncludePad: false), SeparableConv(b, "node2.sep_conv_3x3", n1));
                n3 = b.Sum("node3", b.Identity("node3.skip_connect", n0), DilatedConv(b, "node3.dil_conv_3x3", n2));
            }
            else
            {
                n0 = b.Sum("node0", SeparableConv(b, "node0.sep_conv_3x3_a", p0), SeparableConv(b, "node0.sep_conv_3x3_b", p1));
                n1 = b.Sum("node1", b.Identity("node1.skip_connect", p0), SeparableConv(b, "node1.sep_conv_3x3", p1));
                n2 = b.Sum("node2", DilatedConv(b, "node2.dil_conv_3x3", p0), b.Identity("node2.skip_connect", n0));
                n3 = b.Sum("node3", b.Identity("node3.skip_connect", p0), DilatedConv(b, "node3.dil_conv_3x3", n1));
            }
            (s0, s1) = (s1, b.Concat("concat", n0, n1, n2, n3));
        }
        return b.Build(b.Linear("classifier", b.Flatten("flatten", b.GlobalAvgPool("global_pooling", s1)), 10));
    }

    /// <summary>DARTS' FactorizedReduce: two stride-2 1x1 convolutions, the second offset by one pixel (x[:, :, 1:, 1:]).</summary>
    private static TensorRef FactorizedReduce(NetworkBuilder b, string name, TensorRef x, int channels)
    {
        x = b.Relu($"{name}.relu", x);
        var path1 = b.Conv2d($"{name}.conv_1", x, channels / 2, 1, stride: 2);
        var path2 = b.Conv2d($"{name}.conv_2", b.Add($"{name}.crop", new SpatialCrop(1, 1), x), channels / 2, 1, stride: 2);
        return b.BatchNorm($"{name}.bn", b.Concat($"{name}.concat", path1, path2));
    }

    private static TensorRef ReluConvBn(NetworkBuilder b, string name, TensorRef x, int channels) =>
        b.BatchNorm($"{name}.bn", b.Conv2d($"{name}.conv", b.Relu($"{name}.relu", x), channels, 1));

    private static TensorRef SeparableConv(NetworkBuilder b, string name, TensorRef x)
    {
        for (int half = 1; half <= 2; half++)
        {
            x = b.Relu($"{name}.relu{half}", x);
            x = b.Conv2d($"{name}.dw{half}", x, x.Channels, 3, groups: x.Channels);
            x = b.BatchNorm($"{name}.bn{half}", b.Conv2d($"{name}.pw{half}", x, x.Channels, 1));
        }
        return x;
    }

    private static TensorRef DilatedConv(NetworkBuilder b, string name, TensorRef x)
    {
        x = b.Conv2d($"{name}.dw", b.Relu($"{name}.relu", x), x.Channels, 3, dilation: 2, groups: x.Channels);
        return b.BatchNorm($"{name}.bn", b.Conv2d($"{name}.pw", x, x.Channels, 1));
    }
}
