using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;
using FormFollowsFunction.Benchmarks.Backends.Torch;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>Creates a backend inside a worker process and binds its native library before anything else runs.</summary>
public static class BackendFactory
{
    public static IInferenceBackend Create(BackendDescriptor descriptor, BackendOptions options, string? oneDnnMaxIsa, bool selfCheck = true) =>
        descriptor.Engine switch
        {
            InferenceEngine.TorchSharp => new TorchBackend(descriptor, options, oneDnnMaxIsa, selfCheck),
            InferenceEngine.OnnxRuntime => new OrtBackend(descriptor, options),
            _ => throw new ArgumentOutOfRangeException(nameof(descriptor)),
        };
}
