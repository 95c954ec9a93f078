using FormFollowsFunction.Architectures.Description;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Integration;

namespace FormFollowsFunction.Architectures.Weights;

/// <summary>
/// Predicts the per-channel mean and variance of every tensor of a network for a standard-normal
/// input, using the drawn weights, and sets each batch norm's running statistics to the prediction
/// for its input, so that every batch norm outputs roughly N(β, γ²) per channel at any depth.
/// </summary>
/// <remarks>
/// The model treats each channel as Gaussian and channels and positions as independent: a
/// convolution's output mean is Σ w·mean and its variance Σ w²·var over its taps (exact in
/// expectation over the random weights, ignoring zero padding); activations take the Gaussian
/// expectation of f(x) and f(x)²; sums add means and variances; pooling divides the variance by
/// the window; max pooling uses the moments of the maximum of n independent normals. The
/// prediction need not be exact: batch norms re-centre and re-scale the signal at every layer, so
/// errors do not compound into growth or decay. Only tensors upstream of a batch norm are predicted.
/// </remarks>
internal static class SignalPropagation
{
    /// <summary>Below this predicted variance a channel is taken as constant and normalised by 1 instead.</summary>
    private const double ConstantChannelVariance = 1e-12;

    /// <summary>Per channel (feature map) or per feature (rank 2): mean and variance.</summary>
    private sealed record Moments(double[] Mean, double[] Variance);

    public static void SetRunningStatistics(Network network, NetworkWeights weights) =>
        Propagate(network, weights, TensorsUpstreamOfNorms(network), setStatistics: true);

    /// <summary>
    /// The predicted root mean square of every node's output, √(mean over channels of mean² + variance),
    /// with the running statistics as they are (for diagnostics and tests of the prediction).
    /// </summary>
    public static IReadOnlyDictionary<string, double> PredictedRootMeanSquares(Network network, NetworkWeights weights)
    {
        var moments = Propagate(network, weights, needed: null, setStatistics: false);
        return network.Nodes.ToDictionary(n => n.Name, n =>
        {
            var m = moments[n.Name];
            return Math.Sqrt(m.Mean.Zip(m.Variance, (mean, variance) => mean * mean + variance).Average());
        });
    }

    /// <summary>Propagates moments through the nodes in <paramref name="needed"/> (all when null) and every batch norm.</summary>
    private static Dictionary<string, Moments> Propagate(Network network, NetworkWeights weights, HashSet<string>? needed, bool setStatistics)
    {
        var moments = new Dictionary<string, Moments> { [Network.InputName] = StandardNormal(network.InputShape.Channels) };
        foreach (var node in network.Nodes)
        {
            bool keep = needed?.Contains(node.Name) ?? true;
            if (!keep && node.Layer is not BatchNorm2d) continue;
            var inputs = node.Inputs.Select(i => moments[i]).ToArray();
            var output = Propagate(network, node, inputs, weights, setStatistics);
            if (keep) moments[node.Name] = output;
        }
        return moments;
    }

    private static HashSet<string> TensorsUpstreamOfNorms(Network network)
    {
        var needed = new HashSet<string>();
        for (int i = network.Nodes.Length - 1; i >= 0; i--)
        {
            var node = network.Nodes[i];
            if (node.Layer is BatchNorm2d || needed.Contains(node.Name))
                foreach (var input in node.Inputs)
                    if (input != Network.InputName) needed.Add(input);
        }
        return needed;
    }

    private static Moments StandardNormal(int channels) =>
        new(new double[channels], Enumerable.Repeat(1.0, channels).ToArray());

    private static Moments Propagate(Network network, Node node, Moments[] inputs, NetworkWeights weights, bool setStatistics)
    {
        var x = inputs[0];
        var inputShape = network.ShapeOf(node.Inputs[0]);
        return node.Layer switch
        {
            Conv2d conv => Convolve(weights.Tensor($"{node.Name}.weight"), conv.HasBias ? weights.Tensor($"{node.Name}.bias") : null,
                x, conv.OutChannels, conv.InChannels / conv.Groups, conv.Groups, conv.Kernel.Height * conv.Kernel.Width),
            Linear linear => Convolve(weights.Tensor($"{node.Name}.weight"), linear.HasBias ? weights.Tensor($"{node.Name}.bias") : null,
                x, linear.OutFeatures, linear.InFeatures, 1, 1),
            BatchNorm2d norm => Normalize(node.Name, norm, x, weights, setStatistics),
            Activation activation => ActivationMoments.Apply(activation.Function, x),
            Identity or SpatialCrop => x,
            Add => Sum(inputs),
            Multiply => Product(x, inputs[1]),
            Concat => new Moments([.. inputs.SelectMany(m => m.Mean)], [.. inputs.SelectMany(m => m.Variance)]),
            MaxPool2d pool => ActivationMoments.Maximum(x, pool.Kernel.Height * pool.Kernel.Width),
            AvgPool2d pool => Averaged(x, pool.Kernel.Height * pool.Kernel.Width),
            GlobalAvgPool => Averaged(x, inputShape.Height * inputShape.Width),
            AdaptiveAvgPool2d pool => Averaged(x, Math.Max(1, inputShape.Height * inputShape.Width
                                                             / (pool.OutputSize.Height * pool.OutputSize.Width))),
            Flatten => Flattened(x, inputShape),
            _ => throw new NotSupportedException($"signal propagation has no rule for {node.Layer.Kind} layer '{node.Name}'"),
        };
    }

    /// <summary>
    /// Convolution and fully connected layers alike: output o reads <paramref name="perGroupInputs"/>
    /// channels of its group, <paramref name="taps"/> weights each.
    /// </summary>
    private static Moments Convolve(WeightTensor weight, WeightTensor? bias, Moments x,
        int outputs, int perGroupInputs, int groups, int taps)
    {
        var mean = new double[outputs];
        var variance = new double[outputs];
        if (bias is not null)
            for (int o = 0; o < outputs; o++) mean[o] = bias.Values[o];
        // Each output's sums run in one thread in a fixed order, so the result is the same at any thread count.
        int outputsPerGroup = outputs / groups;
        bool large = weight.Shape.ElementCount > 1 << 20;
        Parallel.For(0, outputs, new ParallelOptions { MaxDegreeOfParallelism = large ? -1 : 1 }, o =>
        {
            int firstInput = o / outputsPerGroup * perGroupInputs;
            var row = weight.Values.Slice(o * perGroupInputs * taps, perGroupInputs * taps);
            double m = 0, v = 0;
            for (int i = 0; i < perGroupInputs; i++)
            {
                double sum = 0, squares = 0;
                foreach (float w in row.Slice(i * taps, taps))
                {
                    sum += w;
                    squares += (double)w * w;
                }
                m += sum * x.Mean[firstInput + i];
                v += squares * x.Variance[firstInput + i];
            }
            mean[o] += m;
            variance[o] = v;
        });
        return new Moments(mean, variance);
    }

    private static Moments Normalize(string node, BatchNorm2d norm, Moments x, NetworkWeights weights, bool setStatistics)
    {
        var runningMean = weights.Writable($"{node}.running_mean");
        var runningVariance = weights.Writable($"{node}.running_var");
        var gamma = weights[$"{node}.weight"];
        var beta = weights[$"{node}.bias"];
        var mean = new double[norm.Channels];
        var variance = new double[norm.Channels];
        for (int c = 0; c < norm.Channels; c++)
        {
            if (setStatistics)
            {
                runningMean[c] = (float)x.Mean[c];
                runningVariance[c] = (float)(x.Variance[c] > ConstantChannelVariance ? x.Variance[c] : 1.0);
            }
            double scale = gamma[c] / Math.Sqrt(runningVariance[c] + norm.Epsilon);
            mean[c] = beta[c] + scale * (x.Mean[c] - runningMean[c]);
            variance[c] = scale * scale * x.Variance[c];
        }
        return new Moments(mean, variance);
    }

    private static Moments Sum(Moments[] terms)
    {
        int n = terms[0].Mean.Length;
        var mean = new double[n];
        var variance = new double[n];
        foreach (var term in terms)
            for (int c = 0; c < n; c++)
            {
                mean[c] += term.Mean[c];
                variance[c] += term.Variance[c];
            }
        return new Moments(mean, variance);
    }

    /// <summary>x · g for independent x and g: E = mₓm_g, E[(xg)²] = E[x²]·E[g²].</summary>
    private static Moments Product(Moments x, Moments gate)
    {
        int n = x.Mean.Length;
        var mean = new double[n];
        var variance = new double[n];
        for (int c = 0; c < n; c++)
        {
            mean[c] = x.Mean[c] * gate.Mean[c];
            double second = (x.Variance[c] + x.Mean[c] * x.Mean[c]) * (gate.Variance[c] + gate.Mean[c] * gate.Mean[c]);
            variance[c] = Math.Max(0, second - mean[c] * mean[c]);
        }
        return new Moments(mean, variance);
    }

    private static Moments Averaged(Moments x, int window) =>
        new(x.Mean, [.. x.Variance.Select(v => v / window)]);

    private static Moments Flattened(Moments x, TensorShape inputShape)
    {
        if (!inputShape.IsFeatureMap) return x;
        int positions = inputShape.Height * inputShape.Width;
        var mean = new double[x.Mean.Length * positions];
        var variance = new double[mean.Length];
        for (int c = 0; c < x.Mean.Length; c++)
        {
            mean.AsSpan(c * positions, positions).Fill(x.Mean[c]);
            variance.AsSpan(c * positions, positions).Fill(x.Variance[c]);
        }
        return new Moments(mean, variance);
    }

    /// <summary>Gaussian expectations of activation functions and of the maximum of n normals.</summary>
    private static class ActivationMoments
    {
        // Gauss-Legendre on [-10, 10] weighted by the standard normal density: E[f(Z)] ≈ Σ wⱼ f(zⱼ).
        private static readonly GaussLegendreRule Rule = new(-10, 10, 128);
        private static readonly double[] NormalWeights =
            [.. Rule.Abscissas.Zip(Rule.Weights, (z, w) => w * Normal.PDF(0, 1, z))];
        private static readonly Dictionary<int, (double Mean, double Variance)> MaximumCache = [];

        public static Moments Apply(ActivationFunction function, Moments x)
        {
            var mean = new double[x.Mean.Length];
            var variance = new double[mean.Length];
            // Channels after a batch norm share their moments; compute each distinct pair once.
            var cache = new Dictionary<(double, double), (double, double)>();
            for (int c = 0; c < mean.Length; c++)
            {
                var key = (x.Mean[c], x.Variance[c]);
                if (!cache.TryGetValue(key, out var result))
                    cache[key] = result = Expectations(function, key.Item1, Math.Sqrt(key.Item2));
                (mean[c], variance[c]) = result;
            }
            return new Moments(mean, variance);
        }

        /// <summary>Mean and variance of f(X), X ~ N(m, s²).</summary>
        private static (double Mean, double Variance) Expectations(ActivationFunction function, double m, double s)
        {
            if (function == ActivationFunction.Relu && s > 0)
            {
                // Rectified Gaussian, closed form.
                double a = m / s, cdf = Normal.CDF(0, 1, a), pdf = Normal.PDF(0, 1, a);
                double first = m * cdf + s * pdf;
                double second = (m * m + s * s) * cdf + m * s * pdf;
                return (first, Math.Max(0, second - first * first));
            }
            Func<double, double> f = function switch
            {
                ActivationFunction.Relu => v => Math.Max(v, 0),
                ActivationFunction.Relu6 => v => Math.Clamp(v, 0, 6),
                ActivationFunction.Silu => v => v / (1 + Math.Exp(-v)),
                ActivationFunction.Sigmoid => v => 1 / (1 + Math.Exp(-v)),
                _ => throw new NotSupportedException($"no moment rule for activation {function}"),
            };
            double mean = 0, meanSquare = 0;
            for (int j = 0; j < NormalWeights.Length; j++)
            {
                double y = f(m + s * Rule.Abscissas[j]);
                mean += NormalWeights[j] * y;
                meanSquare += NormalWeights[j] * y * y;
            }
            return (mean, Math.Max(0, meanSquare - mean * mean));
        }

        /// <summary>max of <paramref name="n"/> independent draws of each channel's normal.</summary>
        public static Moments Maximum(Moments x, int n)
        {
            var (shift, spread) = StandardMaximum(n);
            return new Moments(
                [.. x.Mean.Zip(x.Variance, (m, v) => m + Math.Sqrt(v) * shift)],
                [.. x.Variance.Select(v => v * spread)]);
        }

        /// <summary>Mean and variance of the maximum of n standard normals: density n·φ(z)·Φ(z)ⁿ⁻¹.</summary>
        private static (double Mean, double Variance) StandardMaximum(int n)
        {
            lock (MaximumCache)
            {
                if (MaximumCache.TryGetValue(n, out var known)) return known;
                double mean = 0, meanSquare = 0;
                for (int j = 0; j < NormalWeights.Length; j++)
                {
                    double z = Rule.Abscissas[j];
                    double density = n * Math.Pow(Normal.CDF(0, 1, z), n - 1);
                    mean += NormalWeights[j] * density * z;
                    meanSquare += NormalWeights[j] * density * z * z;
                }
                return MaximumCache[n] = (mean, meanSquare - mean * mean);
            }
        }
    }
}
