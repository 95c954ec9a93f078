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

    /// <returns>0 when an answer was written (a failed measurement is still an answer).</returns>
    public static int Run(string mode, string requestPath, string responsePath, int? parentProcessId, ModelCatalog catalog)
    {
        if (parentProcessId is int parent) ParentWatch.KillMeWithParent(parent);
        var request = CellRequest.Read(requestPath);
        switch (mode)
        {
            case ProbeMode:
                var backend = BackendFactory.Create(BackendCatalog.Get(request.Backend), request.Options, request.OneDnnMaxIsa);
                AtomicFile.WriteAllText(responsePath, JsonSerializer.Serialize(backend.Probe(), CellRequest.Json));
                return 0;
            case CellMode:
                new CellRunner(catalog).Run(request).Write(responsePath);
                return 0;
            default:
                throw new ArgumentException($"unknown worker mode '{mode}'; use {ProbeMode} or {CellMode}");
        }
    }
}
