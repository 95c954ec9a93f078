namespace FormFollowsFunction.Tests.Benchmarks;

/// <summary>A clock that only moves when told to: an "inference" advances it by a scripted latency.</summary>
internal sealed class ScriptedClock : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => 1_000_000_000; // nanoseconds

    public override long GetTimestamp() => _ticks;

    public void Advance(double milliseconds) => _ticks += (long)Math.Round(milliseconds * 1_000_000);
}
