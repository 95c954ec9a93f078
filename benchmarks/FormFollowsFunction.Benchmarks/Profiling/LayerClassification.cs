using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>
/// The one mapping from a description layer to the <c>layer_type</c> of <c>layers.csv</c>
/// (<see cref="LayerTypes"/>): the groups that the per-layer figures compare across backends.
/// </summary>
public static class LayerClassification
{
    /// <summary>
    /// Depthwise: groups equal to the input channels (channel multiplier 1 or more). Pointwise: a
    /// 1x1 dense convolution (groups 1). Other convolutions are dense with their kernel, grouped ones
    /// (ResNeXt-style, neither dense nor depthwise) included, since they run the same kernels per group.
    /// </summary>
    public static string TypeOf(Layer layer) => layer switch
    {
        Conv2d { IsDepthwise: true } => LayerTypes.DepthwiseConvolution,
        Conv2d { Groups: 1, Kernel: { Height: 1, Width: 1 } } => LayerTypes.PointwiseConvolution,
        Conv2d c => LayerTypes.Dense(c.Kernel.Height, c.Kernel.Width),
        MaxPool2d or AvgPool2d or GlobalAvgPool or AdaptiveAvgPool2d => LayerTypes.Pooling,
        BatchNorm2d => LayerTypes.BatchNorm,
        Activation => LayerTypes.Activation,
        Add or Multiply => LayerTypes.Elementwise,
        Concat => LayerTypes.Concat,
        Linear => LayerTypes.Linear,
        _ => LayerTypes.Other,
    };
}
