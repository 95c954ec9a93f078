using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Worker;
using FormFollowsFunction.Cli.Commands;
using FormFollowsFunction.Hardware.Diagnosis;

namespace FormFollowsFunction.Cli;

/// <summary>The backends part of <c>fff doctor</c>: each backend probed in a worker process, as <c>fff backends</c> does.</summary>
internal sealed class BackendsDiagnosis : IDiagnosisSection
{
    public string Title => "Backends";

    public DiagnosisSection Collect()
    {
        var probed = BackendProber.ProbeInScratchFolder(WorkerLauncher.ForCurrentProgram(), BackendCatalog.All, SweepPresets.Quick.OptionsFor, CancellationToken.None);
        return new DiagnosisSection(
            Title,
            ["backend", "status", "version", "device", "reason or note"],
            [.. probed.Select(b => (IReadOnlyList<string>)
            [
                b.Descriptor.Name,
                b.Available ? "available" : "unavailable",
                b.Probe.Version,
                b.Probe.Device,
                (b.Available ? b.Note : b.Probe.Reason) ?? "",
            ])],
            ["each backend is probed in a worker process of its own; see 'fff backends' and docs/benchmarks.md"]);
    }
}
