using System.Diagnostics;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;
using FormFollowsFunction.Benchmarks.Timing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FormFollowsFunction.Microbenchmarks;

/// <summary>
/// What the timing engine reports per call for the tiny model, next to the median of a bare,
/// hand-written loop over the same pre-bound session (each call timed with the same clock), so the
/// harness's reported figure can be compared with what the engine itself costs.
/// </summary>
internal static class HarnessReport
{
    public static void Print()
    {
        using var model = TinyModel.Create();
        using var harness = new OrtBackend(BackendCatalog.OrtCpu, BackendOptions.None)
            .Load(new ModelArtifacts(model.Network, null, model.OnnxPath, model.Input), threads: 1);
        var policy = new TimingPolicy { WarmupSeconds = 1, MinIterations = 20, MaxIterations = 200_000, MaxSeconds = 5, TargetRelativeCi = 0.002 };
        var engine = new TimingEngine(policy);

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(model.OnnxPath, options);
        using var input = OrtValue.CreateTensorValueFromMemory(model.Input, [.. model.Network.InputShape.Dimensions.Select(d => (long)d)]);
        using var output = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float,
            [.. model.Network.OutputShape.Dimensions.Select(d => (long)d)]);
        using var binding = session.CreateIoBinding();
        binding.BindInput(session.InputNames[0], input);
        binding.BindOutput(session.OutputNames[0], output);
        using var runOptions = new RunOptions();

        for (int round = 1; round <= 3; round++)
        {
            engine.Warmup(harness.Run);
            var reported = engine.Measure(harness.Run).Statistics;
            var bare = BareLoop(() => session.RunWithBinding(runOptions, binding), reported.Count);
            Console.WriteLine(FormattableString.Invariant(
                $"round {round}: harness median {reported.Median * 1000:0.00} µs (95% CI {reported.Ci95Lower * 1000:0.00}-{reported.Ci95Upper * 1000:0.00}, n={reported.Count}); bare loop median {bare.Median * 1000:0.00} µs (n={bare.Count}); difference {(reported.Median - bare.Median) * 1000:+0.00;-0.00} µs"));
        }
    }

    private static LatencyStatistics BareLoop(Action call, int count)
    {
        for (int i = 0; i < 1000; i++) call();
        var samples = new double[count];
        double tickMs = 1000.0 / Stopwatch.Frequency;
        for (int i = 0; i < count; i++)
        {
            long before = Stopwatch.GetTimestamp();
            call();
            samples[i] = (Stopwatch.GetTimestamp() - before) * tickMs;
        }
        return LatencyStatistics.From(samples);
    }
}
