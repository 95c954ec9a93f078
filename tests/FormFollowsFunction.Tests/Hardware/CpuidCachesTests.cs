using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Tests.Hardware;

public sealed class CpuidCachesTests
{
    private const long KiB = 1024, MiB = 1024 * 1024;

    [Fact]
    public void Intel_leaf_4_enumerates_every_level()
    {
        var inventory = CpuidCaches.Discover(RecordedCpuid.XeonGold6252);
        Assert.Equal(
        [
            new CacheLevel(1, "Data", 32 * KiB, "cpuid 4"),
            new CacheLevel(1, "Instruction", 32 * KiB, "cpuid 4"),
            new CacheLevel(2, "Unified", 1 * MiB, "cpuid 4"),
            new CacheLevel(3, "Unified", 37486592, "cpuid 4"), // 11 ways x 64 B x 53248 sets
        ], inventory.Levels);
        Assert.Empty(inventory.Notes);
    }

    [Fact]
    public void AMD_leaf_0x8000001D_gives_the_L3_of_one_core_complex()
    {
        var inventory = CpuidCaches.Discover(RecordedCpuid.RyzenMatisse);
        Assert.Equal(
        [
            new CacheLevel(1, "Data", 32 * KiB, "cpuid 0x8000001D"),
            new CacheLevel(1, "Instruction", 32 * KiB, "cpuid 0x8000001D"),
            new CacheLevel(2, "Unified", 512 * KiB, "cpuid 0x8000001D"),
            new CacheLevel(3, "Unified", 16 * MiB, "cpuid 0x8000001D"),
        ], inventory.Levels);
    }

    [Fact]
    public void AMD_leaf_0x80000006_gives_the_processors_total_L3()
    {
        // The same Ryzen: two complexes of 16 MB make the 32 MB this older leaf reports.
        var l2l3 = CpuidCaches.DecodeAmdL2L3(RecordedCpuid.RyzenMatisse.Query(0x80000006));
        Assert.Equal([new CacheLevel(2, "Unified", 512 * KiB, "cpuid 0x80000006"), new CacheLevel(3, "Unified", 32 * MiB, CpuidCaches.AmdL3TotalSource)], l2l3);
        Assert.Equal([new CacheLevel(1, "Data", 32 * KiB, "cpuid 0x80000005"), new CacheLevel(1, "Instruction", 32 * KiB, "cpuid 0x80000005")],
            CpuidCaches.DecodeAmdL1(RecordedCpuid.RyzenMatisse.Query(0x80000005)));
    }

    [Fact]
    public void When_a_hypervisor_zeroes_leaf_0x8000001D_the_older_AMD_leaves_are_used_and_the_choice_noted()
    {
        var inventory = CpuidCaches.Discover(RecordedCpuid.EpycVirtualMachine);
        Assert.Equal(
        [
            new CacheLevel(1, "Data", 48 * KiB, "cpuid 0x80000005"),
            new CacheLevel(1, "Instruction", 32 * KiB, "cpuid 0x80000005"),
            new CacheLevel(2, "Unified", 1 * MiB, "cpuid 0x80000006"),
            new CacheLevel(3, "Unified", 508 * MiB, CpuidCaches.AmdL3TotalSource), // EDX[31:18] = 1016 units of 512 KiB
        ], inventory.Levels);
        Assert.Contains(inventory.Notes, n => n.Contains("0x8000001D lists no caches"));
        Assert.Contains(inventory.Notes, n => n.Contains("processor's total"));
    }

    [Fact]
    public void Deterministic_parameters_stop_at_the_first_null_entry()
    {
        var subleaves = new[] { new CpuidRegisters(0x00004121, 0x01c0003f, 0x3f, 0), new CpuidRegisters(0, 0, 0, 0), new CpuidRegisters(0x00004143, 0x01c0003f, 0x3ff, 0) };
        Assert.Single(CpuidCaches.DecodeDeterministic(subleaves, "test"));
    }

    [Fact]
    public void A_processor_that_reports_no_cache_says_so()
    {
        var empty = new RecordedCpuid(new() { [(0, 0)] = new CpuidRegisters(0xd, 0x68747541, 0x444d4163, 0x69746e65) });
        var inventory = CpuidCaches.Discover(empty);
        Assert.Empty(inventory.Levels);
        Assert.Contains("CPUID (AuthenticAMD) reports no cache sizes", inventory.Notes);
    }

    [Fact]
    public void Vendor_and_hypervisor_strings_are_read_from_the_registers()
    {
        Assert.Equal("GenuineIntel", CpuidText.Vendor(RecordedCpuid.XeonGold6252.Query(0)));
        Assert.Equal("AuthenticAMD", CpuidText.Vendor(RecordedCpuid.RyzenMatisse.Query(0)));
        Assert.Equal("bhyve bhyve", CpuidText.HypervisorSignature(RecordedCpuid.EpycVirtualMachine.Query(0x40000000)));
    }
}
