using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.References;

/// <summary>
/// VGG-16 without batch norm (Simonyan and Zisserman, "Very Deep Convolutional Networks for
/// Large-Scale Image Recognition", ICLR 2015, configuration D of Table 1), as torchvision/models/vgg.py
/// builds it: 3x3 convolutions with bias and ReLU, 2x2 max pools, an adaptive average pool to 7x7,
/// and three fully connected layers. Dropout (classifier.2 and classifier.5) is the identity at inference and is left out.
/// </summary>
public sealed class Vgg16 : IReferenceNetwork
{
    /// <summary>Configuration D: output channels of each 3x3 convolution, 0 for a 2x2 max pool.</summary>
    private static readonly int[] ConfigurationD = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    private const int HiddenFeatures = 4096;

    public string Name => "vgg16";

    public string Summary => "VGG-16 (configuration D, no batch norm): 13 3x3 convolutions, 5 max pools, 3 fully connected layers";

    // torchvision model docs (pytorch.org/vision/stable/models.html), VGG16_Weights.IMAGENET1K_V1: 138,357,544 params, 15.47 GFLOPS.
    public PublishedCounts Published { get; } = new(138_357_544, 15.47, "torchvision models table, VGG16_Weights.IMAGENET1K_V1");

    public Network Build(InputSpec input)
    {
        var b = new NetworkBuilder(Name, input.Shape);
        var x = b.Input;
        int index = 0;
        foreach (int channels in ConfigurationD)
        {
            if (channels == 0)
            {
                x = b.MaxPool($"features.{index++}", x, kernel: 2, stride: 2);
                continue;
            }
            x = b.Conv2d($"features.{index++}", x, channels, kernel: 3, padding: 1, bias: true);
            x = b.Relu($"features.{index++}", x);
        }
        x = b.Add("avgpool", new AdaptiveAvgPool2d(7), x);
        x = b.Flatten("flatten", x);
        x = b.Linear("classifier.0", x, HiddenFeatures);
        x = b.Relu("classifier.1", x);
        x = b.Linear("classifier.3", x, HiddenFeatures);
        x = b.Relu("classifier.4", x);
        x = b.Linear("classifier.6", x, input.Classes);
        return b.Build(x);
    }
}
