using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Machine;

/// <summary>
/// Cache sizes from CPUID, for machines whose sysfs has no cache entries (many virtual machines).
/// The decoders are pure functions of recorded register values.
/// </summary>
public static class CpuidCaches
{
    public const string IntelLeaf = "cpuid 4";
    public const string AmdTopologyLeaf = "cpuid 0x8000001D";
    public const string AmdL1Leaf = "cpuid 0x80000005";
    public const string AmdL2L3Leaf = "cpuid 0x80000006";

    /// <summary>
    /// Source of an L3 size from leaf 0x80000006, which reports the processor's total L3: on a CPU with several
    /// core complexes one core can use only its own complex's share.
    /// </summary>
    public const string AmdL3TotalSource = AmdL2L3Leaf + " (processor total; may span several core complexes)";

    /// <summary>
    /// Decodes deterministic cache parameters, the layout shared by Intel leaf 4 and AMD leaf 0x8000001D:
    /// EAX[4:0] type (0 ends the list, 1 data, 2 instruction, 3 unified), EAX[7:5] level; EBX[31:22]+1 ways,
    /// EBX[21:12]+1 partitions, EBX[11:0]+1 line size; ECX+1 sets. Size = ways x partitions x line size x sets.
    /// </summary>
    public static IReadOnlyList<CacheLevel> DecodeDeterministic(IEnumerable<CpuidRegisters> subleaves, string source)
    {
        var levels = new List<CacheLevel>();
        foreach (var r in subleaves)
        {
            uint type = r.Eax & 0x1F;
            if (type == 0) break;
            string? typeName = type switch { 1 => "Data", 2 => "Instruction", 3 => "Unified", _ => null };
            if (typeName is null) continue;
            int level = (int)((r.Eax >> 5) & 0x7);
            long ways = (r.Ebx >> 22) + 1L;
            long partitions = ((r.Ebx >> 12) & 0x3FF) + 1L;
            long lineSize = (r.Ebx & 0xFFF) + 1L;
            long sets = r.Ecx + 1L;
            levels.Add(new CacheLevel(level, typeName, ways * partitions * lineSize * sets, source));
        }
        return CacheInventory.Ordered(levels);
    }

    /// <summary>AMD leaf 0x80000005: L1 data size in ECX[31:24] KiB, L1 instruction size in EDX[31:24] KiB.</summary>
    public static IReadOnlyList<CacheLevel> DecodeAmdL1(CpuidRegisters leaf80000005)
    {
        var levels = new List<CacheLevel>();
        uint dataKiB = leaf80000005.Ecx >> 24, instructionKiB = leaf80000005.Edx >> 24;
        if (dataKiB > 0) levels.Add(new CacheLevel(1, "Data", dataKiB * 1024L, AmdL1Leaf));
        if (instructionKiB > 0) levels.Add(new CacheLevel(1, "Instruction", instructionKiB * 1024L, AmdL1Leaf));
        return levels;
    }

    /// <summary>AMD leaf 0x80000006: L2 size in ECX[31:16] KiB; L3 size in EDX[31:18] units of 512 KiB (0: no L3).</summary>
    public static IReadOnlyList<CacheLevel> DecodeAmdL2L3(CpuidRegisters leaf80000006)
    {
        var levels = new List<CacheLevel>();
        uint l2KiB = leaf80000006.Ecx >> 16, l3Units = leaf80000006.Edx >> 18;
        if (l2KiB > 0) levels.Add(new CacheLevel(2, "Unified", l2KiB * 1024L, AmdL2L3Leaf));
        if (l3Units > 0) levels.Add(new CacheLevel(3, "Unified", l3Units * 512L * 1024, AmdL3TotalSource));
        return levels;
    }

    /// <summary>
    /// Asks the processor: Intel-style leaf 4 (not on AMD, where it is reserved), then AMD's leaf 0x8000001D,
    /// then AMD's older leaves 0x80000005 and 0x80000006. Leaves a hypervisor answers with zeros are skipped.
    /// </summary>
    public static CacheInventory Discover(ICpuid cpuid)
    {
        var leaf0 = cpuid.Query(0);
        string vendor = CpuidText.Vendor(leaf0);
        bool amd = vendor is "AuthenticAMD" or "HygonGenuine";
        uint maxBasic = leaf0.Eax, maxExtended = cpuid.Query(0x8000_0000).Eax;
        var notes = new List<string>();

        if (!amd && maxBasic >= 4)
        {
            var levels = DecodeDeterministic(Subleaves(cpuid, 4), IntelLeaf);
            if (levels.Count > 0) return new CacheInventory(levels, notes);
            notes.Add("cpuid leaf 4 lists no caches (a hypervisor may hide them)");
        }
        if (maxExtended >= 0x8000_001D)
        {
            var levels = DecodeDeterministic(Subleaves(cpuid, 0x8000_001D), AmdTopologyLeaf);
            if (levels.Count > 0) return new CacheInventory(levels, notes);
            if (amd) notes.Add("cpuid leaf 0x8000001D lists no caches (a hypervisor may hide them)");
        }
        if (maxExtended >= 0x8000_0006)
        {
            var levels = new List<CacheLevel>();
            if (maxExtended >= 0x8000_0005 && amd) levels.AddRange(DecodeAmdL1(cpuid.Query(0x8000_0005)));
            levels.AddRange(DecodeAmdL2L3(cpuid.Query(0x8000_0006)));
            if (levels.Count > 0)
            {
                if (levels.Any(l => l.Source == AmdL3TotalSource))
                    notes.Add("the L3 size from cpuid 0x80000006 is the processor's total; on a CPU with several core complexes a core uses only its complex's share");
                return new CacheInventory(CacheInventory.Ordered(levels), notes);
            }
        }
        notes.Add($"CPUID ({vendor}) reports no cache sizes");
        return new CacheInventory([], notes);
    }

    // Sub-leaves until the one whose type field is 0; 16 is more cache levels than any CPU has.
    private static IEnumerable<CpuidRegisters> Subleaves(ICpuid cpuid, uint leaf)
    {
        for (uint sub = 0; sub < 16; sub++)
        {
            var r = cpuid.Query(leaf, sub);
            yield return r;
            if ((r.Eax & 0x1F) == 0) yield break;
        }
    }
}
