using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FormFollowsFunction.Benchmarks.Backends.Torch;

/// <summary>
/// Native TorchSharp eager execution, the baseline. The model is built from the network description
/// with the seeded weights (the same the ONNX file holds); each timed call runs in inference mode inside
/// a dispose scope, so the output tensor is freed at once, as PyTorch frees it in Python. On the GPU the
/// <see cref="IoBoundary"/> decides what a timed call holds: at <c>device</c> (the default) the input
/// stays on the GPU, the output is left there, and the call ends with <c>torch.cuda.synchronize()</c>;
/// at <c>host</c> the input is copied to the GPU and the output back to host memory inside the call.
/// TF32 and cuDNN autotuning are set explicitly (<see cref="TorchGpuArithmetic"/>).
/// </summary>
public sealed class TorchBackend : IInferenceBackend
{
    private readonly string? _oneDnnMaxIsa;
    private readonly bool _selfCheck;

    /// <param name="oneDnnMaxIsa">Cap on oneDNN's instruction set, applied before libtorch starts; null for none.</param>
    /// <param name="selfCheck">Run the convolution self-check in <see cref="Probe"/>; false only where this machine's
    /// libtorch with the same cap has passed it already in this run (later launches of a cell).</param>
    public TorchBackend(BackendDescriptor descriptor, BackendOptions options, string? oneDnnMaxIsa, bool selfCheck = true)
    {
        _selfCheck = selfCheck;
        if (descriptor.Engine != InferenceEngine.TorchSharp) throw new ArgumentException($"{descriptor.Name} is not a TorchSharp backend");
        Descriptor = descriptor;
        _oneDnnMaxIsa = oneDnnMaxIsa;
        Settings = DeviceSettings.Resolve(descriptor, options);
    }

    public BackendDescriptor Descriptor { get; }

    /// <summary>The measurement boundary and GPU arithmetic settings, resolved from the options.</summary>
    public DeviceSettings Settings { get; }

    private bool IsCuda => Descriptor.DeviceKind == "cuda";

    /// <summary>A test hook (<c>FFF_WORKER_FAULT=selfcheck:...</c>): convolution shapes whose default kernel the self-check is to treat as wrong.</summary>
    public Func<ConvolutionShape, bool>? InjectedSelfCheckFailure { get; set; }

    private (Network Network, int Threads, ConvolutionPlan Plan)? _planned;

    /// <summary>Applies the oneDNN cap (which must come before the first TorchSharp call of the process) and quiets libtorch's warnings.</summary>
    public void Prepare()
    {
        if (_oneDnnMaxIsa is not null) OneDnnIsa.LimitTo(_oneDnnMaxIsa);
        LibTorchLogging.WarningsOff();
        if (IsCuda) TorchGpuArithmetic.Apply(Settings.Tf32, Settings.CudnnAutotune);
    }

    public BackendProbe Probe()
    {
        try
        {
            return ProbeLoaded();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            // libtorch or TorchSharp's native glue did not load (on Debian 12: see the README, "TorchSharp on Debian 12").
            string reason = (e.InnerException ?? e).Message.Split('\n')[0].Trim();
            return BackendProbe.Unavailable(Descriptor, $"TorchSharp's native libraries did not load ({reason}); {Descriptor.HowToEnable}");
        }
    }

    private BackendProbe ProbeLoaded()
    {
        Prepare();
        string version = $"torchsharp {typeof(torch).Assembly.GetName().Version?.ToString(3)}, libtorch {LibTorchVersion}";
        if (IsCuda)
        {
            if (!torch.cuda.is_available())
                return BackendProbe.Unavailable(Descriptor, $"TorchSharp finds no CUDA device: this build loads the CPU libtorch {LibTorchVersion}; {Descriptor.HowToEnable}");
            return new BackendProbe(Descriptor.Name, true, version, $"cuda:0{Settings.DeviceSuffix}", null);
        }
        // A libtorch that computes wrong convolutions must not be timed as a baseline.
        if (!_selfCheck) return new BackendProbe(Descriptor.Name, true, version, DeviceDescription(), null);
        // Shapes whose default kernel fails are fine as long as another variant computes them right (see PlanConvolutions).
        var plan = ConvolutionSelfCheck.Probe();
        if (!plan.Resolved)
            return new BackendProbe(Descriptor.Name, false, version, DeviceDescription(),
                $"libtorch's convolutions are wrong on this CPU with oneDNN {(_oneDnnMaxIsa is null ? "uncapped" : $"capped at {_oneDnnMaxIsa}")} in every variant: {plan.FailureSummary}",
                ComputesWrongly: true);
        return new BackendProbe(Descriptor.Name, true, version, DeviceDescription(), null);
    }

    /// <summary>
    /// Runs the convolution self-check on every distinct convolution shape of <paramref name="network"/> at
    /// <paramref name="threads"/> and chooses each shape's variant; <see cref="Load"/> then builds the module with it.
    /// Call it before timing the load, so that compile time measures libtorch, not the check. A shape that no
    /// variant computes right leaves only the process-wide cap, so it is an error naming that setting.
    /// With <paramref name="earlierChoices"/> (what the cell's first launch chose, on this machine with the same
    /// threads and cap), the plan is rebuilt from them without checking again.
    /// </summary>
    public ConvolutionPlan PlanConvolutions(Network network, int threads, IReadOnlyList<ConvolutionChoice>? earlierChoices = null)
    {
        Prepare();
        var plan = IsCuda ? ConvolutionPlan.Default
            : earlierChoices is not null ? ConvolutionPlan.FromChoices(network, earlierChoices)
            : ConvolutionSelfCheck.Select(network, threads, InjectedSelfCheckFailure);
        if (!plan.Resolved)
            throw new InvalidOperationException(
                $"{network.Id}: libtorch computes convolutions wrong here in every variant ({plan.FailureSummary}); " +
                $"cap oneDNN for the whole process with backend_options.{Descriptor.Name}.onednn_max_isa: SSE41");
        _planned = (network, threads, plan);
        return plan;
    }

    public ILoadedModel Load(ModelArtifacts model, int threads)
    {
        Prepare();
        torch.set_num_threads(threads);
        var weights = model.Weights ?? throw new ArgumentException("TorchSharp needs the network's weights", nameof(model));
        var plan = _planned is { } planned && ReferenceEquals(planned.Network, model.Description) && planned.Threads == threads
            ? planned.Plan
            : PlanConvolutions(model.Description, threads);
        var network = TorchNetwork.Build(model.Description, weights, plan);
        try
        {
            return new TorchLoadedModel(network, model, IsCuda ? CUDA : CPU, Settings.Boundary, DeviceDescription(plan));
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>libtorch's version as PyTorch writes it (2.10.0); TorchSharp reports four parts.</summary>
    private static string LibTorchVersion => Version.TryParse(torch.__version__, out var version) ? version.ToString(3) : torch.__version__;

    private string DeviceDescription() => _oneDnnMaxIsa is null ? "cpu" : $"cpu (oneDNN max ISA {_oneDnnMaxIsa})";

    /// <summary>The <c>device</c> column of a loaded model: the probe's, plus the convolution variants where any shape left libtorch's default.</summary>
    private string DeviceDescription(ConvolutionPlan plan) =>
        IsCuda ? $"cuda:0{Settings.DeviceSuffix}" : plan.Summary is { Length: > 0 } variants ? $"{DeviceDescription()}; {variants}" : DeviceDescription();

    /// <summary>
    /// A TorchSharp module with its input tensor created once: in host memory on the CPU and for the
    /// GPU's <c>host</c> boundary, on the GPU for its <c>device</c> boundary.
    /// </summary>
    private sealed class TorchLoadedModel : ILoadedModel, IDescribesDevice
    {
        private readonly TorchNetwork _network;
        private readonly Tensor _input;
        private readonly Device _device;
        private readonly bool _onGpu;
        private readonly bool _copyEachCall;

        public TorchLoadedModel(TorchNetwork network, ModelArtifacts model, Device device, IoBoundary boundary, string deviceDescription)
        {
            Device = deviceDescription;
            _network = network;
            _device = device;
            _onGpu = device.type == DeviceType.CUDA;
            _copyEachCall = _onGpu && boundary == IoBoundary.Host;
            long[] shape = [.. model.InputShape.Dimensions.Select(d => (long)d)];
            using var host = tensor(model.Input, shape);
            if (_onGpu) _network.Module.to(device);
            _input = _onGpu && !_copyEachCall ? host.to(device) : host.clone();
        }

        public string Device { get; }

        public void Run()
        {
            using var scope = NewDisposeScope();
            if (_copyEachCall)
            {
                _ = _network.Forward(_input.to(_device)).cpu();
                torch.cuda.synchronize();
            }
            else
            {
                _network.Forward(_input);
                if (_onGpu) torch.cuda.synchronize();
            }
        }

        public float[] RunAndFetchOutput()
        {
            using var scope = NewDisposeScope();
            var input = _copyEachCall ? _input.to(_device) : _input;
            return _network.Forward(input).cpu().data<float>().ToArray();
        }

        public void Dispose()
        {
            _input.Dispose();
            _network.Dispose();
        }
    }
}
