namespace FormFollowsFunction.Hardware.Counters;

/// <summary>Which threads a <see cref="CounterGroup"/> counts. Both are relative to the thread that calls <see cref="CounterGroup.Open"/>.</summary>
public enum CounterScope
{
    /// <summary>
    /// The calling thread and every thread it creates after the group is opened, and their descendants
    /// (perf_event_attr.inherit = 1). Open the group before the inference engine creates its thread pools,
    /// on the thread that will create them. Threads that already exist (the .NET thread pool's, say) are not counted.
    /// </summary>
    CallingThreadAndNewThreads,

    /// <summary>The calling thread alone (inherit = 0).</summary>
    CallingThread,
}

/// <summary>Which CPU privilege modes the group asks to count.</summary>
public enum CountedModes
{
    /// <summary>
    /// User and kernel mode, as <c>perf stat</c> counts by default. Where perf_event_paranoid forbids
    /// kernel counting to this process, each event falls back to user space only, and its reading says so.
    /// </summary>
    UserAndKernel,

    /// <summary>User space only (exclude_kernel, exclude_hv), on every machine alike.</summary>
    UserOnly,
}
