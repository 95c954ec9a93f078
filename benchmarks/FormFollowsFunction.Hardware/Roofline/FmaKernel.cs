using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FormFollowsFunction.Hardware.Roofline;

/// <summary>The vector instruction sets the FMA loop can run on, widest first.</summary>
public enum FmaInstructionSet
{
    /// <summary>AVX-512F: 512-bit FMA, 16 float32 lanes.</summary>
    Avx512F,

    /// <summary>FMA3 on 256-bit AVX registers, 8 float32 lanes.</summary>
    FmaVector256,

    /// <summary>128-bit vectors, 4 float32 lanes: a fused multiply-add where the processor has one (ARM64 AdvSimd, x86 FMA), else a multiply and an add.</summary>
    Vector128,
}

/// <summary>
/// A loop of independent float32 fused multiply-adds, the compute roof of the roofline. Twelve
/// accumulators hide the FMA latency (4 to 5 cycles with 2 FMA pipes needs at least 8 in flight on
/// current x86 cores) and still fit with the two constants in the 16 vector registers of AVX2.
/// Each step is x = x × m + a with m just below 1, whose fixed point is a / (1 - m) = 1: the values
/// stay of order one, never denormal nor overflowing, whatever the iteration count.
/// </summary>
public static class FmaKernel
{
    public const int Accumulators = 12;

    /// <summary>The widest instruction set this processor runs.</summary>
    public static FmaInstructionSet Widest =>
        Avx512F.IsSupported ? FmaInstructionSet.Avx512F
        : Fma.IsSupported && Avx.IsSupported ? FmaInstructionSet.FmaVector256
        : FmaInstructionSet.Vector128;

    public static bool IsSupported(FmaInstructionSet set) => set switch
    {
        FmaInstructionSet.Avx512F => Avx512F.IsSupported,
        FmaInstructionSet.FmaVector256 => Fma.IsSupported && Avx.IsSupported,
        _ => true,
    };

    public static int Lanes(FmaInstructionSet set) => set switch
    {
        FmaInstructionSet.Avx512F => 16,
        FmaInstructionSet.FmaVector256 => 8,
        _ => 4,
    };

    /// <summary>The name recorded with the peaks.</summary>
    public static string Name(FmaInstructionSet set) => set switch
    {
        FmaInstructionSet.Avx512F => "avx512f",
        FmaInstructionSet.FmaVector256 => "fma-vector256",
        _ => "vector128",
    };

    /// <summary>Floating-point operations of <paramref name="iterations"/> steps: accumulators × lanes × 2 (an FMA is a multiply and an add).</summary>
    public static double Flops(FmaInstructionSet set, long iterations) => (double)iterations * Accumulators * Lanes(set) * 2;

    /// <summary>Runs <paramref name="iterations"/> steps and returns the sum of the accumulators (so that the loop cannot be removed).</summary>
    public static float Run(FmaInstructionSet set, long iterations) => set switch
    {
        FmaInstructionSet.Avx512F => RunAvx512(iterations),
        FmaInstructionSet.FmaVector256 => RunFma256(iterations),
        _ => RunVector128(iterations),
    };

    private const float Multiplier = 0.999_999f, Addend = 1e-6f;

    // AggressiveOptimization: the loop is compiled fully optimised at once, never at tier 0, where the
    // accumulators would live on the stack and the first tries would measure the JIT, not the processor.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float RunAvx512(long iterations)
    {
        var m = Vector512.Create(Multiplier);
        var a = Vector512.Create(Addend);
        Vector512<float> x0 = Vector512<float>.One, x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (long i = 0; i < iterations; i++)
        {
            x0 = Avx512F.FusedMultiplyAdd(x0, m, a);
            x1 = Avx512F.FusedMultiplyAdd(x1, m, a);
            x2 = Avx512F.FusedMultiplyAdd(x2, m, a);
            x3 = Avx512F.FusedMultiplyAdd(x3, m, a);
            x4 = Avx512F.FusedMultiplyAdd(x4, m, a);
            x5 = Avx512F.FusedMultiplyAdd(x5, m, a);
            x6 = Avx512F.FusedMultiplyAdd(x6, m, a);
            x7 = Avx512F.FusedMultiplyAdd(x7, m, a);
            x8 = Avx512F.FusedMultiplyAdd(x8, m, a);
            x9 = Avx512F.FusedMultiplyAdd(x9, m, a);
            x10 = Avx512F.FusedMultiplyAdd(x10, m, a);
            x11 = Avx512F.FusedMultiplyAdd(x11, m, a);
        }
        return Vector512.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float RunFma256(long iterations)
    {
        var m = Vector256.Create(Multiplier);
        var a = Vector256.Create(Addend);
        Vector256<float> x0 = Vector256<float>.One, x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (long i = 0; i < iterations; i++)
        {
            x0 = Fma.MultiplyAdd(x0, m, a);
            x1 = Fma.MultiplyAdd(x1, m, a);
            x2 = Fma.MultiplyAdd(x2, m, a);
            x3 = Fma.MultiplyAdd(x3, m, a);
            x4 = Fma.MultiplyAdd(x4, m, a);
            x5 = Fma.MultiplyAdd(x5, m, a);
            x6 = Fma.MultiplyAdd(x6, m, a);
            x7 = Fma.MultiplyAdd(x7, m, a);
            x8 = Fma.MultiplyAdd(x8, m, a);
            x9 = Fma.MultiplyAdd(x9, m, a);
            x10 = Fma.MultiplyAdd(x10, m, a);
            x11 = Fma.MultiplyAdd(x11, m, a);
        }
        return Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float RunVector128(long iterations)
    {
        var m = Vector128.Create(Multiplier);
        var a = Vector128.Create(Addend);
        Vector128<float> x0 = Vector128<float>.One, x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (long i = 0; i < iterations; i++)
        {
            x0 = Vector128.MultiplyAddEstimate(x0, m, a);
            x1 = Vector128.MultiplyAddEstimate(x1, m, a);
            x2 = Vector128.MultiplyAddEstimate(x2, m, a);
            x3 = Vector128.MultiplyAddEstimate(x3, m, a);
            x4 = Vector128.MultiplyAddEstimate(x4, m, a);
            x5 = Vector128.MultiplyAddEstimate(x5, m, a);
            x6 = Vector128.MultiplyAddEstimate(x6, m, a);
            x7 = Vector128.MultiplyAddEstimate(x7, m, a);
            x8 = Vector128.MultiplyAddEstimate(x8, m, a);
            x9 = Vector128.MultiplyAddEstimate(x9, m, a);
            x10 = Vector128.MultiplyAddEstimate(x10, m, a);
            x11 = Vector128.MultiplyAddEstimate(x11, m, a);
        }
        return Vector128.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }
}
