using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Architectures.Blocks.Darts;

/// <summary>
/// DARTS' ImageNet network (model.py's <c>NetworkImageNet</c>, the mobile setting of the paper's
/// section 3.3 / Table 2): two stems that down-sample by 8, then <c>cells</c> cells, of which those at
/// <c>cells / 3</c> and <c>2 · cells / 3</c> are reduction cells that halve the resolution and double the
/// channels, then global average pooling and a linear classifier. The auxiliary head is a training-time
/// device and is left out, as are drop-path and dropout.
/// </summary>
public static class DartsImageNetNetwork
{
    /// <summary>The initial channel count C of the mobile setting (train_imagenet.py's <c>--init_channels</c>).</summary>
    public const int MobileChannels = 48;

    /// <summary>The cell count of the mobile setting (train_imagenet.py's <c>--layers</c>).</summary>
    public const int MobileCells = 14;

    /// <summary>Indices of the reduction cells among <paramref name="cells"/> cells; one index when cells &lt; 2.</summary>
    public static IReadOnlySet<int> ReductionCells(int cells) => new HashSet<int> { cells / 3, 2 * cells / 3 };

    /// <summary>
    /// Stems and cells; returns the last cell's output and how many times the cells halved the
    /// resolution (two, or one when a single cell is both reduction positions).
    /// </summary>
    public static (TensorRef Features, int Reductions) AppendFeatures(NetworkBuilder b, TensorRef input, Genotype genotype, int channels, int cells)
    {
        if (cells < 1) throw new ArgumentOutOfRangeException(nameof(cells), cells, "a DARTS network needs at least one cell");
        if (channels < 2 || channels % 2 != 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "C must be even (the stem has C/2 channels)");

        TensorRef s0, s1;
        using (b.Scope("stem0"))
        {
            s0 = b.Conv2d("0", input, channels / 2, kernel: 3, stride: 2, padding: 1);
            s0 = b.BatchNorm("1", s0);
            s0 = b.Relu("2", s0);
            s0 = b.Conv2d("3", s0, channels, kernel: 3, stride: 2, padding: 1);
            s0 = b.BatchNorm("4", s0);
        }
        using (b.Scope("stem1"))
        {
            s1 = b.Relu("0", s0);
            s1 = b.Conv2d("1", s1, channels, kernel: 3, stride: 2, padding: 1);
            s1 = b.BatchNorm("2", s1);
        }

        var reductions = ReductionCells(cells);
        int cellChannels = channels;
        // stem1 halves the resolution of stem0's output, so the first cell sees its older input at twice its size.
        bool reductionPrevious = true;
        for (int i = 0; i < cells; i++)
        {
            bool reduction = reductions.Contains(i);
            if (reduction) cellChannels *= 2;
            var output = DartsCell.Append(b, $"cells.{i}", genotype, s0, s1, cellChannels, reduction, reductionPrevious);
            (s0, s1) = (s1, output);
            reductionPrevious = reduction;
        }
        return (s1, reductions.Count);
    }

    /// <summary>global_pooling, flatten, classifier.</summary>
    public static TensorRef AppendHead(NetworkBuilder b, TensorRef features, int classes)
    {
        // The code's AvgPool2d(7) is a global average pool at 224x224 (7x7 maps); a global pool keeps
        // the network defined at other resolutions.
        var x = b.GlobalAvgPool("global_pooling", features);
        x = b.Flatten("flatten", x);
        return b.Linear("classifier", x, classes);
    }
}
