using System.Globalization;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Diagnosis;

/// <summary>
/// The core-to-core part of <c>fff doctor</c>: the round trip of a cache line between the two processors a
/// two-thread cell's engine synchronises across (<see cref="CoreLatencyProbe"/>), measured a few times a
/// second apart, so that a virtual machine whose host moves its CPUs shows it.
/// </summary>
public sealed class CoreLatencyDiagnosis(int samples = 5, TimeSpan? pause = null) : IDiagnosisSection
{
    public string Title => "Core-to-core round trip (machine state)";

    public DiagnosisSection Collect()
    {
        var rows = new List<IReadOnlyList<string>>();
        string whyNot = "";
        var figures = new List<double>();
        for (int i = 0; i < samples; i++)
        {
            if (i > 0) Thread.Sleep(pause ?? TimeSpan.FromMilliseconds(200));
            if (CoreLatencyProbe.Measure(out whyNot) is not { } latency) break;
            figures.Add(latency.RoundTripNs);
            rows.Add([(i + 1).ToString(CultureInfo.InvariantCulture), $"cpu{latency.FirstProcessor} <-> cpu{latency.SecondProcessor}",
                latency.RoundTripNs.ToString("F0", CultureInfo.InvariantCulture)]);
        }
        var notes = new List<string>();
        if (figures.Count == 0)
        {
            notes.Add($"not measured: {whyNot}; core_latency_ns stays empty and multi-threaded cells are estimated and compared without machine states");
            return new DiagnosisSection(Title, ["sample", "processors", "round trip (ns)"], rows, notes);
        }
        var states = CoreLatencyStates.Of([.. figures.Select(f => (double?)f)]).Distinct().ToList();
        notes.Add($"a cache line bounced between two pinned threads, best of {CoreLatencyProbe.Batches} batches of {CoreLatencyProbe.RoundTripsPerBatch} round trips; every launch measures it before loading its engine (core_latency_ns)");
        notes.Add(states.Count > 1
            ? $"{states.Count} machine states in these samples ({string.Join(", ", states.Select(s => CoreLatencyStates.Name(s!.Value)))}): the host moved this machine's CPUs while the doctor ran; multi-threaded cells are estimated and compared within one state"
            : "one machine state in these samples; on a virtual machine it can still change later (round trips more than "
              + $"{CoreLatencyStates.SameStateRatio:0.0}x apart are different states), which runs record per launch");
        return new DiagnosisSection(Title, ["sample", "processors", "round trip (ns)"], rows, notes);
    }
}
