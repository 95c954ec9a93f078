namespace FormFollowsFunction.Hardware.Counters;

/// <summary>What became of one event.</summary>
public enum CounterState
{
    /// <summary>The event ran for some of its enabled time; <see cref="CounterReading.Value"/> holds its (scaled) count.</summary>
    Counted,
    /// <summary>The event is open but never ran on a counter (time_running 0), or was never enabled: no count, not a zero.</summary>
    NotCounted,
    /// <summary>The event could not be opened or read; <see cref="CounterReading.Unavailability"/> says why.</summary>
    Unavailable,
}

/// <summary>
/// One event's reading: the raw count with the kernel's time_enabled and time_running (nanoseconds,
/// summed over the counted threads), and the count scaled for multiplexing.
/// </summary>
public sealed record CounterReading(
    CounterEvent Event,
    CounterState State,
    ulong RawValue,
    ulong TimeEnabledNs,
    ulong TimeRunningNs,
    bool UserSpaceOnly,
    CounterUnavailability? Unavailability)
{
    /// <summary>The count scaled by time_enabled / time_running; null unless <see cref="CounterState.Counted"/>.</summary>
    public double? Value => State == CounterState.Counted ? CounterScaling.Scale(RawValue, TimeEnabledNs, TimeRunningNs) : null;

    /// <summary>time_running / time_enabled; below 1 when the kernel multiplexed the event.</summary>
    public double? RunningFraction => State == CounterState.Counted ? CounterScaling.RunningFraction(TimeEnabledNs, TimeRunningNs) : null;

    public bool IsMultiplexed => State == CounterState.Counted && TimeRunningNs < TimeEnabledNs;
}

/// <summary>The readings of every event of a group, in the order the events were given.</summary>
/// <param name="readings">One reading per event.</param>
/// <param name="userSpaceOnlyCause">Why events marked <see cref="CounterReading.UserSpaceOnly"/> exclude kernel mode
/// (<c>perf_event_paranoid=2</c>, or <c>requested</c>), for the status wording.</param>
public sealed class CounterReadings(IReadOnlyList<CounterReading> readings, string? userSpaceOnlyCause = null) : IReadOnlyList<CounterReading>
{
    public string? UserSpaceOnlyCause { get; } = userSpaceOnlyCause;

    public CounterReading this[int index] => readings[index];

    public int Count => readings.Count;

    /// <summary>The reading of the event with this name, or null when the group did not have it.</summary>
    public CounterReading? Find(string name) => readings.FirstOrDefault(r => r.Event.Name == name);

    /// <summary>The scaled count of the named event, or null when it was not counted or not in the group.</summary>
    public double? ValueOf(string name) => Find(name)?.Value;

    public IEnumerator<CounterReading> GetEnumerator() => readings.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
