using System.Collections.Concurrent;
using System.Diagnostics;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using static TorchSharp.torch;

namespace FormFollowsFunction.Architectures.Torch;

/// <summary>One convolution shape run one way, and how far libtorch's result was from the exact one.</summary>
/// <param name="Injected">The failure was planted by a test hook, not measured.</param>
public sealed record ConvolutionCheck(ConvolutionShape Shape, ConvolutionVariant Variant, int Threads, double RelativeL2Error, bool Injected = false)
{
    public bool Passed => !Injected && RelativeL2Error <= ConvolutionSelfCheck.Tolerance;

    public string Describe() => Injected
        ? $"{Shape} with {Variant.Name()}: failure injected by a test hook"
        : $"{Shape} with {Variant.Name()}: relative L2 error {RelativeL2Error:0.00e0}";
}

/// <summary>A shape that runs other than libtorch's default, and how: what a plan hands to later worker processes of the same cell.</summary>
public sealed record ConvolutionChoice(ConvolutionShape Shape, ConvolutionVariant Variant);

/// <summary>
/// The variant each convolution shape of a network runs as, after the self-check. <see cref="Unresolved"/>
/// lists the shapes for which no variant computed right: then only the process-wide oneDNN cap is left.
/// </summary>
public sealed record ConvolutionPlan(IReadOnlyDictionary<ConvolutionShape, ConvolutionVariant> Variants, IReadOnlyList<ConvolutionCheck> Checks,
    IReadOnlyList<ConvolutionShape> Unresolved)
{
    public static ConvolutionPlan Default { get; } = new(new Dictionary<ConvolutionShape, ConvolutionVariant>(), [], []);

    public bool Resolved => Unresolved.Count == 0;

    /// <summary>The variant of <paramref name="shape"/>: libtorch's default unless the self-check chose another.</summary>
    public ConvolutionVariant VariantOf(ConvolutionShape shape) => Variants.GetValueOrDefault(shape, ConvolutionVariant.OneDnn);

    /// <summary>The shapes that do not run libtorch's default, with their variant.</summary>
    public IEnumerable<KeyValuePair<ConvolutionShape, ConvolutionVariant>> Deviations => Variants.Where(v => v.Value != ConvolutionVariant.OneDnn);

    /// <summary>The deviations as a list that travels between processes (JSON).</summary>
    public IReadOnlyList<ConvolutionChoice> Choices => [.. Deviations.Select(d => new ConvolutionChoice(d.Key, d.Value))];

    /// <summary>
    /// The plan a self-check of <paramref name="network"/> chose earlier, rebuilt from its <see cref="Choices"/> without checking
    /// again: every other distinct shape of the network runs libtorch's default.
    /// </summary>
    public static ConvolutionPlan FromChoices(Network network, IReadOnlyList<ConvolutionChoice> choices)
    {
        var chosen = choices.ToDictionary(c => c.Shape, c => c.Variant);
        return new ConvolutionPlan(ConvolutionShape.DistinctIn(network).ToDictionary(s => s, s => chosen.GetValueOrDefault(s, ConvolutionVariant.OneDnn)), [], []);
    }

    /// <summary>
    /// What the <c>device</c> column and the manifest say: empty when every shape runs libtorch's default, else
    /// for example "per-shape convolutions: oneDNN off for 3x3 conv 24->48, stride 2, 32x32, batch 1; oneDNN for the other 11 shapes".
    /// </summary>
    public string Summary
    {
        get
        {
            var deviations = Deviations.ToList();
            if (deviations.Count == 0) return "";
            int others = Variants.Count - deviations.Count;
            return $"per-shape convolutions: {string.Join("; ", deviations.Select(d => $"{d.Value.Name()} for {d.Key}"))}; oneDNN for the other {others} shape{(others == 1 ? "" : "s")}";
        }
    }

    /// <summary>One line on why the plan failed, for an error message.</summary>
    public string FailureSummary => string.Join("; ", Checks.Where(c => Unresolved.Contains(c.Shape)).Select(c => c.Describe()));
}

/// <summary>
/// Checks that this process's libtorch computes a network's convolutions right before its timings are
/// trusted, and chooses per convolution shape how to run it. On the project's build machines libtorch
/// 2.10's oneDNN vector kernels gave 14–40% wrong results for dense 3x3 convolutions whose input channels
/// are not a multiple of the vector width (see <see cref="OneDnnIsa"/>), so no fixed list of shapes can be
/// trusted: every distinct shape of the model is run at the cell's thread count (oneDNN's kernel choice
/// depends on both) and compared with a direct convolution accumulated in double precision, on an evenly
/// spread sample of output values so that large shapes stay cheap.
/// </summary>
/// <remarks>
/// A shape whose default kernel fails is tried with each of <see cref="ConvolutionVariants.Alternatives"/>;
/// of those that pass, the first unless a later one is clearly faster (median of a few runs;
/// <see cref="ConvolutionVariants.Preferred"/>) is kept. Results are cached per process by shape,
/// variant and thread count.
/// </remarks>
public static class ConvolutionSelfCheck
{
    public const double Tolerance = 1e-5;

    /// <summary>At most this many output values of a shape are checked against the double-precision reference.</summary>
    public const int SampledOutputs = 4096;

    private const int TimedRuns = 5;

    private static readonly ConcurrentDictionary<(ConvolutionShape, ConvolutionVariant, int), double> Errors = new();

    // The failing shapes seen on the build machines, and depthwise/pointwise controls: a probe of the machine before any model.
    private static readonly ConvolutionShape[] ProbeShapes =
    [
        Dense(24, 48, 32, 3, 2), Dense(24, 32, 56, 3, 1), Dense(20, 32, 56, 3, 1), Dense(40, 32, 24, 3, 1), Dense(12, 32, 56, 3, 1),
        Dense(64, 32, 32, 3, 1), Dense(3, 32, 64, 3, 2), Dense(48, 48, 28, 3, 1) with { Groups = 48 }, Dense(24, 40, 28, 1, 1),
    ];

    /// <summary>The machine probe: the fixed shapes above at libtorch's current thread count.</summary>
    public static ConvolutionPlan Probe(Func<ConvolutionShape, bool>? injectFailure = null) => Select(ProbeShapes, get_num_threads(), injectFailure);

    /// <summary>Checks and chooses a variant for every distinct convolution shape of <paramref name="network"/> at <paramref name="threads"/>.</summary>
    /// <param name="injectFailure">A test hook: shapes whose default variant is to be treated as failing.</param>
    public static ConvolutionPlan Select(Network network, int threads, Func<ConvolutionShape, bool>? injectFailure = null) =>
        Select(ConvolutionShape.DistinctIn(network), threads, injectFailure);

    public static ConvolutionPlan Select(IReadOnlyList<ConvolutionShape> shapes, int threads, Func<ConvolutionShape, bool>? injectFailure = null)
    {
        int previousThreads = get_num_threads();
        set_num_threads(threads);
        try
        {
            var variants = new Dictionary<ConvolutionShape, ConvolutionVariant>();
            var checks = new List<ConvolutionCheck>();
            var unresolved = new List<ConvolutionShape>();
            foreach (var shape in shapes.Distinct())
            {
                var first = injectFailure?.Invoke(shape) == true
                    ? new ConvolutionCheck(shape, ConvolutionVariant.OneDnn, threads, double.PositiveInfinity, Injected: true)
                    : Check(shape, ConvolutionVariant.OneDnn, threads);
                checks.Add(first);
                if (first.Passed)
                {
                    variants[shape] = ConvolutionVariant.OneDnn;
                    continue;
                }
                var correct = new List<ConvolutionVariant>();
                foreach (var variant in ConvolutionVariants.Alternatives)
                {
                    var check = Check(shape, variant, threads);
                    checks.Add(check);
                    if (check.Passed) correct.Add(variant);
                }
                if (correct.Count == 0) unresolved.Add(shape);
                else variants[shape] = correct.Count == 1 ? correct[0] : ConvolutionVariants.Preferred([.. correct.Select(v => (v, MedianMilliseconds(shape, v)))]);
            }
            return new ConvolutionPlan(variants, checks, unresolved);
        }
        finally
        {
            set_num_threads(previousThreads);
        }
    }

    /// <summary>Runs <paramref name="shape"/> as <paramref name="variant"/> at the current thread count and compares with the reference.</summary>
    public static ConvolutionCheck Check(ConvolutionShape shape, ConvolutionVariant variant, int threads)
    {
        double error = Errors.GetOrAdd((shape, variant, threads), key => Measure(key.Item1, key.Item2));
        return new ConvolutionCheck(shape, variant, threads, error);
    }

    private static ConvolutionShape Dense(int inputs, int outputs, int size, int kernel, int stride) =>
        new(inputs, outputs, new Size2d(kernel, kernel), new Size2d(stride, stride), new Size2d(kernel / 2, kernel / 2), new Size2d(1, 1), 1, 1, size, size);

    private static (float[] X, float[] W) Operands(ConvolutionShape s)
    {
        // Deterministic across processes (HashCode is randomised per process), so a failure reproduces.
        int seed = (((s.InChannels * 31 + s.OutChannels) * 31 + s.Kernel.Height * 7 + s.Stride.Height) * 31 + s.Groups) * 31 + s.Height & 0xFFFF;
        return (ModelInput.Create(TensorShape.Nchw(s.Batch, s.InChannels, s.Height, s.Width), seed),
                ModelInput.Create(TensorShape.Nchw(s.OutChannels, s.InChannels / s.Groups, s.Kernel.Height, s.Kernel.Width), seed + 1));
    }

    private static Tensor Convolve(ConvolutionShape s, ConvolutionVariant variant, Tensor x, Tensor w) =>
        variant.Run(input => nn.functional.conv2d(input, w, strides: [s.Stride.Height, s.Stride.Width], padding: [s.Padding.Height, s.Padding.Width],
            dilation: [s.Dilation.Height, s.Dilation.Width], groups: s.Groups), x);

    private static double Measure(ConvolutionShape s, ConvolutionVariant variant)
    {
        var (x, w) = Operands(s);
        float[] actual;
        using (NewDisposeScope())
        using (inference_mode())
            actual = Convolve(s, variant, tensor(x, [s.Batch, s.InChannels, s.Height, s.Width]),
                tensor(w, [s.OutChannels, s.InChannels / s.Groups, s.Kernel.Height, s.Kernel.Width])).data<float>().ToArray();
        var sample = SampleIndices(actual.Length);
        var expected = new float[sample.Length];
        Parallel.For(0, sample.Length, k => expected[k] = (float)DirectConvolution(s, x, w, sample[k]));
        return OutputComparison.RelativeL2Error([.. sample.Select(i => actual[i])], expected);
    }

    /// <summary>Up to <see cref="SampledOutputs"/> indices spread over the whole output, with an odd step so that they cross channels and rows.</summary>
    private static int[] SampleIndices(int count)
    {
        if (count <= SampledOutputs) return [.. Enumerable.Range(0, count)];
        int step = count / SampledOutputs | 1;
        return [.. Enumerable.Range(0, SampledOutputs).Select(k => (int)((long)k * step % count))];
    }

    /// <summary>One output value (flat NCHW index) of the convolution, accumulated in double precision.</summary>
    private static double DirectConvolution(ConvolutionShape s, float[] x, float[] w, int index)
    {
        int oc = s.OutWidth, or = s.OutHeight;
        int c = index % oc, r = index / oc % or, o = index / (oc * or) % s.OutChannels, n = index / (oc * or * s.OutChannels);
        int perGroupIn = s.InChannels / s.Groups, perGroupOut = s.OutChannels / s.Groups;
        int firstInput = o / perGroupOut * perGroupIn;
        double sum = 0;
        for (int i = 0; i < perGroupIn; i++)
            for (int kr = 0; kr < s.Kernel.Height; kr++)
            {
                int ir = r * s.Stride.Height + kr * s.Dilation.Height - s.Padding.Height;
                if (ir < 0 || ir >= s.Height) continue;
                for (int kc = 0; kc < s.Kernel.Width; kc++)
                {
                    int ic = c * s.Stride.Width + kc * s.Dilation.Width - s.Padding.Width;
                    if (ic < 0 || ic >= s.Width) continue;
                    sum += (double)w[((o * perGroupIn + i) * s.Kernel.Height + kr) * s.Kernel.Width + kc]
                        * x[(((long)n * s.InChannels + firstInput + i) * s.Height + ir) * s.Width + ic];
                }
            }
        return sum;
    }

    private static double MedianMilliseconds(ConvolutionShape s, ConvolutionVariant variant)
    {
        var (x, w) = Operands(s);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var input = tensor(x, [s.Batch, s.InChannels, s.Height, s.Width]);
        var weight = tensor(w, [s.OutChannels, s.InChannels / s.Groups, s.Kernel.Height, s.Kernel.Width]);
        Convolve(s, variant, input, weight).Dispose();
        var times = new double[TimedRuns];
        for (int i = 0; i < TimedRuns; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Convolve(s, variant, input, weight).Dispose();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[TimedRuns / 2];
    }
}
