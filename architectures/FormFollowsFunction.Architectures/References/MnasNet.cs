using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.References;

/// <summary>
/// MNASNet at depth multiplier 1.0 as torchvision/models/mnasnet.py builds it, the "B1" variant
/// (no squeeze-excitation) of Tan et al., "MnasNet: Platform-Aware Neural Architecture Search for
/// Mobile", CVPR 2019: a 3x3 stride-2 stem, a depthwise separable
/// convolution, six stacks of inverted residuals with ReLU (kernel 3 or 5, expansion 3 or 6), a 1x1
/// convolution to 1280 channels, mean over H and W, and a linear classifier. Dropout is left out.
/// </summary>
public sealed class MnasNet : IReferenceNetwork
{
    /// <summary>One stack of <c>_stack</c> in mnasnet.py: kernel, stride of its first block, expansion, repeats; stack i outputs Depths[i + 2].</summary>
    private readonly record struct Stack(int Kernel, int Stride, int Expansion, int Repeats);

    /// <summary>mnasnet.py's <c>_get_depths</c> at alpha 1.0 (every value is already a multiple of 8).</summary>
    private static readonly int[] Depths = [32, 16, 24, 40, 80, 96, 192, 320];

    private static readonly Stack[] Stacks =
    [
        new(3, 2, 3, 3),
        new(5, 2, 3, 3),
        new(5, 2, 6, 3),
        new(3, 1, 6, 2),
        new(5, 2, 6, 4),
        new(3, 1, 6, 1),
    ];

    private const int LastChannels = 1280;

    public string Name => "mnasnet1_0";

    public string Summary => "MNASNet 1.0 (torchvision): NAS-found inverted residual stacks with 3x3 and 5x5 depthwise kernels, ReLU";

    // torchvision model docs (pytorch.org/vision/stable/models.html), MNASNet1_0_Weights.IMAGENET1K_V1: 4,383,312 params, 0.31 GFLOPS.
    public PublishedCounts Published { get; } = new(4_383_312, 0.31, "torchvision models table, MNASNet1_0_Weights.IMAGENET1K_V1");

    public Network Build(InputSpec input)
    {
        var b = new NetworkBuilder(Name, input.Shape);
        TensorRef x;
        using (b.Scope("layers"))
        {
            x = b.Conv2d("0", b.Input, Depths[0], kernel: 3, stride: 2, padding: 1);
            x = b.BatchNorm("1", x);
            x = b.Relu("2", x);
            // Depthwise separable convolution without a skip connection.
            x = b.Conv2d("3", x, Depths[0], kernel: 3, padding: 1, groups: Depths[0]);
            x = b.BatchNorm("4", x);
            x = b.Relu("5", x);
            x = b.Conv2d("6", x, Depths[1], kernel: 1, padding: 0);
            x = b.BatchNorm("7", x);
            for (int s = 0; s < Stacks.Length; s++)
            {
                var stack = Stacks[s];
                for (int r = 0; r < stack.Repeats; r++)
                    x = InvertedResidualBlock(b, $"{8 + s}.{r}", x, Depths[s + 2], stack.Kernel, r == 0 ? stack.Stride : 1, stack.Expansion);
            }
            x = b.Conv2d("14", x, LastChannels, kernel: 1, padding: 0);
            x = b.BatchNorm("15", x);
            x = b.Relu("16", x);
        }
        // x.mean([2, 3]) in forward: global average pooling straight to [N, C].
        x = b.GlobalAvgPool("mean", x);
        x = b.Flatten("flatten", x);
        return b.Build(b.Linear("classifier.1", x, input.Classes));
    }

    /// <summary>mnasnet.py's <c>_InvertedResidual</c>: 1x1 expansion, k x k depthwise, 1x1 linear projection, all with ReLU but the last.</summary>
    private static TensorRef InvertedResidualBlock(NetworkBuilder b, string scope, TensorRef x, int outChannels, int kernel, int stride, int expansion)
    {
        using var _ = b.Scope(scope);
        int middle = x.Channels * expansion;
        var y = b.Conv2d("layers.0", x, middle, kernel: 1, padding: 0);
        y = b.BatchNorm("layers.1", y);
        y = b.Relu("layers.2", y);
        y = b.Conv2d("layers.3", y, middle, kernel, stride, padding: kernel / 2, groups: middle);
        y = b.BatchNorm("layers.4", y);
        y = b.Relu("layers.5", y);
        y = b.Conv2d("layers.6", y, outChannels, kernel: 1, padding: 0);
        y = b.BatchNorm("layers.7", y);
        return InvertedResidual.UsesResidual(x.Channels, outChannels, stride) ? b.Sum("add", y, x) : y;
    }
}
