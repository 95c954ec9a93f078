using System.Runtime.InteropServices;
using FormFollowsFunction.Benchmarks.Profiling;

namespace FormFollowsFunction.Tests.Profiling;

public sealed class ProfilerHeapTests
{
    [Fact]
    public void The_minor_fault_count_is_field_ten_counted_after_a_command_name_with_spaces_and_parentheses()
    {
        const string stat = "4242 (dotnet (x) y) S 1 4242 4242 0 -1 4194560 81234 0 12 0 40 7 0 0 20 0 23 0";

        Assert.Equal(81234, ProfilerHeap.ParseMinorFaults(stat));
    }

    [Fact]
    public void A_line_that_is_not_a_stat_line_is_refused() =>
        Assert.Throws<FormatException>(() => ProfilerHeap.ParseMinorFaults("no parentheses here"));

    [Fact]
    public void Writing_freshly_mapped_pages_raises_this_processs_minor_fault_count()
    {
        // 64 MiB is above every mmap threshold glibc uses, so the block is a fresh mapping whose pages fault on first write.
        const int bytes = 64 << 20;
        nint block = Marshal.AllocHGlobal(bytes);
        try
        {
            long? before = ProfilerHeap.MinorFaults();
            for (int page = 0; page < bytes; page += 4096) Marshal.WriteByte(block, page, 1);
            long? after = ProfilerHeap.MinorFaults();

            Assert.NotNull(before);
            Assert.True(after > before, $"{before} faults before writing 64 MiB of new pages, {after} after");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }

    [Fact]
    public void The_heap_faulted_in_grows_with_the_events_the_profiler_will_keep_above_a_floor()
    {
        Assert.Equal(ProfilerHeap.MinimumBytes, ProfilerHeap.BytesFor(nodes: 10, activationBytes: 4096, runs: 23));
        Assert.Equal(23 * (235L * ProfilerHeap.BytesPerNodeRun + 3_000_000), ProfilerHeap.BytesFor(nodes: 235, activationBytes: 3_000_000, runs: 23));
    }
}
