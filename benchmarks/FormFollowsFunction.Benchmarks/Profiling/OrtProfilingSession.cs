using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>
/// An ONNX Runtime CPU session over an in-memory model with its input and output bound once (as the
/// timed backend binds them), optionally with the profiler on. It owns the session, the options it was
/// given, and the bound values.
/// </summary>
internal sealed class OrtProfilingSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _run = new();

    /// <summary>Takes ownership of <paramref name="options"/>.</summary>
    public OrtProfilingSession(byte[] model, SessionOptions options, float[] input, long[] inputShape, long[] outputShape)
    {
        _options = options;
        try
        {
            _session = new InferenceSession(model, options);
            _input = OrtValue.CreateTensorValueFromMemory(input, inputShape);
            _output = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, outputShape);
            _binding = _session.CreateIoBinding();
            _binding.BindInput(_session.InputNames[0], _input);
            _binding.BindOutput(_session.OutputNames[0], _output);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Run() => _session.RunWithBinding(_run, _binding);

    /// <summary>Stops the profiler and returns the path of the JSON file it wrote.</summary>
    public string EndProfiling() => _session.EndProfiling();

    public void Dispose()
    {
        _binding?.Dispose();
        _output?.Dispose();
        _input?.Dispose();
        _run.Dispose();
        _session?.Dispose();
        _options.Dispose();
    }
}
