using System.Globalization;
using FormFollowsFunction.Benchmarks.Backends.Cuda;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;

/// <summary>
/// ONNX Runtime with one execution provider (CPU, OpenVINO or CUDA). Inputs and outputs are bound
/// once through <see cref="OrtIoBinding"/>, so a timed call allocates nothing. Where they are bound is
/// the backend's <see cref="IoBoundary"/>: CPU memory for the CPU providers and for CUDA at the
/// <c>host</c> boundary (ONNX Runtime copies in and out inside each call); CUDA device memory for CUDA
/// at the <c>device</c> boundary (the default), where each call is the computation and a device
/// synchronisation.
/// </summary>
public sealed class OrtBackend : IInferenceBackend
{
    private readonly BackendOptions _options;
    private readonly GraphOptimization _optimization;

    /// <summary>Run configuration key that, set to "0", makes each run wait for the execution provider's stream before it returns.</summary>
    public const string SynchronizeRunKey = "disable_synchronize_execution_providers";

    public OrtBackend(BackendDescriptor descriptor, BackendOptions options)
    {
        if (!descriptor.UsesOnnxRuntime) throw new ArgumentException($"{descriptor.Name} is not an ONNX Runtime backend");
        Descriptor = descriptor;
        _options = options;
        _optimization = GraphOptimizationNames.Parse(options.GraphOptimization);
        Settings = DeviceSettings.Resolve(descriptor, options);
    }

    public BackendDescriptor Descriptor { get; }

    /// <summary>The measurement boundary and GPU arithmetic settings, resolved from the options.</summary>
    public DeviceSettings Settings { get; }

    /// <summary>The CUDA device index (backend_options.ort-cuda.device, default 0; checked by <see cref="DeviceSettings.Resolve"/>).</summary>
    public int CudaDeviceId => int.Parse(_options.Device ?? "0", NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>
    /// The CUDA execution provider's options for these settings: the device, cuDNN's convolution
    /// algorithm search (HEURISTIC with autotuning off, EXHAUSTIVE with it on) and TF32 (use_tf32 0 or 1).
    /// Every value is set explicitly rather than left to the provider's defaults (which are EXHAUSTIVE and TF32 on).
    /// </summary>
    public IReadOnlyDictionary<string, string> CudaProviderOptions() => new Dictionary<string, string>
    {
        ["device_id"] = CudaDeviceId.ToString(CultureInfo.InvariantCulture),
        ["cudnn_conv_algo_search"] = Settings.CudnnAutotune ? "EXHAUSTIVE" : "HEURISTIC",
        ["use_tf32"] = Settings.Tf32 ? "1" : "0",
    };

    /// <summary>Run configuration entries of every timed call: GPU runs end with their stream synchronised.</summary>
    public IReadOnlyDictionary<string, string> RunConfigEntries() => Settings.OnGpu
        ? new Dictionary<string, string> { [SynchronizeRunKey] = "0" }
        : new Dictionary<string, string>();

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
        RunOptions? runOptions = null;
        try
        {
            session = new InferenceSession(model.OnnxPath, options);
            runOptions = new RunOptions();
            foreach (var (key, value) in RunConfigEntries()) runOptions.AddRunConfigEntry(key, value);
            return Settings.Boundary == IoBoundary.Device
                ? new OrtLoadedModel(session, options, runOptions, model, CudaDeviceId)
                : new OrtLoadedModel(session, options, runOptions, model, cudaDevice: null);
        }
        catch
        {
            runOptions?.Dispose();
            session?.Dispose();
            options.Dispose();
            throw;
        }
    }

    /// <summary>Graph optimisation level as recorded in results.</summary>
    public string GraphOptimizationLevel => _optimization.ToColumn();

    /// <summary>The session options every session of this backend is created with (the caller owns them): the per-layer profiler adds its switch to these.</summary>
    public SessionOptions CreateSessionOptions(int threads)
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
                cuda.UpdateOptions(new Dictionary<string, string>(CudaProviderOptions()));
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
        : Descriptor == BackendCatalog.OrtCuda ? $"cuda:{_options.Device ?? "0"}{Settings.DeviceSuffix}" : "cpu";

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>
    /// An ONNX Runtime session with its input and output bound once: to CPU memory, or, with a CUDA
    /// device index, to tensors allocated in that device's memory by the session's CUDA allocator (the
    /// input copied there once, here, outside any timed call). Where the output's shape is not known
    /// beforehand (a file without a network description), the first run lets ONNX Runtime allocate the
    /// output, and the output is then allocated in that shape and bound for every later run.
    /// </summary>
    private sealed class OrtLoadedModel : ILoadedModel
    {
        private readonly InferenceSession _session;
        private readonly SessionOptions _options;
        private readonly RunOptions _runOptions;
        private readonly OrtMemoryInfo? _deviceMemory;
        private readonly OrtAllocator? _deviceAllocator;
        private readonly OrtValue _input;
        private readonly OrtIoBinding _binding;
        private readonly string _outputName;
        private OrtValue? _output;
        private int _outputLength;

        /// <summary>Takes ownership of <paramref name="session"/>, <paramref name="options"/> and <paramref name="runOptions"/> only when it returns (the caller disposes them otherwise).</summary>
        public OrtLoadedModel(InferenceSession session, SessionOptions options, RunOptions runOptions, ModelArtifacts model, int? cudaDevice)
        {
            if (session.InputNames.Count != 1 || session.OutputNames.Count != 1)
                throw new InvalidDataException($"{model.OnnxPath} has {session.InputNames.Count} inputs and {session.OutputNames.Count} outputs; a suite model has one of each");
            _session = session;
            _options = options;
            _runOptions = runOptions;
            _outputName = session.OutputNames[0];
            long[] inputShape = [.. model.InputShape.Dimensions.Select(d => (long)d)];
            try
            {
                if (cudaDevice is int device)
                {
                    _deviceMemory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, device, OrtMemType.Default);
                    _deviceAllocator = new OrtAllocator(session, _deviceMemory);
                    _input = OrtValue.CreateAllocatedTensorValue(_deviceAllocator, TensorElementType.Float, inputShape);
                    CudaRuntime.CopyToDevice(CudaRuntime.AddressOf(_input.GetTensorMutableRawData()), model.Input);
                }
                else
                {
                    _input = OrtValue.CreateTensorValueFromMemory(model.Input, inputShape);
                }
                _binding = session.CreateIoBinding();
                _binding.BindInput(session.InputNames[0], _input);
                if (model.OutputShape is { } outputShape) BindOutput([.. outputShape.Dimensions.Select(d => (long)d)]);
                else _binding.BindOutputToDevice(_outputName, _deviceMemory ?? OrtMemoryInfo.DefaultInstance);
            }
            catch
            {
                _binding?.Dispose();
                _output?.Dispose();
                _input?.Dispose();
                _deviceAllocator?.Dispose();
                _deviceMemory?.Dispose();
                throw;
            }
        }

        /// <summary>Allocates the output in <paramref name="shape"/> where the input is (host or device memory) and binds it.</summary>
        private void BindOutput(long[] shape)
        {
            _outputLength = checked((int)shape.Aggregate(1L, (a, b) => a * b));
            _output = OrtValue.CreateAllocatedTensorValue(_deviceAllocator ?? OrtAllocator.DefaultInstance, TensorElementType.Float, shape);
            _binding.BindOutput(_outputName, _output);
        }

        public void Run()
        {
            _session.RunWithBinding(_runOptions, _binding);
            // The run already waited for the provider's stream (disable_synchronize_execution_providers=0);
            // this makes the end of the timed call explicit for outputs in device memory.
            if (_deviceMemory is not null) _binding.SynchronizeBoundOutputs();
        }

        public float[] RunAndFetchOutput()
        {
            Run();
            if (_output is null) return FetchAndBindLearntOutput();
            return CopyOut(_output, _outputLength);
        }

        /// <summary>After a run whose output ONNX Runtime allocated: its values, and the output bound in its shape from now on.</summary>
        private float[] FetchAndBindLearntOutput()
        {
            float[] values;
            long[] shape;
            using (var produced = _binding.GetOutputValues())
            {
                var info = produced[0].GetTensorTypeAndShape();
                if (info.ElementDataType != TensorElementType.Float)
                    throw new InvalidDataException($"the output '{_outputName}' is {info.ElementDataType}; the suite measures float32 models");
                shape = info.Shape;
                values = CopyOut(produced[0], checked((int)info.ElementCount));
            }
            _binding.ClearBoundOutputs();
            BindOutput(shape);
            return values;
        }

        private float[] CopyOut(OrtValue output, int length)
        {
            if (_deviceMemory is null) return output.GetTensorDataAsSpan<float>().ToArray();
            var host = new float[length];
            CudaRuntime.CopyToHost(host, CudaRuntime.AddressOf(output.GetTensorMutableRawData()));
            return host;
        }

        public void Dispose()
        {
            _binding.Dispose();
            _output?.Dispose();
            _input.Dispose();
            _deviceAllocator?.Dispose();
            _deviceMemory?.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
            _options.Dispose();
        }
    }
}
