using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Machine;

/// <summary>The cache levels found, and notes on where they came from and what to keep in mind about them.</summary>
public sealed record CacheInventory(IReadOnlyList<CacheLevel> Levels, IReadOnlyList<string> Notes)
{
    public static CacheInventory None(params string[] notes) => new([], notes);

    /// <summary>Sorted by level, then data, instruction, unified: L1d, L1i, L2, L3.</summary>
    internal static IReadOnlyList<CacheLevel> Ordered(IEnumerable<CacheLevel> levels) =>
        levels.OrderBy(c => c.Level).ThenBy(c => c.Type switch { "Data" => 0, "Instruction" => 1, _ => 2 }).ToList();
}
