using FormFollowsFunction.Architectures.Description;

namespace FormFollowsFunction.Benchmarks.Backends;

/// <summary>
/// Whether a backend can run on this machine, probed in a worker process (each ONNX Runtime
/// provider lives in its own native library, and a process can load only one).
/// </summary>
/// <param name="Reason">Why it is unavailable and how to enable it; null when available.</param>
/// <param name="ComputesWrongly">The engine loaded but failed its correctness self-check (see <see cref="Torch.TorchBackend"/>).</param>
/// <param name="Library">The native library file the engine was loaded from, where that can be told.</param>
public sealed record BackendProbe(string Backend, bool Available, string Version, string Device, string? Reason, bool ComputesWrongly = false, string? Library = null)
{
    public static BackendProbe Unavailable(BackendDescriptor backend, string reason) =>
        new(backend.Name, false, "", "", reason);
}

/// <summary>
/// What a backend needs to load one model: the description and its seeded weights (TorchSharp), the
/// ONNX file holding the same weights (ONNX Runtime), and the input with its shape. Weights are drawn
/// before the timed load, so that compile time measures the engine, not the random number generator.
/// A user's ONNX file without a network description has only the file and the input (<see cref="FileOnly"/>):
/// ONNX Runtime runs it, and learns its output's shape from its first run.
/// </summary>
public sealed record ModelArtifacts(
    Network? Network,
    FormFollowsFunction.Architectures.Weights.NetworkWeights? Weights,
    string OnnxPath,
    float[] Input,
    TensorShape InputShape)
{
    public ModelArtifacts(Network network, FormFollowsFunction.Architectures.Weights.NetworkWeights? weights, string onnxPath, float[] input)
        : this(network, weights, onnxPath, input, network.InputShape)
    {
    }

    /// <summary>An ONNX file without a network description, for ONNX Runtime alone.</summary>
    public static ModelArtifacts FileOnly(string onnxPath, TensorShape inputShape, float[] input) => new(null, null, onnxPath, input, inputShape);

    /// <summary>The network description, for the backends that build the model from it (TorchSharp).</summary>
    public Network Description => Network
        ?? throw new InvalidOperationException($"{OnnxPath} has no network description; only ONNX Runtime backends run it");

    /// <summary>The output's shape where the description tells it; null where only a run can.</summary>
    public TensorShape? OutputShape => Network?.OutputShape;
}

/// <summary>
/// One inference engine configured for one backend, inside a worker process.
/// <see cref="Load"/> is timed as the cell's compile time (session creation, graph optimisation,
/// module construction); the returned model owns every native handle it created.
/// </summary>
public interface IInferenceBackend
{
    BackendDescriptor Descriptor { get; }

    BackendProbe Probe();

    ILoadedModel Load(ModelArtifacts model, int threads);
}

/// <summary>A model ready to run with its input bound and, where the API allows, its output pre-allocated.</summary>
public interface ILoadedModel : IDisposable
{
    /// <summary>Runs one inference and copies the output out (first inference and parity check).</summary>
    float[] RunAndFetchOutput();

    /// <summary>Runs one inference on the bound input, allocating nothing the engine does not need: the timed call.</summary>
    void Run();
}

/// <summary>A loaded model whose <c>device</c> column says more than its backend's probe could (TorchSharp: the convolution variant chosen per shape).</summary>
public interface IDescribesDevice
{
    string Device { get; }
}
