using System.Runtime.Intrinsics.X86;
using System.Text;

namespace FormFollowsFunction.Hardware.Machine;

/// <summary>The four registers one CPUID query returns.</summary>
public readonly record struct CpuidRegisters(uint Eax, uint Ebx, uint Ecx, uint Edx)
{
    public bool IsZero => (Eax | Ebx | Ecx | Edx) == 0;

    public override string ToString() => $"eax=0x{Eax:x8} ebx=0x{Ebx:x8} ecx=0x{Ecx:x8} edx=0x{Edx:x8}";
}

/// <summary>Answers CPUID queries: the processor's own (<see cref="LiveCpuid"/>) or recorded values in tests.</summary>
public interface ICpuid
{
    CpuidRegisters Query(uint leaf, uint subleaf = 0);
}

/// <summary>The CPUID instruction of the processor this runs on (x86 and x64 only).</summary>
public sealed class LiveCpuid : ICpuid
{
    private LiveCpuid() { }

    /// <summary>The processor's CPUID, or null on a processor without it (ARM, RISC-V, ...).</summary>
    public static ICpuid? OnThisProcessor { get; } = X86Base.IsSupported ? new LiveCpuid() : null;

    public CpuidRegisters Query(uint leaf, uint subleaf = 0)
    {
        var (eax, ebx, ecx, edx) = X86Base.CpuId(unchecked((int)leaf), unchecked((int)subleaf));
        return new CpuidRegisters(unchecked((uint)eax), unchecked((uint)ebx), unchecked((uint)ecx), unchecked((uint)edx));
    }
}

/// <summary>Reading strings out of CPUID registers.</summary>
public static class CpuidText
{
    /// <summary>The vendor from leaf 0 (EBX, EDX, ECX): <c>GenuineIntel</c>, <c>AuthenticAMD</c>, ...</summary>
    public static string Vendor(CpuidRegisters leaf0) => Ascii(leaf0.Ebx, leaf0.Edx, leaf0.Ecx);

    /// <summary>The hypervisor's signature from leaf 0x40000000 (EBX, ECX, EDX): <c>KVMKVMKVM</c>, <c>Microsoft Hv</c>, ...</summary>
    public static string HypervisorSignature(CpuidRegisters leaf40000000) => Ascii(leaf40000000.Ebx, leaf40000000.Ecx, leaf40000000.Edx);

    private static string Ascii(params uint[] registers)
    {
        var bytes = registers.SelectMany(BitConverter.GetBytes).ToArray();
        return Encoding.ASCII.GetString(bytes).TrimEnd('\0', ' ').Trim();
    }
}
