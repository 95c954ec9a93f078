using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FormFollowsFunction.Microbenchmarks;

/// <summary>
/// How much the suite's ONNX Runtime call path costs over a bare loop: the same tiny model, one
/// session each, both with input and output bound once. <see cref="BareSession"/> is the floor;
/// <see cref="HarnessCall"/> is what the timing engine calls each iteration. The difference is the
/// harness's per-call overhead (an interface call). Run in-process: the comparison is of two call
/// paths in one process, and an out-of-process build would copy libtorch again for nothing.
/// </summary>
[Config(typeof(Configuration))]
public class HarnessOverheadBenchmarks
{
    private sealed class Configuration : ManualConfig
    {
        public Configuration()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(20));
        }
    }

    private TinyModel? _model;
    private SessionOptions? _options;
    private InferenceSession? _session;
    private OrtIoBinding? _binding;
    private RunOptions? _runOptions;
    private OrtValue? _input;
    private OrtValue? _output;
    private ILoadedModel? _harness;

    [GlobalSetup]
    public void Setup()
    {
        _model = TinyModel.Create();
        _options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(_model.OnnxPath, _options);
        _input = OrtValue.CreateTensorValueFromMemory(_model.Input, [.. _model.Network.InputShape.Dimensions.Select(d => (long)d)]);
        _output = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float,
            [.. _model.Network.OutputShape.Dimensions.Select(d => (long)d)]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(_session.InputNames[0], _input);
        _binding.BindOutput(_session.OutputNames[0], _output);
        _runOptions = new RunOptions();

        _harness = new OrtBackend(BackendCatalog.OrtCpu, BackendOptions.None)
            .Load(new ModelArtifacts(_model.Network, null, _model.OnnxPath, _model.Input), threads: 1);
    }

    [Benchmark(Baseline = true, Description = "bare session, pre-bound")]
    public void BareSession() => _session!.RunWithBinding(_runOptions!, _binding!);

    [Benchmark(Description = "harness call (ILoadedModel.Run)")]
    public void HarnessCall() => _harness!.Run();

    [GlobalCleanup]
    public void Cleanup()
    {
        _harness?.Dispose();
        _binding?.Dispose();
        _output?.Dispose();
        _input?.Dispose();
        _runOptions?.Dispose();
        _session?.Dispose();
        _options?.Dispose();
        _model?.Dispose();
    }
}

/// <summary>A network small enough that per-call overheads show: conv 3→8 (3x3) on 16x16, pooled, 10 classes.</summary>
internal sealed class TinyModel : IDisposable
{
    private TinyModel(Network network, string onnxPath, float[] input)
    {
        Network = network;
        OnnxPath = onnxPath;
        Input = input;
    }

    public Network Network { get; }
    public string OnnxPath { get; }
    public float[] Input { get; }

    public static TinyModel Create()
    {
        var input = new InputSpec(Resolution: 16, Batch: 1, Classes: 10);
        var b = new NetworkBuilder("tiny", input.Shape);
        var x = b.Relu("relu", b.Conv2d("conv", b.Input, 8, 3));
        var network = b.Build(b.Linear("fc", b.Flatten("flatten", b.GlobalAvgPool("pool", x)), input.Classes));
        string path = Path.Combine(Path.GetTempPath(), $"fff-tiny-{Environment.ProcessId}.onnx");
        OnnxExporter.ExportToFile(network, NetworkWeights.Initialize(network, 1), path);
        return new TinyModel(network, path, ModelInput.Create(network.InputShape, 1));
    }

    public void Dispose() => File.Delete(OnnxPath);
}
