namespace FormFollowsFunction.Hardware.Counters;

/// <summary>A counter event spec that cannot be parsed; the message names the problem and shows the expected form.</summary>
public sealed class CounterSpecException(string message) : Exception(message);
