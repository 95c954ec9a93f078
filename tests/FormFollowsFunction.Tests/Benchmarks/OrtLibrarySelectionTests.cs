using System.Text.Json;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>
/// An ONNX Runtime backend loads the native library it is pointed at, in a worker process of its own,
/// and refuses a missing or wrong file with a message that names it. The OpenVINO and CUDA builds
/// cannot run here, so the same selection path is exercised with a copy of the CPU build.
/// </summary>
public sealed class OrtLibrarySelectionTests : IDisposable
{
    private static readonly string StockFolder = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private BackendProbe Probe(string backend, string variable, string library)
    {
        string request = _folder.Write($"{backend}.request.json", JsonSerializer.Serialize(new { backend }));
        string response = _folder.Combine($"{backend}.response.json");
        var result = FffProgram.Run(new Dictionary<string, string> { [variable] = library }, "worker", "probe", request, response);
        Assert.True(result.ExitCode == 0, result.Error);
        return JsonSerializer.Deserialize<BackendProbe>(File.ReadAllText(response), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;
    }

    private string CopyOfCpuBuild()
    {
        string copy = _folder.Combine("ort-copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(StockFolder, "libonnxruntime*.so*"))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return Path.Combine(copy, "libonnxruntime.so");
    }

    [Fact]
    public void The_cpu_backend_loads_the_copy_it_is_pointed_at()
    {
        string copy = CopyOfCpuBuild();
        var probe = Probe("ort-cpu", "FFF_ORT_CPU_LIBRARY", copy);

        Assert.True(probe.Available, probe.Reason);
        Assert.Equal(copy, probe.Library);
        Assert.StartsWith("onnxruntime ", probe.Version);
    }

    [Fact]
    public void The_openvino_backend_pointed_at_a_cpu_build_loads_it_and_says_the_provider_is_missing()
    {
        string copy = CopyOfCpuBuild();
        var probe = Probe("ort-openvino", "FFF_ORT_OPENVINO_LIBRARY", copy);

        Assert.False(probe.Available);
        Assert.Equal(copy, probe.Library);
        Assert.Contains($"'{copy}' has no OpenVINOExecutionProvider (it offers CPUExecutionProvider)", probe.Reason);
    }

    [Fact]
    public void A_missing_library_is_named_with_the_variable_that_pointed_at_it()
    {
        string missing = _folder.Combine("nowhere", "libonnxruntime.so");
        var probe = Probe("ort-cuda", "FFF_ORT_CUDA_LIBRARY", missing);

        Assert.False(probe.Available);
        Assert.Equal($"FFF_ORT_CUDA_LIBRARY points at '{missing}', which does not exist", probe.Reason);
    }

    [Fact]
    public void A_file_that_is_not_a_shared_library_is_refused_with_the_loaders_reason()
    {
        string text = _folder.Write("libonnxruntime.so", "not a library");
        var probe = Probe("ort-openvino", "FFF_ORT_OPENVINO_LIBRARY", text);

        Assert.False(probe.Available);
        Assert.StartsWith($"FFF_ORT_OPENVINO_LIBRARY: cannot load '{text}'", probe.Reason);
    }

    [Fact]
    public void A_shared_library_that_is_not_onnx_runtime_is_refused()
    {
        // ONNX Runtime's provider bridge is a real ELF library that lacks OrtGetApiBase.
        string other = Path.Combine(StockFolder, "libonnxruntime_providers_shared.so");
        var probe = Probe("ort-cpu", "FFF_ORT_CPU_LIBRARY", other);

        Assert.False(probe.Available);
        Assert.Equal($"FFF_ORT_CPU_LIBRARY: '{other}' is not an ONNX Runtime library (it exports no OrtGetApiBase)", probe.Reason);
    }
}
