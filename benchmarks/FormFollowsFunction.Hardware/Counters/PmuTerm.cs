namespace FormFollowsFunction.Hardware.Counters;

/// <summary>
/// One term of a PMU event: <c>umask=0x20</c>, or a bare name (<c>tsc</c>, <c>edge</c>) that is either an
/// event alias from the PMU's sysfs <c>events/</c> folder or a one-bit format field set to 1.
/// </summary>
public sealed record PmuTerm(string Key, ulong? Value)
{
    public override string ToString() => Value is { } v ? $"{Key}=0x{v:x}" : Key;
}
