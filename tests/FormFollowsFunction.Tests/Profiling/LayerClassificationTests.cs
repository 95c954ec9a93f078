using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Benchmarks.Profiling;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Tests.Profiling;

public sealed class LayerClassificationTests
{
    public static TheoryData<string, Layer, string> Cases() => new()
    {
        { "3x3 dense", new Conv2d(16, 32, 3, 1, 1, 1), "dense convolution 3x3" },
        { "7x7 dense stem", new Conv2d(3, 64, 7, 2, 3, 1), "dense convolution 7x7" },
        { "1x3 dense", new Conv2d(16, 16, new Size2d(1, 3), 1, new Size2d(0, 1), 1), "dense convolution 1x3" },
        { "1x1 dense", new Conv2d(16, 96, 1, 1, 0, 1), LayerTypes.PointwiseConvolution },
        { "1x1 strided dense", new Conv2d(16, 32, 1, 2, 0, 1), LayerTypes.PointwiseConvolution },
        { "depthwise 3x3", new Conv2d(32, 32, 3, 1, 1, 1, Groups: 32), LayerTypes.DepthwiseConvolution },
        { "depthwise 5x5 multiplier 2", new Conv2d(32, 64, 5, 1, 2, 1, Groups: 32), LayerTypes.DepthwiseConvolution },
        { "grouped 1x1 is not pointwise", new Conv2d(32, 32, 1, 1, 0, 1, Groups: 4), "dense convolution 1x1" },
        { "max pool", new MaxPool2d(3, 2, 1), LayerTypes.Pooling },
        { "average pool", new AvgPool2d(3, 1, 1, CountIncludePad: false), LayerTypes.Pooling },
        { "global average pool", new GlobalAvgPool(), LayerTypes.Pooling },
        { "adaptive average pool", new AdaptiveAvgPool2d(7), LayerTypes.Pooling },
        { "batch norm", new BatchNorm2d(32), LayerTypes.BatchNorm },
        { "relu6", new Activation(ActivationFunction.Relu6), LayerTypes.Activation },
        { "silu", new Activation(ActivationFunction.Silu), LayerTypes.Activation },
        { "add", new Add(), LayerTypes.Elementwise },
        { "multiply", new Multiply(), LayerTypes.Elementwise },
        { "concat", new Concat(), LayerTypes.Concat },
        { "linear", new Linear(512, 1000), LayerTypes.Linear },
        { "flatten", new Flatten(), LayerTypes.Other },
        { "identity", new Identity(), LayerTypes.Other },
        { "crop", new SpatialCrop(1, 1), LayerTypes.Other },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_description_layer_maps_to_its_layer_type(string what, Layer layer, string expected) =>
        Assert.True(LayerClassification.TypeOf(layer) == expected, $"{what}: {LayerClassification.TypeOf(layer)}, expected {expected}");
}
