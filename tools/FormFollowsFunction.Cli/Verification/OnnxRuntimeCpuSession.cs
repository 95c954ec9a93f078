using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace FormFollowsFunction.Cli.Verification;

/// <summary>
/// One ONNX Runtime CPU session of an exported model, used to check it against TorchSharp: loads the
/// model, checks its input shape, runs one input. Owns the session and its options.
/// </summary>
internal sealed class OnnxRuntimeCpuSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly TensorShape _inputShape;

    private OnnxRuntimeCpuSession(SessionOptions options, InferenceSession session, TensorShape inputShape)
    {
        _options = options;
        _session = session;
        _inputShape = inputShape;
    }

    /// <summary>Loads a model held in memory (just exported); its input must have <paramref name="inputShape"/>.</summary>
    public static OnnxRuntimeCpuSession Load(byte[] model, TensorShape inputShape, int threads = 0) =>
        Open(options => new InferenceSession(model, options), "the exported model", inputShape, threads);

    /// <summary>Loads an ONNX file; a missing, unreadable or mismatched file is a one-line user error.</summary>
    /// <param name="expectedModel">When given, the file's <c>fff.model</c> metadata, if any, must name this model.</param>
    /// <param name="expectedSeed">When given, the file's <c>fff.seed</c> metadata, if any, must be this seed.</param>
    public static OnnxRuntimeCpuSession Load(string path, TensorShape inputShape, int threads = 0,
        string? expectedModel = null, int? expectedSeed = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ONNX file '{path}' does not exist; write it with 'fff export MODEL --out DIR'", path);
        var session = Open(options => new InferenceSession(path, options), $"'{path}'", inputShape, threads);
        try
        {
            var metadata = session._session.ModelMetadata.CustomMetadataMap;
            if (expectedModel is not null && metadata.TryGetValue("fff.model", out var model) && model != expectedModel)
                throw new UserInputException($"'{path}' holds model '{model}', not '{expectedModel}'; name the model it was exported for");
            if (expectedSeed is int seed && metadata.TryGetValue("fff.seed", out var written) && written != seed.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new UserInputException($"'{path}' holds weights drawn with seed {written}, not {seed}; pass --seed {written}");
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public float[] Run(float[] input)
    {
        if (input.Length != _inputShape.ElementCount)
            throw new ArgumentException($"input has {input.Length} values; the model takes {_inputShape}");
        using var value = OrtValue.CreateTensorValueFromMemory(input, [.. _inputShape.Dimensions.Select(d => (long)d)]);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [OnnxExporter.InputName], [value], [OnnxExporter.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }

    private static OnnxRuntimeCpuSession Open(Func<SessionOptions, InferenceSession> create, string what, TensorShape inputShape, int threads)
    {
        var options = new SessionOptions { IntraOpNumThreads = threads };
        InferenceSession? session = null;
        try
        {
            try
            {
                session = create(options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new UserInputException(
                    $"ONNX Runtime cannot load {what} as an ONNX model ({e.Message}); write it again with 'fff export'");
            }
            CheckSignature(session, what, inputShape);
            return new OnnxRuntimeCpuSession(options, session, inputShape);
        }
        catch
        {
            session?.Dispose();
            options.Dispose();
            throw;
        }
    }

    private static void CheckSignature(InferenceSession session, string what, TensorShape inputShape)
    {
        if (!session.InputMetadata.TryGetValue(OnnxExporter.InputName, out var input) || !session.OutputMetadata.ContainsKey(OnnxExporter.OutputName))
            throw new UserInputException(
                $"{what} has inputs [{string.Join(", ", session.InputMetadata.Keys)}] and outputs [{string.Join(", ", session.OutputMetadata.Keys)}]; " +
                $"an fff model has input '{OnnxExporter.InputName}' and output '{OnnxExporter.OutputName}': write it with 'fff export'");
        var expected = inputShape.Dimensions.ToArray();
        if (!input.Dimensions.SequenceEqual(expected))
            throw new UserInputException(
                $"{what} takes input {string.Join('x', input.Dimensions)}, not {inputShape}; export it with the same --resolution and --batch");
    }
}
