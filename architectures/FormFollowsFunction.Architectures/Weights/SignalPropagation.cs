using FormFollowsFunction.Architectures.Description;
using System.Runtime.CompilerServices;
using MathNet.Numerics.Distributions;

namespace FormFollowsFunction.Architectures.Weights;

/// <summary>
/// Predicts, with the drawn weights, the distribution of every channel of every tensor of a network
/// for a standard-normal input, and sets each batch norm's running statistics to the predicted
/// mean and variance of its input, so that every batch norm outputs roughly N(β, γ²) per channel.
/// </summary>
/// <remarks>
/// <para>Each channel's values over positions and inputs are held as 256 quantiles, plus the
/// correlation between neighbouring positions. Holding the whole distribution rather than a mean and
/// a variance matters: after a ReLU a channel is half zeros, and re-rectifying a Gaussian stand-in at
/// every residual block would push its predicted mean up and its variance down a little each time,
/// an error that compounds over 64 blocks. Holding the neighbour correlation matters for pooling:
/// averaging correlated neighbours (after a stride-1 pooling, as in DARTS cells) shrinks the variance
/// far less than averaging independent ones.</para>
/// <para>Rules, channels taken as independent of each other: a convolution or fully connected output
/// is Gaussian with mean Σ w·mean and variance Σ w²·var over its taps (exact in expectation over the
/// random weights; zero padding ignored) and keeps the variance-weighted neighbour correlation (taken
/// to the power of the stride); activations map the quantiles; sums and products of independent
/// channels pair quantiles through a fixed scrambling permutation and are rescaled to the exact
/// mean and variance; average pooling shrinks deviations by the variance factor of a window of
/// exponentially correlated values; max pooling takes the maximum of the window's effective number
/// of independent values. Only tensors upstream of a batch norm are predicted.</para>
/// </remarks>
internal static class SignalPropagation
{
    private const int QuantileCount = 256;

    /// <summary>Below this predicted variance a channel is taken as constant and normalised by 1 instead.</summary>
    private const double ConstantChannelVariance = 1e-12;

    // Standard normal quantiles at (j + ½)/S, re-centred and re-scaled to mean 0 and variance 1 exactly.
    private static readonly double[] NormalQuantiles = StandardizedNormalQuantiles();

    // Scrambled pairing of two independent channels' quantiles: j ↦ (157·j + 71) mod 256 (157 ≈ 0.618·256, odd).
    private static readonly int[] Pairing = [.. Enumerable.Range(0, QuantileCount).Select(j => (157 * j + 71) % QuantileCount)];

    public static void SetRunningStatistics(Network network, NetworkWeights weights) =>
        Propagate(network, weights, TensorsUpstreamOfNorms(network), setStatistics: true);

    /// <summary>
    /// The predicted root mean square of every node's output, √(mean over channels of mean² + variance),
    /// with the running statistics as they are (for diagnostics and tests of the prediction).
    /// </summary>
    public static IReadOnlyDictionary<string, double> PredictedRootMeanSquares(Network network, NetworkWeights weights) =>
        Predictions(network, weights).ToDictionary(p => p.Key, p => p.Value.RootMeanSquare);

    /// <summary>Predicted RMS and variance-weighted neighbour correlation of every node's output.</summary>
    public static IReadOnlyDictionary<string, (double RootMeanSquare, double Correlation)> Predictions(Network network, NetworkWeights weights)
    {
        var signals = Propagate(network, weights, needed: null, setStatistics: false);
        return network.Nodes.ToDictionary(n => n.Name, n =>
        {
            var channels = signals[n.Name];
            double variance = channels.Sum(c => c.Variance);
            return (Math.Sqrt(channels.Average(c => c.Mean * c.Mean + c.Variance)),
                variance > 0 ? channels.Sum(c => c.Variance * c.Correlation) / variance : 0);
        });
    }

    private static Dictionary<string, Channel[]> Propagate(Network network, NetworkWeights weights, HashSet<string>? needed, bool setStatistics)
    {
        var lastUse = new Dictionary<string, int>();
        for (int i = 0; i < network.Nodes.Length; i++)
            foreach (var input in network.Nodes[i].Inputs)
                lastUse[input] = i;

        var signals = new Dictionary<string, Channel[]>
        {
            [Network.InputName] = [.. Enumerable.Range(0, network.InputShape.Channels).Select(_ => Channel.Gaussian(0, 1, 0))],
        };
        for (int i = 0; i < network.Nodes.Length; i++)
        {
            var node = network.Nodes[i];
            bool keep = needed?.Contains(node.Name) ?? true;
            if (!keep && node.Layer is not BatchNorm2d) continue;
            var inputs = node.Inputs.Select(name => signals[name]).ToArray();
            var output = Propagate(network, node, inputs, weights, setStatistics);
            if (keep) signals[node.Name] = output;
            // Only diagnostics keep everything; the running-statistics pass frees a tensor after its last use.
            if (needed is not null)
                foreach (var input in node.Inputs.Where(input => lastUse[input] == i))
                    signals.Remove(input);
        }
        return signals;
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

    private static Channel[] Propagate(Network network, Node node, Channel[][] inputs, NetworkWeights weights, bool setStatistics)
    {
        var x = inputs[0];
        var inputShape = network.ShapeOf(node.Inputs[0]);
        return node.Layer switch
        {
            Conv2d conv => Convolve(weights.Tensor($"{node.Name}.weight"), conv.HasBias ? weights.Tensor($"{node.Name}.bias") : null,
                x, conv.OutChannels, conv.InChannels / conv.Groups, conv.Groups, conv.Kernel.Height * conv.Kernel.Width,
                (conv.Stride.Height + conv.Stride.Width) / 2.0),
            Linear linear => Convolve(weights.Tensor($"{node.Name}.weight"), linear.HasBias ? weights.Tensor($"{node.Name}.bias") : null,
                x, linear.OutFeatures, linear.InFeatures, 1, 1, stride: double.PositiveInfinity),
            BatchNorm2d norm => Normalize(node.Name, norm, x, weights, setStatistics),
            Activation activation => EachChannel(x, c => c.Map(Function(activation.Function))),
            // Zero padding adds a row or column at most; its effect on the statistics is neglected.
            Identity or SpatialCrop or ZeroPad2d => x,
            Add => inputs.Skip(1).Aggregate(x, (sum, term) => EachChannel(sum, (c, i) => Channel.Sum(c, term[i]))),
            Multiply => EachChannel(x, (c, i) => Channel.Product(c, inputs[1][i])),
            Concat => [.. inputs.SelectMany(channels => channels)],
            MaxPool2d pool => EachChannel(x, c => c.Maximum(pool.Kernel, pool.Stride)),
            AvgPool2d pool => EachChannel(x, c => c.Average(pool.Kernel, pool.Stride)),
            GlobalAvgPool => EachChannel(x, c => c.Average(new Size2d(inputShape.Height, inputShape.Width), 1).WithCorrelation(0)),
            AdaptiveAvgPool2d pool => EachChannel(x, c => c.Average(AdaptiveWindow(inputShape, pool.OutputSize), AdaptiveWindow(inputShape, pool.OutputSize))),
            // Flattened features share their channel's distribution (the same object, not a copy).
            Flatten => inputShape.IsFeatureMap
                ? [.. x.SelectMany(c => Enumerable.Repeat(c.WithCorrelation(0), inputShape.Height * inputShape.Width))]
                : x,
            _ => throw new NotSupportedException($"signal propagation has no rule for {node.Layer.Kind} layer '{node.Name}'"),
        };
    }

    private static Channel[] EachChannel(Channel[] x, Func<Channel, Channel> rule) => EachChannel(x, (c, _) => rule(c));

    /// <summary>Applies a per-channel rule; channels are independent, so the result does not depend on the thread count.</summary>
    private static Channel[] EachChannel(Channel[] x, Func<Channel, int, Channel> rule)
    {
        var result = new Channel[x.Length];
        Parallel.For(0, x.Length, new ParallelOptions { MaxDegreeOfParallelism = x.Length >= 64 ? -1 : 1 }, i => result[i] = rule(x[i], i));
        return result;
    }

    private static Size2d AdaptiveWindow(TensorShape input, Size2d output) =>
        new(Math.Max(1, (int)Math.Round((double)input.Height / output.Height)), Math.Max(1, (int)Math.Round((double)input.Width / output.Width)));

    private static Func<double, double> Function(ActivationFunction function) => function switch
    {
        ActivationFunction.Relu => v => Math.Max(v, 0),
        ActivationFunction.Relu6 => v => Math.Clamp(v, 0, 6),
        ActivationFunction.Silu => v => v / (1 + Math.Exp(-v)),
        ActivationFunction.Sigmoid => v => 1 / (1 + Math.Exp(-v)),
        _ => throw new NotSupportedException($"no signal propagation rule for activation {function}"),
    };

    /// <summary>
    /// Convolution and fully connected layers alike: output o reads <paramref name="perGroupInputs"/>
    /// channels of its group, <paramref name="taps"/> weights each.
    /// </summary>
    private static Channel[] Convolve(WeightTensor weight, WeightTensor? bias, Channel[] x,
        int outputs, int perGroupInputs, int groups, int taps, double stride)
    {
        var result = new Channel[outputs];
        int outputsPerGroup = outputs / groups;
        bool large = weight.Shape.ElementCount > 1 << 20;
        // Each output's sums run in one thread in a fixed order, so the result is the same at any thread count.
        Parallel.For(0, outputs, new ParallelOptions { MaxDegreeOfParallelism = large ? -1 : 1 },
            o => result[o] = ConvolvedChannel(weight, bias, x, o, o / outputsPerGroup * perGroupInputs, perGroupInputs, taps, stride));
        return result;
    }

    // Hot loops of a one-shot computation: optimised from the first call rather than after tiering.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Channel ConvolvedChannel(WeightTensor weight, WeightTensor? bias, Channel[] x, int o, int firstInput,
        int perGroupInputs, int taps, double stride)
    {
        var row = weight.Values.Slice(o * perGroupInputs * taps, perGroupInputs * taps);
        double mean = bias?.Values[o] ?? 0, variance = 0, correlated = 0;
        for (int i = 0; i < perGroupInputs; i++)
        {
            double sum = 0, squares = 0;
            foreach (float w in row.Slice(i * taps, taps))
            {
                sum += w;
                squares += (double)w * w;
            }
            var input = x[firstInput + i];
            mean += sum * input.Mean;
            variance += squares * input.Variance;
            correlated += squares * input.Variance * input.Correlation;
        }
        double correlation = variance > 0 ? Math.Pow(correlated / variance, stride) : 0;
        return Channel.Gaussian(mean, variance, correlation);
    }

    private static Channel[] Normalize(string node, BatchNorm2d norm, Channel[] x, NetworkWeights weights, bool setStatistics)
    {
        var runningMean = weights.Writable($"{node}.running_mean");
        var runningVariance = weights.Writable($"{node}.running_var");
        var gamma = weights[$"{node}.weight"];
        var beta = weights[$"{node}.bias"];
        var scales = new double[norm.Channels];
        var shifts = new double[norm.Channels];
        for (int c = 0; c < norm.Channels; c++)
        {
            if (setStatistics)
            {
                runningMean[c] = (float)x[c].Mean;
                runningVariance[c] = (float)(x[c].Variance > ConstantChannelVariance ? x[c].Variance : 1.0);
            }
            scales[c] = gamma[c] / Math.Sqrt(runningVariance[c] + norm.Epsilon);
            shifts[c] = beta[c] - scales[c] * runningMean[c];
        }
        return EachChannel(x, (channel, c) => channel.Affine(scales[c], shifts[c]));
    }

    private static double[] StandardizedNormalQuantiles()
    {
        var z = Enumerable.Range(0, QuantileCount).Select(j => Normal.InvCDF(0, 1, (j + 0.5) / QuantileCount)).ToArray();
        double mean = z.Average();
        double deviation = Math.Sqrt(z.Average(v => (v - mean) * (v - mean)));
        return [.. z.Select(v => (v - mean) / deviation)];
    }

    /// <summary>
    /// One channel's values over positions and inputs, as sorted quantiles at (j + ½)/256, and the
    /// correlation of neighbouring positions (lag one, the same along both axes, decaying exponentially).
    /// </summary>
    private sealed class Channel
    {
        // Null for a Gaussian channel (every convolution output), whose quantiles are mean + deviation · z
        // and are only computed when a non-linear rule needs them: most channels never need them.
        private readonly double[]? _quantiles;
        private readonly double _deviation;

        /// <param name="sortedQuantiles">Owned by the new channel from now on.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private Channel(double[] sortedQuantiles, double correlation)
        {
            _quantiles = sortedQuantiles;
            Correlation = Math.Clamp(correlation, 0, 0.999);
            double sum = 0;
            foreach (double v in sortedQuantiles) sum += v;
            Mean = sum / QuantileCount;
            double squares = 0;
            foreach (double v in sortedQuantiles) squares += (v - Mean) * (v - Mean);
            Variance = squares / QuantileCount;
            _deviation = Math.Sqrt(Variance);
        }

        private Channel(double mean, double variance, double correlation)
        {
            Mean = mean;
            Variance = Math.Max(variance, 0);
            _deviation = Math.Sqrt(Variance);
            Correlation = Math.Clamp(correlation, 0, 0.999);
        }

        public double Mean { get; }

        public double Variance { get; }

        public double Correlation { get; }

        public static Channel Gaussian(double mean, double variance, double correlation) => new(mean, variance, correlation);

        public Channel WithCorrelation(double correlation) =>
            _quantiles is null ? new(Mean, Variance, correlation) : new(_quantiles, correlation);

        /// <summary>Quantile j of 256, at probability (j + ½)/256.</summary>
        private double At(int j) => _quantiles?[j] ?? Mean + _deviation * NormalQuantiles[j];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Channel Affine(double scale, double shift)
        {
            if (_quantiles is null) return new Channel(scale * Mean + shift, scale * scale * Variance, Correlation);
            var values = new double[QuantileCount];
            for (int j = 0; j < QuantileCount; j++) values[j] = scale * _quantiles[j] + shift;
            if (scale < 0) Array.Reverse(values);
            return new Channel(values, Correlation);
        }

        /// <summary>
        /// f(X), quantile by quantile. Neighbour correlation ρ becomes λρ + (1 − λ)ρ², λ being the squared
        /// correlation of X and f(X): the linear part of f keeps ρ, the rest is taken as quadratic
        /// (the first two terms of the Hermite expansion; for a ReLU of N(0, 1) it gives 0.433 at ρ = 0.5, exactly 0.426).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Channel Map(Func<double, double> function)
        {
            var values = new double[QuantileCount];
            double meanY = 0;
            for (int j = 0; j < QuantileCount; j++) meanY += values[j] = function(At(j));
            meanY /= QuantileCount;
            double covariance = 0, varianceY = 0;
            for (int j = 0; j < QuantileCount; j++)
            {
                covariance += (At(j) - Mean) * (values[j] - meanY);
                varianceY += (values[j] - meanY) * (values[j] - meanY);
            }
            double linear = Variance > 0 && varianceY > 0
                ? covariance * covariance / (QuantileCount * Variance * varianceY)
                : 1;
            if (!IsSorted(values)) Array.Sort(values);
            return new Channel(values, linear * Correlation + (1 - linear) * Correlation * Correlation);
        }

        /// <summary>X + Y for independent X and Y.</summary>
        public static Channel Sum(Channel x, Channel y)
        {
            double variance = x.Variance + y.Variance;
            double correlation = variance > 0 ? (x.Variance * x.Correlation + y.Variance * y.Correlation) / variance : 0;
            return Paired(x, y, multiply: false, x.Mean + y.Mean, variance, correlation);
        }

        /// <summary>X · G for independent X and G: E = mₓm_g, E[(XG)²] = E[X²]·E[G²].</summary>
        public static Channel Product(Channel x, Channel gate)
        {
            double mean = x.Mean * gate.Mean;
            double second = (x.Variance + x.Mean * x.Mean) * (gate.Variance + gate.Mean * gate.Mean);
            return Paired(x, gate, multiply: true, mean, Math.Max(0, second - mean * mean), x.Correlation);
        }

        /// <summary>Average over a window: deviations shrink by the window's variance factor.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Channel Average(Size2d kernel, Size2d stride)
        {
            double factor = BoxVariance(Correlation, kernel.Height) * BoxVariance(Correlation, kernel.Width);
            if (_quantiles is null) return new Channel(Mean, Variance * factor, WindowCorrelation(kernel, stride));
            double scale = Math.Sqrt(factor);
            var values = new double[QuantileCount];
            for (int j = 0; j < QuantileCount; j++) values[j] = Mean + scale * (_quantiles[j] - Mean);
            return new Channel(values, WindowCorrelation(kernel, stride));
        }

        /// <summary>
        /// Maximum over a window of n values with average pairwise correlation ρ̄, taken as the maximum of
        /// n_eff = n / (1 + (n − 1)ρ̄) independent draws: quantile u of the result is quantile u^(1/n_eff) of the input.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Channel Maximum(Size2d kernel, Size2d stride)
        {
            int n = kernel.Height * kernel.Width;
            if (n == 1) return WithCorrelation(WindowCorrelation(kernel, stride));
            double pairSum = BoxVariance(Correlation, kernel.Height) * BoxVariance(Correlation, kernel.Width) * n * n;
            double averageCorrelation = (pairSum - n) / ((double)n * n - n);
            double independent = n / (1 + (n - 1) * averageCorrelation);
            var values = new double[QuantileCount];
            for (int j = 0; j < QuantileCount; j++)
                values[j] = Quantile(Math.Pow((j + 0.5) / QuantileCount, 1 / independent));
            return new Channel(values, WindowCorrelation(kernel, stride));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static Channel Paired(Channel x, Channel y, bool multiply, double mean, double variance, double correlation)
        {
            var values = new double[QuantileCount];
            double sampleMean = 0;
            for (int j = 0; j < QuantileCount; j++)
            {
                double a = x.At(j), b = y.At(Pairing[j]);
                sampleMean += values[j] = multiply ? a * b : a + b;
            }
            sampleMean /= QuantileCount;
            double squares = 0;
            foreach (double v in values) squares += (v - sampleMean) * (v - sampleMean);
            // The pairing gives the shape; the exact first two moments are restored.
            double sampleDeviation = Math.Sqrt(squares / QuantileCount);
            double scale = sampleDeviation > 0 ? Math.Sqrt(variance) / sampleDeviation : 0;
            for (int j = 0; j < QuantileCount; j++)
                values[j] = mean + scale * (values[j] - sampleMean);
            Array.Sort(values);
            return new Channel(values, correlation);
        }

        private static bool IsSorted(double[] values)
        {
            for (int j = 1; j < values.Length; j++)
                if (values[j] < values[j - 1]) return false;
            return true;
        }

        /// <summary>The input's quantile function at probability u, interpolated between the held quantiles.</summary>
        private double Quantile(double u)
        {
            double position = Math.Clamp(u * QuantileCount - 0.5, 0, QuantileCount - 1);
            int below = (int)position;
            int above = Math.Min(below + 1, QuantileCount - 1);
            return At(below) + (position - below) * (At(above) - At(below));
        }

        /// <summary>Neighbour correlation after a window of <paramref name="kernel"/> moved by <paramref name="stride"/>, both axes averaged.</summary>
        private double WindowCorrelation(Size2d kernel, Size2d stride) =>
            (BoxLagCorrelation(Correlation, kernel.Height, stride.Height) + BoxLagCorrelation(Correlation, kernel.Width, stride.Width)) / 2;

        /// <summary>Variance of the mean of k consecutive values with correlation r^|distance|, relative to one value's.</summary>
        private static double BoxVariance(double r, int k) => BoxCovariance(r, k, 0);

        /// <summary>Correlation of two k-wide window means <paramref name="lag"/> positions apart.</summary>
        private static double BoxLagCorrelation(double r, int k, int lag)
        {
            double variance = BoxCovariance(r, k, 0);
            return variance > 0 ? BoxCovariance(r, k, lag) / variance : 0;
        }

        /// <summary>Σ over a, b in [0, k) of r^|a − b + lag|, over k²; grouped by distance, so O(k).</summary>
        private static double BoxCovariance(double r, int k, int lag)
        {
            double sum = 0;
            for (int d = -(k - 1); d <= k - 1; d++)
                sum += (k - Math.Abs(d)) * Math.Pow(r, Math.Abs(d + lag));
            return sum / ((double)k * k);
        }
    }
}
