namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>How a layer's time was obtained.</summary>
public enum LayerTimeSource
{
    /// <summary>Measured for this layer alone.</summary>
    Measured,

    /// <summary>The layer ran inside an engine node fused with other layers; it holds its part of that node's time.</summary>
    Fused,

    /// <summary>An engine node with no description layer (a layout reorder the engine inserted); named after the node.</summary>
    Inserted,
}

/// <summary>The time of one description layer (or one engine-inserted node) in a typical forward pass, in milliseconds.</summary>
/// <param name="OverheadMs">The profiler's own time that was measured with the layer and removed from <paramref name="Ms"/> (<see cref="OrtProfilerOverhead"/>); 0 where nothing was removed.</param>
public sealed record LayerTime(string Layer, double Ms, LayerTimeSource Source, double OverheadMs = 0);
