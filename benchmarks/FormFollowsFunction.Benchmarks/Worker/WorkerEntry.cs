using System.Text.Json;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>What a worker process does, between reading its request file and writing its answer file.</summary>
public static class WorkerEntry
{
    public const string ProbeMode = "probe";
    public const string CellMode = "cell";
    public const string ProfileMode = "profile";

    /// <returns>0 when an answer was written (a failed measurement is still an answer).</returns>
    public static int Run(string mode, string requestPath, string responsePath, int? parentProcessId, ModelCatalog catalog)
    {
        if (parentProcessId is int parent) ParentWatch.KillMeWithParent(parent);
        var request = CellRequest.Read(requestPath);
        object answer = mode switch
        {
            ProbeMode => BackendFactory.Create(BackendCatalog.Get(request.Backend), request.Options, request.OneDnnMaxIsa).Probe(),
            CellMode => new CellRunner(catalog).Run(request),
            ProfileMode => new Profiling.LayerProfiler(catalog).Run(request),
            _ => throw new ArgumentException($"unknown worker mode '{mode}'; use {ProbeMode}, {CellMode} or {ProfileMode}"),
        };
        AtomicFile.WriteAllText(responsePath, JsonSerializer.Serialize(answer, answer.GetType(), CellRequest.Json));
        return 0;
    }
}
