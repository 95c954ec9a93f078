namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>
/// Tests that run whole sweeps in worker processes with time limits: they run alone, so that a
/// machine busy with other tests cannot push a healthy worker past its limit.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SweepProcessesCollection
{
    public const string Name = "sweep processes";
}
