using System.Globalization;
using System.Runtime.InteropServices;

namespace FormFollowsFunction.Benchmarks.Profiling;

/// <summary>
/// Faults in heap memory for ONNX Runtime's profiler before a profiled session runs, so that the event
/// records it keeps until <c>EndProfiling</c> are written into pages already mapped instead of growing
/// the heap, a page fault at a time, in the middle of the kernels it times.
/// </summary>
/// <remarks>
/// <para>The profiler builds three events per node and run (the kernel time and two fences, each with
/// its argument strings) and keeps them all. On the 2-core build VM the profiled runs of darts-d8-w0.5
/// at 128 px took about 100 minor page faults each (the unprofiled runs none, the same network at 17 px
/// 3), and the profiled kernel times exceeded the unprofiled run by 4.0–10.7 µs per node at 128 px
/// against 2.1–3.4 µs at 17 px: what looked like the profiler slowing the kernels in proportion to their
/// work was the heap growing under them. With this much heap faulted in and freed first, the faults
/// fell to 0–1 per run and the excess per node was the same at both resolutions (3.0 and 3.2 µs at one
/// thread; 5.7–6.4 and 6.1–6.2 µs at two). docs/benchmarks.md has the runs.</para>
/// <para>The blocks are freed again at once; glibc keeps them in the heap only while its trim threshold
/// is above their total, which the workers' malloc tunables (<c>malloc_tunables</c>) see to. The
/// profiling worker counts the faults of its profiled runs (<see cref="MinorFaults"/>) and reports them,
/// so a run without the tunables shows it.</para>
/// </remarks>
public static class ProfilerHeap
{
    /// <summary>Heap faulted in per node and profiled run: more than twice the 1.7 KB the profiler took per node and run on darts-d8-w0.5.</summary>
    public const int BytesPerNodeRun = 4096;

    public const long MinimumBytes = 16L << 20;

    /// <summary>Each block is below glibc's smallest mmap threshold (128 KiB), so it is carved from the heap rather than mapped apart.</summary>
    private const int BlockBytes = 64 << 10;

    private const int PageBytes = 4096;

    /// <summary>
    /// The heap to fault in for a session of <paramref name="nodes"/> nodes profiled for <paramref name="runs"/>
    /// runs: the events, and each run's activations (every node's output, <c>NetworkCounts.ActivationBytes</c>)
    /// once more, since ONNX Runtime allocates a run's activation block anew every run and the events
    /// allocated meanwhile can keep the last one's place from being reused.
    /// </summary>
    public static long BytesFor(int nodes, long activationBytes, int runs) =>
        Math.Max(MinimumBytes, runs * ((long)nodes * BytesPerNodeRun + activationBytes));

    /// <summary>Allocates <paramref name="bytes"/> of heap in small blocks, writes every page, and frees them all.</summary>
    public static unsafe void Prepare(long bytes)
    {
        var blocks = new List<nint>((int)(bytes / BlockBytes) + 1);
        try
        {
            for (long done = 0; done < bytes; done += BlockBytes)
            {
                byte* block = (byte*)NativeMemory.Alloc(BlockBytes);
                blocks.Add((nint)block);
                for (int page = 0; page < BlockBytes; page += PageBytes) block[page] = 1;
            }
        }
        finally
        {
            foreach (nint block in blocks) NativeMemory.Free((void*)block);
        }
    }

    /// <summary>The process's minor page faults so far (<c>/proc/self/stat</c>, field 10); null where that file cannot be read.</summary>
    public static long? MinorFaults()
    {
        try
        {
            return ParseMinorFaults(File.ReadAllText("/proc/self/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Field 10 (<c>minflt</c>) of a <c>/proc/PID/stat</c> line; the command name in parentheses may hold spaces, so fields are counted after its closing parenthesis.</summary>
    public static long ParseMinorFaults(string stat)
    {
        int close = stat.LastIndexOf(')');
        if (close < 0) throw new FormatException("not a /proc/PID/stat line: no command name in parentheses");
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // After the name: state (3), ppid, pgrp, session, tty_nr, tpgid, flags, minflt (10).
        if (fields.Length < 8) throw new FormatException("not a /proc/PID/stat line: fewer than 10 fields");
        return long.Parse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
