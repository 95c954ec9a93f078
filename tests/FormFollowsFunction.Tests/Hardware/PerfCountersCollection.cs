namespace FormFollowsFunction.Tests.Hardware;

/// <summary>
/// Tests that compare perf counts with the scheduler's own CPU-time accounting run alone: other tests'
/// threads in this process must not run while a counted region is open (some counted scopes inherit to new threads).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PerfCountersCollection
{
    public const string Name = "perf counters (run alone)";
}
