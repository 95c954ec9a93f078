using System.Collections.Immutable;
using FormFollowsFunction.Architectures.Blocks;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.References;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Patterns;

/// <summary>
/// How the plain, residual and depthwise-bottleneck patterns lay a depth and a width onto the common
/// skeleton: a stride-2 stem, four stages that each begin by halving the resolution (32x in all, so
/// 224 → 7), global average pooling, flatten and a linear classifier.
/// </summary>
public static class StagePlan
{
    public const int Stages = 4;

    /// <summary>
    /// Blocks per stage: <c>depth / 4</c> each, and the remainder one more each to the last stages
    /// (depth 5 → [1, 1, 1, 2], 6 → [1, 1, 2, 2], 3 → [0, 1, 1, 1]). Extra blocks go where the feature
    /// maps are smallest, as ResNet and MobileNet put most of their blocks late; stages never shrink.
    /// </summary>
    public static ImmutableArray<int> BlocksPerStage(int depth)
    {
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "depth must be at least 1");
        int remainder = depth % Stages;
        return [.. Enumerable.Range(0, Stages).Select(s => depth / Stages + (s >= Stages - remainder ? 1 : 0))];
    }

    /// <summary>Stage widths at a width multiplier, each rounded by torchvision's <c>_make_divisible(v, 8)</c>.</summary>
    public static ImmutableArray<int> Widths(IEnumerable<int> baseWidths, double width) =>
        [.. baseWidths.Select(c => ChannelRounding.Scale(c, width))];

    /// <summary>
    /// What a stage with no blocks does instead, so that it still halves the resolution and reaches
    /// its width: a 1x1 stride-2 convolution, batch norm and the pattern's activation, named
    /// <c>{stage}.transition.0/1/2</c> (the 1x1 stride-2 projection ResNet's shortcuts use).
    /// </summary>
    public static TensorRef Transition(NetworkBuilder b, string stage, TensorRef x, int width, ActivationFunction activation) =>
        ConvNormActivation.Append(b, $"{stage}.transition", x, width, kernel: 1, stride: 2, activation: activation);

    /// <summary>avgpool (global), flatten, fc.</summary>
    public static TensorRef Head(NetworkBuilder b, TensorRef x, int classes) => ResNetBlocks.Head(b, x, classes);

    /// <summary>A block of a pattern: appends it under <paramref name="name"/> and returns its output.</summary>
    public delegate TensorRef Block(NetworkBuilder b, string name, TensorRef x, int channels, int stride);

    /// <summary>
    /// Builds a network on ResNet-18's skeleton (stem, max pool, stages of 64, 128, 256, 512 channels
    /// times <paramref name="width"/>, the first block of stages 2-4 with stride 2) with
    /// <paramref name="block"/> as its block; the patterns that share it differ only in their block.
    /// </summary>
    public static Network OnResNetSkeleton(string id, int depth, double width, InputSpec input, Block block)
    {
        var blocks = BlocksPerStage(depth);
        var widths = Widths(ResNet.StagePlanes, width);
        var b = new NetworkBuilder(id, input.Shape);
        var x = ResNetBlocks.Stem(b, b.Input, widths[0]);
        // Stage 1 down-samples by ResNet's max pool, whatever its block count; the stem already has its width.
        x = ResNetBlocks.StemPool(b, x);
        for (int stage = 0; stage < Stages; stage++)
        {
            string name = $"layer{stage + 1}";
            if (blocks[stage] == 0 && stage > 0) x = Transition(b, name, x, widths[stage], ActivationFunction.Relu);
            for (int index = 0; index < blocks[stage]; index++)
                x = block(b, $"{name}.{index}", x, widths[stage], stride: stage > 0 && index == 0 ? 2 : 1);
        }
        return b.Build(Head(b, x, input.Classes));
    }
}
