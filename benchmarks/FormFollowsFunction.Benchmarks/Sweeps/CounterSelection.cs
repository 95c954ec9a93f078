using FormFollowsFunction.Hardware.Counters;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// Turns the configuration's <c>counters:</c> list into events: <c>default</c> is the standard set
/// behind the results columns, <c>none</c> reads no counters, anything else is an event spec
/// (docs/counters.md) added to the standard set, or replacing the standard event of the same name.
/// </summary>
public static class CounterSelection
{
    public static IReadOnlyList<CounterEvent> Resolve(IReadOnlyList<string> configured)
    {
        var entries = configured.Select(c => c.Trim()).Where(c => c.Length > 0).ToList();
        if (entries.Count == 1 && entries[0].Equals("none", StringComparison.OrdinalIgnoreCase)) return [];
        if (entries.Any(e => e.Equals("none", StringComparison.OrdinalIgnoreCase)))
            throw new SweepConfigurationException("counters: 'none' cannot be combined with other counters");
        try
        {
            var specified = entries.Where(e => !e.Equals("default", StringComparison.OrdinalIgnoreCase))
                .Select(CounterEvent.Parse)
                .Where(e => !CounterEvent.Standard.Contains(e))
                .ToList();
            return CounterEvent.StandardWith(specified);
        }
        catch (CounterSpecException e)
        {
            throw new SweepConfigurationException($"counters: {e.Message}");
        }
    }
}
