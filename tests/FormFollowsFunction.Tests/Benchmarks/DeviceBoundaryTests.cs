using System.Runtime.InteropServices;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.Cuda;
using FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;
using FormFollowsFunction.Benchmarks.Backends.Torch;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>
/// One measurement boundary for every GPU backend (io_boundary), and TF32 and cuDNN autotuning set
/// explicitly: which boundary each backend and setting gives, which provider options and run entries
/// ONNX Runtime's CUDA provider receives, the refusals for CPU backends, and the libtorch flags as set
/// and read back. The GPU itself is not on the build machines, so everything here stops at the native
/// CUDA calls; the host path is run for real on ort-cpu.
/// </summary>
public sealed class DeviceBoundaryTests
{
    private static BackendOptions Options(string? boundary = null, string? tf32 = null, string? autotune = null, string? device = null) =>
        new() { IoBoundary = boundary, Tf32 = tf32, CudnnAutotune = autotune, Device = device };

    [Theory]
    [InlineData("ort-cuda", "device")]
    [InlineData("torch-cuda", "device")]
    [InlineData("ort-cpu", "host")]
    [InlineData("torch-cpu", "host")]
    [InlineData("ort-openvino", "host")]
    public void Gpu_backends_default_to_the_device_boundary_and_cpu_backends_are_host(string backend, string boundary)
    {
        var settings = DeviceSettings.Resolve(BackendCatalog.Get(backend), BackendOptions.None);

        Assert.Equal(boundary, settings.BoundaryColumn);
        Assert.False(settings.Tf32);
        Assert.False(settings.CudnnAutotune);
    }

    [Theory]
    [InlineData("ort-cuda", "host", "host")]
    [InlineData("ort-cuda", "DEVICE", "device")]
    [InlineData("torch-cuda", "host", "host")]
    [InlineData("ort-cpu", "host", "host")]
    [InlineData("torch-cpu", "host", "host")]
    public void The_boundary_follows_the_setting_where_the_backend_allows_it(string backend, string setting, string boundary) =>
        Assert.Equal(boundary, DeviceSettings.Resolve(BackendCatalog.Get(backend), Options(boundary: setting)).BoundaryColumn);

    [Theory]
    [InlineData("ort-cpu")]
    [InlineData("torch-cpu")]
    [InlineData("ort-openvino")]
    public void The_device_boundary_on_a_cpu_backend_is_refused_at_configuration_check_in_one_line(string backend)
    {
        var configuration = SweepPresets.Quick with
        {
            Models = ["resnet18"], Patterns = [],
            BackendOptions = new Dictionary<string, BackendOptions> { [backend] = Options(boundary: "device") },
        };

        var error = Assert.Throws<SweepConfigurationException>(() => SweepConfigurationValidator.Resolve(configuration, ModelCatalog.Default, physicalCores: 2));

        Assert.Equal($"backend_options.{backend}.io_boundary: 'device' needs a GPU backend; {backend} computes in host memory and is always 'host'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("tf32", "backend_options.ort-cpu.tf32: applies to GPU backends (ort-cuda, torch-cuda) only, not ort-cpu")]
    [InlineData("autotune", "backend_options.ort-cpu.cudnn_autotune: applies to GPU backends (ort-cuda, torch-cuda) only, not ort-cpu")]
    [InlineData("bad-boundary", "backend_options.ort-cuda.io_boundary: 'gpu' is not 'device' or 'host'")]
    [InlineData("bad-tf32", "backend_options.ort-cuda.tf32: 'maybe' is not 'on' or 'off'")]
    public void Unfit_gpu_settings_are_refused_with_the_setting_named(string case_, string expected)
    {
        var (backend, options) = case_ switch
        {
            "tf32" => ("ort-cpu", Options(tf32: "off")),
            "autotune" => ("ort-cpu", Options(autotune: "on")),
            "bad-boundary" => ("ort-cuda", Options(boundary: "gpu")),
            "bad-tf32" => ("ort-cuda", Options(tf32: "maybe")),
            _ => throw new ArgumentOutOfRangeException(nameof(case_)),
        };

        Assert.Equal(expected, DeviceSettings.Problem(BackendCatalog.Get(backend), options));
        Assert.Equal(expected, Assert.Throws<BackendOptionsException>(() => new OrtBackend(BackendCatalog.Get(backend), options)).Message);
    }

    [Fact]
    public void Gpu_settings_in_yaml_reach_the_backend_options()
    {
        var configuration = SweepConfigurationFile.Parse("""
            backend_options:
              ort-cuda: { io_boundary: host, tf32: on, cudnn_autotune: on, device: "1" }
              torch-cuda: { io_boundary: device, tf32: off, cudnn_autotune: off }
            """, "gpu.yaml");

        var ort = configuration.OptionsFor("ort-cuda");
        Assert.Equal(("host", "on", "on", "1"), (ort.IoBoundary, ort.Tf32, ort.CudnnAutotune, ort.Device));
        var torch = configuration.OptionsFor("torch-cuda");
        Assert.Equal(("device", "off", "off"), (torch.IoBoundary, torch.Tf32, torch.CudnnAutotune));
    }

    [Theory]
    [InlineData(null, null, null, "0", "HEURISTIC", "0")]
    [InlineData("on", "on", "1", "1", "EXHAUSTIVE", "1")]
    [InlineData("off", "on", null, "0", "EXHAUSTIVE", "0")]
    [InlineData("on", "off", "2", "2", "HEURISTIC", "1")]
    public void The_cuda_provider_gets_every_arithmetic_option_explicitly(string? tf32, string? autotune, string? device, string deviceId, string search, string useTf32)
    {
        var backend = new OrtBackend(BackendCatalog.OrtCuda, Options(tf32: tf32, autotune: autotune, device: device));

        Assert.Equal(
            new Dictionary<string, string> { ["device_id"] = deviceId, ["cudnn_conv_algo_search"] = search, ["use_tf32"] = useTf32 },
            backend.CudaProviderOptions());
    }

    [Fact]
    public void Gpu_runs_end_synchronised_and_cpu_runs_set_no_run_entry()
    {
        Assert.Equal(new Dictionary<string, string> { ["disable_synchronize_execution_providers"] = "0" },
            new OrtBackend(BackendCatalog.OrtCuda, BackendOptions.None).RunConfigEntries());
        Assert.Equal(new Dictionary<string, string> { ["disable_synchronize_execution_providers"] = "0" },
            new OrtBackend(BackendCatalog.OrtCuda, Options(boundary: "host")).RunConfigEntries());
        Assert.Empty(new OrtBackend(BackendCatalog.OrtCpu, BackendOptions.None).RunConfigEntries());
    }

    [Theory]
    [InlineData("ort-cuda", "GPU")]
    [InlineData("torch-cuda", "-1")]
    public void A_cuda_device_that_is_not_an_index_is_refused_naming_the_setting(string backend, string device)
    {
        var configuration = SweepPresets.Quick with
        {
            Models = ["resnet18"], Patterns = [],
            BackendOptions = new Dictionary<string, BackendOptions> { [backend] = Options(device: device) },
        };
        Assert.Equal($"backend_options.{backend}.device: '{device}' is not a CUDA device index (0, 1, ...)",
            Assert.Throws<SweepConfigurationException>(() => SweepConfigurationValidator.Resolve(configuration, ModelCatalog.Default, physicalCores: 2)).Message);
    }

    [Theory]
    [InlineData(null, null, " (tf32 off, cudnn autotune off)")]
    [InlineData("on", null, " (tf32 on, cudnn autotune off)")]
    [InlineData("off", "on", " (tf32 off, cudnn autotune on)")]
    public void The_device_column_of_gpu_backends_says_what_arithmetic_ran(string? tf32, string? autotune, string suffix)
    {
        Assert.Equal(suffix, DeviceSettings.Resolve(BackendCatalog.OrtCuda, Options(tf32: tf32, autotune: autotune)).DeviceSuffix);
        Assert.Equal(suffix, DeviceSettings.Resolve(BackendCatalog.TorchCuda, Options(tf32: tf32, autotune: autotune)).DeviceSuffix);
        Assert.Equal("", DeviceSettings.Resolve(BackendCatalog.OrtCpu, BackendOptions.None).DeviceSuffix);
    }

    [Fact]
    public void Libtorch_takes_and_reports_the_tf32_and_cudnn_benchmark_flags()
    {
        var before = TorchGpuArithmetic.Current;
        try
        {
            TorchGpuArithmetic.Apply(tf32: true, cudnnAutotune: true);
            Assert.Equal((true, true, true), TorchGpuArithmetic.Current);
            TorchGpuArithmetic.Apply(tf32: false, cudnnAutotune: false);
            Assert.Equal((false, false, false), TorchGpuArithmetic.Current);
        }
        finally
        {
            TorchSharp.torch.backends.cudnn.allow_tf32 = before.CudnnTf32;
            TorchSharp.torch.backends.cuda.matmul.allow_tf32 = before.MatmulTf32;
            TorchGpuArithmetic.CudnnBenchmark = before.CudnnAutotune;
        }
    }

    [Fact]
    public void The_cuda_runtime_calls_name_the_library_and_the_fix_when_it_is_missing()
    {
        if (NativeLibrary.TryLoad(CudaRuntime.Library, out var handle))
        {
            // A machine with CUDA: a copy to a null device address is refused by the runtime, with its message.
            NativeLibrary.Free(handle);
            var refused = Assert.Throws<CudaRuntimeException>(() => CudaRuntime.CopyToDevice(0, new float[4]));
            Assert.StartsWith("cudaMemcpy to the device failed: CUDA error ", refused.Message);
            return;
        }
        var error = Assert.Throws<CudaRuntimeException>(() => CudaRuntime.CopyToDevice(0, new float[4]));
        Assert.StartsWith("cudaMemcpy to the device: the CUDA 13 runtime libcudart.so.13 could not be loaded (", error.Message);
        Assert.EndsWith("; put CUDA 13's library folder on LD_LIBRARY_PATH, or run through tools/gpu-kit/run-gpu.sh, which finds it", error.Message);
    }

    [Fact]
    public void The_host_path_runs_on_ort_cpu_and_computes_what_torchsharp_computes()
    {
        using var folder = new TemporaryFolder();
        var network = ModelCatalog.Default.Resolve("residual-d1-w0.25").Build(new InputSpec(32, 1));
        var weights = NetworkWeights.Initialize(network, seed: 5);
        var input = ModelInput.Create(network.InputShape, seed: 6);
        string onnx = folder.Combine("model.onnx");
        OnnxExporter.ExportToFile(network, weights, onnx);

        var ort = new OrtBackend(BackendCatalog.OrtCpu, BackendOptions.None);
        Assert.Equal(IoBoundary.Host, ort.Settings.Boundary);
        float[] fromOrt;
        using (var model = ort.Load(new ModelArtifacts(network, null, onnx, input), threads: 1))
        {
            model.Run();
            fromOrt = model.RunAndFetchOutput();
        }
        var torch = new TorchBackend(BackendCatalog.TorchCpu, BackendOptions.None, oneDnnMaxIsa: null);
        Assert.Equal(IoBoundary.Host, torch.Settings.Boundary);
        float[] fromTorch;
        using (var model = torch.Load(new ModelArtifacts(network, weights, onnx, input), threads: 1))
        {
            model.Run();
            fromTorch = model.RunAndFetchOutput();
        }

        Assert.Equal(network.OutputShape.ElementCount, fromOrt.Length);
        Assert.True(OutputComparison.IsNonConstant(fromOrt));
        Assert.True(OutputComparison.Compare(fromOrt, fromTorch).IsWithin(OutputComparison.DefaultTolerance));
    }
}

/// <summary>The io_boundary column sits right after device in results.csv and round-trips.</summary>
public sealed class IoBoundaryColumnTests
{
    [Fact]
    public void Io_boundary_follows_device_in_the_header_and_reads_back()
    {
        var header = FormFollowsFunction.Results.ResultsCsv.HeaderLine().Split(',');
        Assert.Equal(Array.IndexOf(header, "device") + 1, Array.IndexOf(header, "io_boundary"));

        using var folder = new TemporaryFolder();
        var row = new FormFollowsFunction.Results.ResultRow
        {
            RunId = "r", Machine = "m", Backend = "ort-cuda", Device = "cuda:0 (tf32 off, cudnn autotune off)", IoBoundary = "device",
            Model = "resnet18", Pattern = "reference", Resolution = 224, Batch = 1, Threads = 1, Status = "ok",
        };
        string path = folder.Write("results.csv",
            FormFollowsFunction.Results.ResultsCsv.HeaderLine() + "\n" + FormFollowsFunction.Results.ResultsCsv.FormatRow(row) + "\n");

        var read = Assert.Single(FormFollowsFunction.Results.ResultsCsv.Read(path));
        Assert.Equal(("cuda:0 (tf32 off, cudnn autotune off)", "device"), (read.Device, read.IoBoundary));
    }
}
