using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Tests.Architectures;

public sealed class NetworkBuilderTests
{
    private static NetworkBuilder Builder(int resolution = 32, int channels = 3) =>
        new("test", TensorShape.Nchw(1, channels, resolution, resolution));

    [Theory]
    // input, kernel, stride, padding, dilation -> output (PyTorch's floor rule)
    [InlineData(224, 7, 2, 3, 1, 112)]
    [InlineData(56, 3, 1, 1, 1, 56)]
    [InlineData(56, 3, 2, 1, 1, 28)]
    [InlineData(7, 3, 1, 2, 2, 7)]
    [InlineData(15, 1, 2, 0, 1, 8)]
    public void Convolution_output_size_follows_the_floor_rule(int input, int kernel, int stride, int padding, int dilation, int expected)
    {
        var b = Builder(input);
        var y = b.Conv2d("conv", b.Input, 8, kernel, stride, padding, dilation);
        Assert.Equal(TensorShape.Nchw(1, 8, expected, expected), y.Shape);
    }

    [Fact]
    public void Names_are_scoped_like_torchvision()
    {
        var b = Builder();
        TensorRef y;
        using (b.Scope("layer1"))
        using (b.Scope("0"))
            y = b.Conv2d("conv1", b.Input, 4, 3);
        var network = b.Build(y);
        Assert.Equal("layer1.0.conv1", network.Nodes.Single().Name);
        Assert.Equal(["layer1.0.conv1.weight"], network.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void Channel_mismatch_names_the_layer()
    {
        var b = Builder();
        var x = b.Conv2d("stem", b.Input, 16, 3);
        var e = Assert.Throws<NetworkDefinitionException>(() => b.Add("block.conv", new Conv2d(8, 8, 3, 1, 1, 1), x));
        Assert.Contains("'block.conv'", e.Message);
        Assert.Contains("expects 8 input channels, got 16", e.Message);
    }

    [Fact]
    public void Adding_different_shapes_is_an_error_naming_the_layer()
    {
        var b = Builder();
        var a = b.Conv2d("a", b.Input, 8, 3, stride: 1);
        var c = b.Conv2d("c", b.Input, 8, 3, stride: 2);
        var e = Assert.Throws<NetworkDefinitionException>(() => b.Sum("residual.add", a, c));
        Assert.Contains("'residual.add'", e.Message);
        Assert.Contains("1x8x32x32", e.Message);
        Assert.Contains("1x8x16x16", e.Message);
    }

    [Fact]
    public void Too_small_an_input_is_an_error_that_says_so()
    {
        var b = Builder(resolution: 2);
        var e = Assert.Throws<NetworkDefinitionException>(() => b.Conv2d("big", b.Input, 8, kernel: 5, padding: 0));
        Assert.Contains("'big'", e.Message);
        Assert.Contains("resolution is too small", e.Message);
    }

    [Fact]
    public void Groups_must_divide_the_channels()
    {
        var b = Builder(channels: 6);
        var e = Assert.Throws<NetworkDefinitionException>(() => b.Conv2d("grouped", b.Input, 8, 3, groups: 4));
        Assert.Contains("divisible by 4 groups", e.Message);
    }

    [Fact]
    public void Squeeze_excitation_gate_broadcasts_but_other_shapes_do_not()
    {
        var b = Builder();
        var x = b.Conv2d("x", b.Input, 8, 3);
        var gate = b.GlobalAvgPool("pool", x);
        Assert.Equal(x.Shape, b.Multiply("scale", x, gate).Shape);

        var other = b.Conv2d("other", b.Input, 4, 3);
        Assert.Throws<NetworkDefinitionException>(() => b.Multiply("bad", x, other));
    }

    [Fact]
    public void Concat_sums_channels_and_requires_equal_spatial_sizes()
    {
        var b = Builder();
        var a = b.Conv2d("a", b.Input, 8, 3);
        var c = b.Conv2d("c", b.Input, 4, 3);
        Assert.Equal(12, b.Concat("cat", a, c).Channels);

        var small = b.MaxPool("pool", a, 2, 2);
        Assert.Throws<NetworkDefinitionException>(() => b.Concat("bad", a, small));
    }

    [Fact]
    public void Linear_needs_a_flattened_input_of_the_right_size()
    {
        var b = Builder();
        var pooled = b.GlobalAvgPool("pool", b.Input);
        Assert.Throws<NetworkDefinitionException>(() => b.Linear("fc", pooled, 10));
        var flat = b.Flatten("flatten", pooled);
        Assert.Equal(TensorShape.Of(1, 10), b.Linear("fc", flat, 10).Shape);
        Assert.Throws<NetworkDefinitionException>(() => b.Add("fc2", new Linear(7, 10), flat));
    }

    [Fact]
    public void Duplicate_names_and_foreign_inputs_are_rejected()
    {
        var b = Builder();
        var x = b.Conv2d("conv", b.Input, 8, 3);
        Assert.Throws<NetworkDefinitionException>(() => b.Conv2d("conv", x, 8, 3));

        var stranger = new TensorRef("elsewhere", x.Shape);
        Assert.Throws<NetworkDefinitionException>(() => b.Relu("relu", stranger));
    }

    [Theory]
    // DARTS' avg/max pools: 3x3, stride 2, padding 1; ResNet's stem pool.
    [InlineData(112, 3, 2, 1, 56)]
    [InlineData(7, 3, 2, 1, 4)]
    [InlineData(8, 2, 2, 0, 4)]
    public void Pool_output_size_follows_the_floor_rule(int input, int kernel, int stride, int padding, int expected)
    {
        var b = Builder(input);
        Assert.Equal(expected, b.MaxPool("pool", b.Input, kernel, stride, padding).Shape.Height);
        Assert.Equal(expected, b.AvgPool("avg", b.Input, kernel, stride, padding, countIncludePad: false).Shape.Height);
    }

    [Fact]
    public void Factorized_reduce_crop_gives_the_same_size_after_a_stride_two_1x1_conv()
    {
        var b = Builder(28);
        var straight = b.Conv2d("conv_1", b.Input, 4, 1, stride: 2, padding: 0);
        var shifted = b.Conv2d("conv_2", b.Add("crop", new SpatialCrop(1, 1), b.Input), 4, 1, stride: 2, padding: 0);
        Assert.Equal(straight.Shape, shifted.Shape);
    }

    [Theory]
    // PyTorch adaptive pooling windows: [floor(i*in/out), ceil((i+1)*in/out))
    [InlineData(0, 2, 7, 0, 1)]
    [InlineData(3, 2, 7, 0, 2)]
    [InlineData(6, 2, 7, 1, 2)]
    [InlineData(2, 14, 7, 4, 6)]
    [InlineData(1, 10, 7, 1, 3)]
    public void Adaptive_pool_windows_match_pytorch(int index, int input, int output, int start, int end)
    {
        Assert.Equal((start, end), AdaptiveAvgPool2d.Window(index, input, output));
    }
}
