using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Torch;

/// <summary>
/// Everything that decides which kernel libtorch runs for one convolution: its parameters and the size of
/// the input it is given (batch included). Two layers of the same shape run the same kernel, so the
/// self-check checks each distinct shape once.
/// </summary>
public sealed record ConvolutionShape(int InChannels, int OutChannels, Size2d Kernel, Size2d Stride, Size2d Padding, Size2d Dilation, int Groups,
    int Batch, int Height, int Width)
{
    public int OutHeight => (Height + 2 * Padding.Height - Dilation.Height * (Kernel.Height - 1) - 1) / Stride.Height + 1;

    public int OutWidth => (Width + 2 * Padding.Width - Dilation.Width * (Kernel.Width - 1) - 1) / Stride.Width + 1;

    /// <summary>The shape of the convolution <paramref name="layer"/> applied to an input of <paramref name="input"/>.</summary>
    public static ConvolutionShape Of(Conv2d layer, TensorShape input) =>
        new(layer.InChannels, layer.OutChannels, layer.Kernel, layer.Stride, layer.Padding, layer.Dilation, layer.Groups, input.Batch, input.Height, input.Width);

    /// <summary>The shape of convolution node <paramref name="node"/> of <paramref name="network"/>.</summary>
    public static ConvolutionShape Of(Network network, Node node) =>
        node.Layer is Conv2d conv
            ? Of(conv, network.ShapeOf(node.Inputs[0]))
            : throw new ArgumentException($"{network.Id}: node '{node.Name}' is a {node.Layer.Kind}, not a convolution");

    /// <summary>Every distinct convolution shape of <paramref name="network"/>, in the order they first occur.</summary>
    public static IReadOnlyList<ConvolutionShape> DistinctIn(Network network) =>
        [.. network.Nodes.Where(n => n.Layer is Conv2d).Select(n => Of(network, n)).Distinct()];

    /// <summary>A short label: "3x3 conv 24->48, stride 2, 32x32, batch 1" (groups, padding and dilation where not the usual).</summary>
    public override string ToString() =>
        $"{Kernel.Height}x{Kernel.Width} conv {InChannels}->{OutChannels}{(Groups > 1 ? $", {Groups} groups" : "")}" +
        $"{(Stride is { Height: 1, Width: 1 } ? "" : $", stride {Stride.Height}")}" +
        $"{(Padding == new Size2d(Kernel.Height / 2, Kernel.Width / 2) ? "" : $", padding {Padding.Height}x{Padding.Width}")}" +
        $"{(Dilation is { Height: 1, Width: 1 } ? "" : $", dilation {Dilation.Height}")}, {Height}x{Width}, batch {Batch}";
}
