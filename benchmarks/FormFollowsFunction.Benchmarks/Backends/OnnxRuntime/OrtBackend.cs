using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;

/// <summary>
/// ONNX Runtime with one execution provider (CPU, OpenVINO or CUDA). Inputs and outputs are bound
/// once through <see cref="OrtIoBinding"/> to CPU memory, so a timed call allocates nothing; for GPU
/// providers the host-device copies are part of each inference, as they are for an application.
/// </summary>
public sealed class OrtBackend : IInferenceBackend
{
    private readonly BackendOptions _options;
    private readonly GraphOptimization _optimization;

    public OrtBackend(BackendDescriptor descriptor, BackendOptions options)
    {
        if (!descriptor.UsesOnnxRuntime) throw new ArgumentException($"{descriptor.Name} is not an ONNX Runtime backend");
        Descriptor = descriptor;
        _options = options;
        _optimization = GraphOptimizationNames.Parse(options.GraphOptimization);
    }

    public BackendDescriptor Descriptor { get; }

    /// <summary>Selects this backend's native library for the process (call before anything else touches ONNX Runtime).</summary>
    public void SelectLibrary()
    {
        if (OrtNativeLibrary.ConfiguredPath(Descriptor, _options) is { } path)
        {
            string origin = !string.IsNullOrWhiteSpace(_options.Library)
                ? $"backend_options.{Descriptor.Name}.library"
                : Descriptor.LibraryVariable!;
            OrtNativeLibrary.Select(path, origin);
        }
        else if (Descriptor != BackendCatalog.OrtCpu)
        {
            throw new OrtLibraryException($"no {Descriptor.ExecutionProvider}-enabled ONNX Runtime library is configured: {Descriptor.HowToEnable}");
        }
    }

    public BackendProbe Probe()
    {
        try
        {
            SelectLibrary();
            var env = OrtEnv.Instance();
            string version = env.GetVersionString();
            var providers = env.GetAvailableProviders();
            string? library = OrtNativeLibrary.LoadedFile();
            if (!providers.Contains(Descriptor.ExecutionProvider))
                return BackendProbe.Unavailable(Descriptor,
                    $"the ONNX Runtime library '{library}' has no {Descriptor.ExecutionProvider} (it offers {string.Join(", ", providers)}); {Descriptor.HowToEnable}") with { Library = library };
            // Creating the provider checks its own dependencies (OpenVINO runtime, CUDA, cuDNN, driver).
            using var options = CreateSessionOptions(threads: 1);
            return new BackendProbe(Descriptor.Name, true, $"onnxruntime {version}", DeviceDescription(), null, Library: library);
        }
        catch (OrtLibraryException e)
        {
            return BackendProbe.Unavailable(Descriptor, e.Message);
        }
        catch (OnnxRuntimeException e)
        {
            return BackendProbe.Unavailable(Descriptor, $"{Descriptor.ExecutionProvider} could not be created: {FirstLine(e.Message)}; {Descriptor.HowToEnable}");
        }
        catch (EntryPointNotFoundException e)
        {
            return BackendProbe.Unavailable(Descriptor, $"the ONNX Runtime library does not match the managed API {OrtNativeLibrary.ManagedVersion} ({FirstLine(e.Message)})");
        }
    }

    public ILoadedModel Load(ModelArtifacts model, int threads)
    {
        var options = CreateSessionOptions(threads);
        InferenceSession? session = null;
        try
        {
            session = new InferenceSession(model.OnnxPath, options);
            return new OrtLoadedModel(session, options, model);
        }
        catch
        {
            session?.Dispose();
            options.Dispose();
            throw;
        }
    }

    /// <summary>Graph optimisation level as recorded in results.</summary>
    public string GraphOptimizationLevel => _optimization.ToColumn();

    private SessionOptions CreateSessionOptions(int threads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = _optimization switch
            {
                GraphOptimization.Disabled => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        try
        {
            if (Descriptor == BackendCatalog.OrtOpenVino)
            {
                options.AppendExecutionProvider("OpenVINO", new Dictionary<string, string>
                {
                    ["device_type"] = _options.Device ?? "CPU",
                    ["precision"] = _options.Precision ?? "FP32",
                    ["num_of_threads"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
            }
            else if (Descriptor == BackendCatalog.OrtCuda)
            {
                using var cuda = new OrtCUDAProviderOptions();
                cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = _options.Device ?? "0" });
                options.AppendExecutionProvider_CUDA(cuda);
            }
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private string DeviceDescription() => Descriptor == BackendCatalog.OrtOpenVino
        ? $"openvino:{_options.Device ?? "CPU"}"
        : Descriptor == BackendCatalog.OrtCuda ? $"cuda:{_options.Device ?? "0"}" : "cpu";

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>An ONNX Runtime session with its input and output bound once.</summary>
    private sealed class OrtLoadedModel : ILoadedModel
    {
        private readonly InferenceSession _session;
        private readonly SessionOptions _options;
        private readonly RunOptions _runOptions = new();
        private readonly OrtValue _input;
        private readonly OrtValue _output;
        private readonly OrtIoBinding _binding;

        /// <summary>Takes ownership of <paramref name="session"/> and <paramref name="options"/> only when it returns.</summary>
        public OrtLoadedModel(InferenceSession session, SessionOptions options, ModelArtifacts model)
        {
            _session = session;
            _options = options;
            if (session.InputNames.Count != 1 || session.OutputNames.Count != 1)
                throw new InvalidDataException($"{model.OnnxPath} has {session.InputNames.Count} inputs and {session.OutputNames.Count} outputs; a suite model has one of each");
            long[] inputShape = [.. model.Network.InputShape.Dimensions.Select(d => (long)d)];
            long[] outputShape = [.. model.Network.OutputShape.Dimensions.Select(d => (long)d)];
            _input = OrtValue.CreateTensorValueFromMemory(model.Input, inputShape);
            try
            {
                _output = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, outputShape);
                _binding = session.CreateIoBinding();
                _binding.BindInput(session.InputNames[0], _input);
                _binding.BindOutput(session.OutputNames[0], _output);
            }
            catch
            {
                _binding?.Dispose();
                _output?.Dispose();
                _input.Dispose();
                throw;
            }
        }

        public void Run() => _session.RunWithBinding(_runOptions, _binding);

        public float[] RunAndFetchOutput()
        {
            Run();
            return _output.GetTensorDataAsSpan<float>().ToArray();
        }

        public void Dispose()
        {
            _binding.Dispose();
            _output.Dispose();
            _input.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
