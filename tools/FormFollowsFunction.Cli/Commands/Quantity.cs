using System.Globalization;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>Counts and sizes for people: decimal prefixes for counts (4.09 GMACs), binary ones for bytes (97.70 MiB).</summary>
internal static class Quantity
{
    private static readonly (double Scale, string Prefix)[] Decimal = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    private static readonly (double Scale, string Prefix)[] Binary = [(1L << 40, "Ti"), (1L << 30, "Gi"), (1L << 20, "Mi"), (1L << 10, "Ki")];

    /// <summary>For example <c>4.09 GMACs</c>, <c>25.56 M</c> (unit empty), <c>512 FLOPs</c>.</summary>
    public static string Count(long value, string unit) => Scaled(value, unit, Decimal);

    /// <summary>For example <c>97.70 MiB</c>.</summary>
    public static string Bytes(long value) => Scaled(value, "B", Binary);

    /// <summary>Digits grouped in threes: <c>25,557,032</c>.</summary>
    public static string Exact(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Scaled(long value, string unit, (double Scale, string Prefix)[] prefixes)
    {
        foreach (var (scale, prefix) in prefixes)
            if (Math.Abs(value) >= scale)
                return $"{(value / scale).ToString("0.00", CultureInfo.InvariantCulture)} {prefix}{unit}".TrimEnd();
        return $"{value.ToString(CultureInfo.InvariantCulture)} {unit}".TrimEnd();
    }
}
