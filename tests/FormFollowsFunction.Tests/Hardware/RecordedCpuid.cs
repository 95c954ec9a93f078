using FormFollowsFunction.Hardware.Machine;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>CPUID answers recorded on real processors; leaves not recorded answer zeros, as reserved leaves do.</summary>
internal sealed class RecordedCpuid(Dictionary<(uint Leaf, uint Subleaf), CpuidRegisters> values) : ICpuid
{
    public CpuidRegisters Query(uint leaf, uint subleaf = 0) => values.GetValueOrDefault((leaf, subleaf));

    private static CpuidRegisters R(uint eax, uint ebx, uint ecx, uint edx) => new(eax, ebx, ecx, edx);

    /// <summary>
    /// Intel Xeon Gold 6252 (Cascade Lake), as dumped by cpuid(1) and published in the rust-cpuid test suite
    /// (src/tests/xeon_gold_6252.rs); the dump's own decoding gives 32 KB L1d/L1i, 1 MB L2, 37486592 B L3.
    /// </summary>
    public static RecordedCpuid XeonGold6252 { get; } = new(new()
    {
        [(0, 0)] = R(0x00000016, 0x756e6547, 0x6c65746e, 0x49656e69), // "GenuineIntel"
        [(4, 0)] = R(0x7c004121, 0x01c0003f, 0x0000003f, 0x00000000),
        [(4, 1)] = R(0x7c004122, 0x01c0003f, 0x0000003f, 0x00000000),
        [(4, 2)] = R(0x7c004143, 0x03c0003f, 0x000003ff, 0x00000000),
        [(4, 3)] = R(0x7c0fc163, 0x0280003f, 0x0000cfff, 0x00000005),
        [(0x80000000, 0)] = R(0x80000008, 0, 0, 0),
        [(0x80000006, 0)] = R(0x00000000, 0x00000000, 0x01006040, 0x00000000),
    });

    /// <summary>
    /// AMD Ryzen 5 3600X (Matisse, Zen 2), as published in the rust-cpuid test suite (src/tests/ryzen_matisse.rs):
    /// two core complexes of 16 MB L3 each.
    /// </summary>
    public static RecordedCpuid RyzenMatisse { get; } = new(new()
    {
        [(0, 0)] = R(0x00000010, 0x68747541, 0x444d4163, 0x69746e65), // "AuthenticAMD"
        [(0x80000000, 0)] = R(0x80000020, 0x68747541, 0x444d4163, 0x69746e65),
        [(0x80000005, 0)] = R(0xff40ff40, 0xff40ff40, 0x20080140, 0x20080140),
        [(0x80000006, 0)] = R(0x48006400, 0x68006400, 0x02006140, 0x01009140),
        [(0x8000001D, 0)] = R(0x00004121, 0x01c0003f, 0x0000003f, 0x00000000),
        [(0x8000001D, 1)] = R(0x00004122, 0x01c0003f, 0x0000003f, 0x00000000),
        [(0x8000001D, 2)] = R(0x00004143, 0x01c0003f, 0x000003ff, 0x00000002),
        [(0x8000001D, 3)] = R(0x00014163, 0x03c0003f, 0x00003fff, 0x00000001),
    });

    /// <summary>
    /// This project's build machines (a virtual machine on an "AMD EPYC", family 26), recorded 2026 with
    /// __cpuid_count: leaf 0x8000001D answers zeros, the hypervisor signature is "bhyve bhyve ".
    /// </summary>
    public static RecordedCpuid EpycVirtualMachine { get; } = new(new()
    {
        [(0, 0)] = R(0x0000000d, 0x68747541, 0x444d4163, 0x69746e65),
        [(1, 0)] = R(0x00b00f21, 0x30fe0800, 0xfed83203, 0x178bfbff),
        [(0x40000000, 0)] = R(0x40000000, 0x76796862, 0x68622065, 0x20657679),
        [(0x80000000, 0)] = R(0x80000021, 0x68747541, 0x444d4163, 0x69746e65),
        [(0x80000005, 0)] = R(0xff60ff40, 0xff60ff40, 0x300c0140, 0x20080140),
        [(0x80000006, 0)] = R(0x40802040, 0x60804040, 0x04006140, 0x0fe09140),
    });
}
