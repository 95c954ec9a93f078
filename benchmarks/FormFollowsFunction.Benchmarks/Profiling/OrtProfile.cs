using System.Text.Json;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>One node's kernel times in an ONNX Runtime profile, in the order the runs executed it.</summary>
/// <param name="Name">The node's name in the optimised graph (the <c>_kernel_time</c> suffix removed).</param>
/// <param name="Operator">The operator that ran (<c>FusedConv</c>, <c>Conv</c>, <c>ReorderInput</c>, ...).</param>
/// <param name="DurationsUs">Each execution's kernel time in microseconds, first run first.</param>
/// <param name="HasWeights">The kernel reads constant inputs (weights, biases): the event's <c>parameter_size</c> is above 0.</param>
public sealed record OrtNodeTimes(string Name, string Operator, IReadOnlyList<double> DurationsUs, bool HasWeights = false);

/// <summary>
/// Reads the JSON file ONNX Runtime's profiler writes (<c>SessionOptions.EnableProfiling</c>,
/// <c>InferenceSession.EndProfiling</c>): a Chrome trace array whose <c>"cat":"Node"</c> events named
/// <c>NODE_kernel_time</c> carry each node execution's duration in microseconds (<c>dur</c>). The
/// <c>fence_before</c>/<c>fence_after</c> events and the session events are not kernel time and are skipped.
/// </summary>
public static class OrtProfile
{
    private const string KernelSuffix = "_kernel_time";

    public static IReadOnlyList<OrtNodeTimes> ReadFile(string path) => Parse(File.ReadAllText(path));

    /// <summary>The nodes in the order of their first execution.</summary>
    public static IReadOnlyList<OrtNodeTimes> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("an ONNX Runtime profile is a JSON array of trace events");
        var order = new List<string>();
        var durations = new Dictionary<string, List<double>>();
        var operators = new Dictionary<string, (string Operator, bool HasWeights)>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("cat", out var cat) || cat.GetString() != "Node") continue;
            string name = e.GetProperty("name").GetString() ?? "";
            if (!name.EndsWith(KernelSuffix, StringComparison.Ordinal)) continue;
            name = name[..^KernelSuffix.Length];
            if (!durations.TryGetValue(name, out var list))
            {
                durations[name] = list = [];
                order.Add(name);
                bool hasArgs = e.TryGetProperty("args", out var args);
                string op = hasArgs && args.TryGetProperty("op_name", out var opName) ? opName.GetString() ?? "" : "";
                bool weights = hasArgs && args.TryGetProperty("parameter_size", out var size) && Bytes(size) > 0;
                operators[name] = (op, weights);
            }
            list.Add(e.GetProperty("dur").GetDouble());
        }
        return [.. order.Select(n => new OrtNodeTimes(n, operators[n].Operator, durations[n], operators[n].HasWeights))];
    }

    /// <summary>ONNX Runtime writes sizes as strings ("1024"); a number is read as well.</summary>
    private static long Bytes(JsonElement size) => size.ValueKind switch
    {
        JsonValueKind.String when long.TryParse(size.GetString(), System.Globalization.CultureInfo.InvariantCulture, out long bytes) => bytes,
        JsonValueKind.Number when size.TryGetInt64(out long bytes) => bytes,
        _ => 0,
    };

    /// <summary>
    /// The nodes' kernel times per run, in milliseconds, after the first <paramref name="skipped"/> (warm-up)
    /// runs: one array per run with the nodes in <paramref name="nodes"/>' order. Every node runs once per
    /// run in a graph without control flow, so a node's i-th execution belongs to run i.
    /// </summary>
    public static IReadOnlyList<double[]> Passes(IReadOnlyList<OrtNodeTimes> nodes, int skipped)
    {
        if (nodes.Count == 0) throw new InvalidDataException("the profile holds no kernel times");
        int runs = nodes[0].DurationsUs.Count;
        if (nodes.FirstOrDefault(n => n.DurationsUs.Count != runs) is { } odd)
            throw new InvalidDataException($"node {odd.Name} ran {odd.DurationsUs.Count} times and {nodes[0].Name} {runs}: the profile's runs cannot be told apart");
        if (runs <= skipped) throw new InvalidDataException($"the profile holds {runs} runs; {skipped} warm-up runs are skipped");
        return [.. Enumerable.Range(skipped, runs - skipped).Select(run => nodes.Select(n => n.DurationsUs[run] / 1000.0).ToArray())];
    }
}
