using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Architectures.Torch;
using FormFollowsFunction.Architectures.Verification;
using FormFollowsFunction.Architectures.Weights;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;
using FormFollowsFunction.Tests.Support;
using Xunit.Abstractions;

namespace FormFollowsFunction.Tests.Export;

/// <summary>
/// The exported ONNX file, run by ONNX Runtime CPU, must compute what the TorchSharp module computes
/// with the same weights and input: relative L2 error below 1e-3, outputs finite and not constant.
/// </summary>
public sealed class OnnxRuntimeParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Networks() => TestNetworks.All();

    [Theory]
    [MemberData(nameof(Networks))]
    public void Onnx_runtime_and_torchsharp_agree(string caseName)
    {
        var network = TestNetworks.Build(caseName);
        var weights = NetworkWeights.Initialize(network, seed: 7);
        var input = ModelInput.Create(network.InputShape, seed: 11);

        // The sweep's own ONNX Runtime code, on the file the exporter writes.
        float[] onnx;
        using (var folder = new TemporaryFolder())
        {
            string path = folder.Combine("model.onnx");
            OnnxExporter.ExportToFile(network, weights, path);
            using var loaded = new OrtBackend(BackendCatalog.OrtCpu, BackendOptions.None).Load(new ModelArtifacts(network, null, path, input), threads: 1);
            onnx = loaded.RunAndFetchOutput();
        }
        float[] torch;
        using (var reference = TorchNetwork.Build(network, weights))
            torch = reference.Run(input);

        Assert.Equal(network.OutputShape.ElementCount, torch.Length);
        var difference = OutputComparison.Compare(onnx, torch);
        output.WriteLine($"{network.Id}: relative L2 {difference.RelativeL2Error:E2}, max abs {difference.MaxAbsoluteError:E2}, output RMS {Rms(torch):G3}");
        Assert.True(OutputComparison.IsNonConstant(torch), "the reference output is constant");
        Assert.Null(difference.Problem);
        Assert.True(difference.IsWithin(OutputComparison.DefaultTolerance),
            $"relative L2 error {difference.RelativeL2Error:E3} exceeds {OutputComparison.DefaultTolerance:E0}");
    }

    private static double Rms(float[] values) => Math.Sqrt(values.Average(v => (double)v * v));
}
