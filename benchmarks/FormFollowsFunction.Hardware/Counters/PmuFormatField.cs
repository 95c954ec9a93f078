using System.Globalization;

namespace FormFollowsFunction.Hardware.Counters;

/// <summary>
/// Where a PMU term's value goes, from a sysfs <c>format/&lt;term&gt;</c> file such as <c>config:0-7</c>,
/// <c>config:0-7,32-35</c> or <c>config1:0-63</c>: the config word and its bit ranges, low bits of the value
/// filling the first range.
/// </summary>
public sealed record PmuFormatField(string Word, IReadOnlyList<(int Low, int High)> Ranges)
{
    public int Width => Ranges.Sum(r => r.High - r.Low + 1);

    /// <summary>Parses a format file's text; throws <see cref="FormatException"/> with the reason when malformed.</summary>
    public static PmuFormatField Parse(string text)
    {
        string trimmed = text.Trim();
        int colon = trimmed.IndexOf(':');
        if (colon <= 0) throw new FormatException($"'{trimmed}' has no 'configN:' prefix");
        string word = trimmed[..colon];
        if (word is not ("config" or "config1" or "config2" or "config3"))
            throw new FormatException($"'{trimmed}' names config word '{word}'; expected config, config1, config2 or config3");
        var ranges = new List<(int, int)>();
        foreach (var part in trimmed[(colon + 1)..].Split(','))
        {
            var bounds = part.Split('-');
            if (bounds.Length is < 1 or > 2 || !bounds.All(b => int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new FormatException($"'{trimmed}' has bit range '{part}'; expected N or N-M");
            int low = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            int high = bounds.Length == 2 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : low;
            if (low > high || high > 63) throw new FormatException($"'{trimmed}' has bit range '{part}' outside 0-63 or reversed");
            ranges.Add((low, high));
        }
        return new PmuFormatField(word, ranges);
    }

    /// <summary>The value's bits spread over the ranges, or null when the value is wider than the field.</summary>
    public ulong? Place(ulong value)
    {
        if (Width < 64 && value >> Width != 0) return null;
        ulong placed = 0;
        int consumed = 0;
        foreach (var (low, high) in Ranges)
        {
            int width = high - low + 1;
            ulong mask = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
            placed |= ((value >> consumed) & mask) << low;
            consumed += width;
        }
        return placed;
    }
}
