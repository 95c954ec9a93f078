using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FormFollowsFunction.Hardware.Roofline;

/// <summary>
/// STREAM's triad, a[i] = b[i] + s × c[i], on float32 arrays: the memory roof of the roofline. Bytes are
/// counted as STREAM counts them, 3 arrays × 4 bytes × n (two reads and one write; the write-allocate
/// read of a that most caches add is not counted, so the figure is what a program can use, not what the bus moved).
/// </summary>
public sealed class StreamTriad
{
    public const float Scalar = 3.0f;

    private readonly float[] _a, _b, _c;

    /// <param name="length">Elements of each array.</param>
    public StreamTriad(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        _a = GC.AllocateUninitializedArray<float>(length);
        _b = GC.AllocateUninitializedArray<float>(length);
        _c = GC.AllocateUninitializedArray<float>(length);
    }

    public int Length => _a.Length;

    /// <summary>The bytes one triad pass is credited with: 3 × 4 × n.</summary>
    public double BytesPerPass => 3.0 * sizeof(float) * Length;

    /// <summary>The element at <paramref name="index"/> of a, for checking the arithmetic.</summary>
    public float A(int index) => _a[index];

    /// <summary>The part of the arrays that thread <paramref name="part"/> of <paramref name="parts"/> works on, in whole vectors but the last.</summary>
    public (int Start, int Length) Chunk(int part, int parts)
    {
        int vector = Vector<float>.Count;
        long perPart = ((long)Length / parts + vector - 1) / vector * vector;
        long start = Math.Min(Length, perPart * part);
        long end = part == parts - 1 ? Length : Math.Min(Length, start + perPart);
        return ((int)start, (int)(end - start));
    }

    /// <summary>
    /// Writes the chunk's initial values (a = 1, b = 2, c = 0.5, as STREAM has them up to scale). Run by
    /// the thread that will work on the chunk, so that its pages are placed on that thread's memory node.
    /// </summary>
    public void Initialise(int part, int parts)
    {
        var (start, length) = Chunk(part, parts);
        _a.AsSpan(start, length).Fill(1.0f);
        _b.AsSpan(start, length).Fill(2.0f);
        _c.AsSpan(start, length).Fill(0.5f);
    }

    /// <summary>One triad pass over the chunk of thread <paramref name="part"/> of <paramref name="parts"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int part, int parts)
    {
        var (start, length) = Chunk(part, parts);
        var a = _a.AsSpan(start, length);
        var b = _b.AsSpan(start, length);
        var c = _c.AsSpan(start, length);
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var vc = MemoryMarshal.Cast<float, Vector<float>>(c);
        var s = new Vector<float>(Scalar);
        for (int i = 0; i < va.Length; i++) va[i] = vb[i] + s * vc[i];
        for (int i = va.Length * Vector<float>.Count; i < length; i++) a[i] = b[i] + Scalar * c[i];
    }
}
