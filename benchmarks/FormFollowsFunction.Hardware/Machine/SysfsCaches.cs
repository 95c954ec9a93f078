using System.Globalization;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Machine;

/// <summary>
/// Cache levels from a CPU's sysfs cache folder (<c>/sys/devices/system/cpu/cpu0/cache</c>): one
/// <c>index*</c> folder per cache with <c>level</c>, <c>type</c> (Data, Instruction, Unified) and
/// <c>size</c> (<c>32K</c>). The sizes are those the CPU can use, so an L3 shared by a core complex shows
/// that complex's share.
/// </summary>
public static class SysfsCaches
{
    public const string Source = "sysfs";

    /// <summary>The caches in the folder; empty when it is missing or holds no readable entry.</summary>
    public static IReadOnlyList<CacheLevel> Read(string cacheDirectory)
    {
        if (!Directory.Exists(cacheDirectory)) return [];
        var levels = new List<CacheLevel>();
        foreach (var index in Directory.EnumerateDirectories(cacheDirectory, "index*"))
        {
            string? level = ReadLine(Path.Combine(index, "level"));
            string? type = ReadLine(Path.Combine(index, "type"));
            string? size = ReadLine(Path.Combine(index, "size"));
            if (level is null || type is null || size is null) continue;
            if (!int.TryParse(level, NumberStyles.None, CultureInfo.InvariantCulture, out int levelNumber)) continue;
            if (ParseSize(size) is not { } bytes) continue;
            levels.Add(new CacheLevel(levelNumber, type, bytes, Source));
        }
        return CacheInventory.Ordered(levels);
    }

    /// <summary>A sysfs size: <c>32K</c>, <c>2048K</c>, <c>32M</c>, or plain bytes.</summary>
    public static long? ParseSize(string text)
    {
        string t = text.Trim();
        long multiplier = 1;
        if (t.Length > 0 && char.ToUpperInvariant(t[^1]) is 'K' or 'M' or 'G')
        {
            multiplier = char.ToUpperInvariant(t[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
            t = t[..^1];
        }
        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value * multiplier : null;
    }

    private static string? ReadLine(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;
}
