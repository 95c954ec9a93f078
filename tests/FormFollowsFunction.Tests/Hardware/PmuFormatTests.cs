using FormFollowsFunction.Hardware.Counters;

using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>sysfs PMU format files and event aliases, read from sample folders laid out as the kernel does.</summary>
public sealed class PmuFormatTests
{
    [Theory]
    // format file, value -> (word, placed bits)
    [InlineData("config:0-7", 0xd1UL, "config", 0xd1UL)]
    [InlineData("config:8-15\n", 0x20UL, "config", 0x2000UL)]
    [InlineData("config:21", 1UL, "config", 1UL << 21)]
    [InlineData("config1:0-63", ulong.MaxValue, "config1", ulong.MaxValue)]
    // AMD's 12-bit event select: low 8 bits at 0-7, high 4 bits at 32-35.
    [InlineData("config:0-7,32-35", 0x1d4UL, "config", 0xd4UL | (0x1UL << 32))]
    public void A_term_value_is_spread_over_its_bit_ranges(string format, ulong value, string word, ulong placed)
    {
        var field = PmuFormatField.Parse(format);
        Assert.Equal(word, field.Word);
        Assert.Equal(placed, field.Place(value));
    }

    [Fact]
    public void A_value_wider_than_its_field_does_not_fit()
    {
        Assert.Null(PmuFormatField.Parse("config:8-15").Place(0x100));
        Assert.Null(PmuFormatField.Parse("config:21").Place(2));
        Assert.Equal(12, PmuFormatField.Parse("config:0-7,32-35").Width);
    }

    [Theory]
    [InlineData("0-7")]
    [InlineData("config4:0-7")]
    [InlineData("config:7-0")]
    [InlineData("config:0-64")]
    [InlineData("config:a-b")]
    public void A_malformed_format_file_is_refused(string format) =>
        Assert.Throws<FormatException>(() => PmuFormatField.Parse(format));

    private static TemporaryFolder IntelLikeSysfs()
    {
        var sysfs = new TemporaryFolder();
        sysfs.Write("cpu/type", "4\n");
        sysfs.Write("cpu/format/event", "config:0-7\n");
        sysfs.Write("cpu/format/umask", "config:8-15\n");
        sysfs.Write("cpu/format/edge", "config:18\n");
        sysfs.Write("cpu/format/cmask", "config:24-31\n");
        sysfs.Write("cpu/format/ldlat", "config1:0-15\n");
        sysfs.Write("cpu/events/mem-loads", "event=0xcd,umask=0x1,ldlat=3\n");
        sysfs.Write("cpu/events/cache-misses", "event=0x2e,umask=0x41\n");
        sysfs.Write("msr/type", "9\n");
        sysfs.Write("msr/format/event", "config:0-63\n");
        sysfs.Write("msr/events/tsc", "event=0x00\n");
        sysfs.Write("software/type", "1\n");
        return sysfs;
    }

    [Fact]
    public void Terms_are_placed_by_the_PMUs_format_and_the_type_comes_from_sysfs()
    {
        using var sysfs = IntelLikeSysfs();
        var sources = new EventSources(sysfs.Path);
        var (encoding, problem) = sources.Resolve(CounterEvent.Parse("pmu:cpu/event=0xd1,umask=0x20,edge,cmask=2,name=l3_miss/"));

        Assert.Null(problem);
        Assert.Equal(4u, encoding!.Value.Type);
        Assert.Equal(0xd1UL | (0x20UL << 8) | (1UL << 18) | (2UL << 24), encoding.Value.Config);
    }

    [Fact]
    public void An_alias_from_the_events_folder_expands_to_its_terms()
    {
        using var sysfs = IntelLikeSysfs();
        var sources = new EventSources(sysfs.Path);

        var (loads, _) = sources.Resolve(CounterEvent.Parse("pmu:cpu/mem-loads/"));
        Assert.Equal(0xcdUL | (0x1UL << 8), loads!.Value.Config);
        Assert.Equal(3UL, loads.Value.Config1);

        var (tsc, _) = sources.Resolve(CounterEvent.Parse("pmu:msr/tsc/"));
        Assert.Equal(new EventEncoding(9, 0, 0, 0), tsc);
    }

    [Fact]
    public void Config_words_may_be_given_directly()
    {
        using var sysfs = IntelLikeSysfs();
        var (encoding, _) = new EventSources(sysfs.Path).Resolve(CounterEvent.Parse("pmu:cpu/config=0x20d1,config1=0x7/"));
        Assert.Equal(new EventEncoding(4, 0x20d1, 0x7, 0), encoding);
    }

    [Fact]
    public void An_unknown_term_is_reported_with_the_terms_and_events_the_PMU_has()
    {
        using var sysfs = IntelLikeSysfs();
        var (encoding, problem) = new EventSources(sysfs.Path).Resolve(CounterEvent.Parse("pmu:cpu/event=0xd1,umsk=0x20/"));
        Assert.Null(encoding);
        Assert.Equal("bad term for PMU cpu", problem!.Summary);
        Assert.Contains("no term or event 'umsk'", problem.Reason);
        Assert.Contains("umask", problem.Reason);
        Assert.Contains("mem-loads", problem.Reason);
    }

    [Fact]
    public void A_value_too_wide_for_its_term_is_reported()
    {
        using var sysfs = IntelLikeSysfs();
        var (_, problem) = new EventSources(sysfs.Path).Resolve(CounterEvent.Parse("pmu:cpu/event=0x1d1/"));
        Assert.Contains("event=0x1d1 does not fit the term's 8 bits", problem!.Reason);
    }

    [Fact]
    public void An_absent_PMU_is_reported_with_the_PMUs_present()
    {
        using var sysfs = IntelLikeSysfs();
        var (_, problem) = new EventSources(sysfs.Path).Resolve(CounterEvent.Parse("pmu:amd_l3/event=0x4,umask=0xff/"));
        Assert.Equal("PMU amd_l3 absent", problem!.Summary);
        Assert.Contains("cpu, msr, software", problem.Reason);
    }

    [Fact]
    public void A_core_PMU_is_recognised_by_its_name()
    {
        using var withCpu = IntelLikeSysfs();
        Assert.True(new EventSources(withCpu.Path).HasHardwarePmu);

        using var virtualMachine = new TemporaryFolder();
        foreach (var name in new[] { "breakpoint", "msr", "software", "tracepoint", "uprobe" }) virtualMachine.Write($"{name}/type", "1");
        Assert.False(new EventSources(virtualMachine.Path).HasHardwarePmu);
        Assert.Equal(["breakpoint", "msr", "software", "tracepoint", "uprobe"], new EventSources(virtualMachine.Path).PmuNames);

        Assert.True(EventSources.IsCorePmu("armv8_pmuv3_0"));
        Assert.True(EventSources.IsCorePmu("cpu_core"));
        Assert.False(EventSources.IsCorePmu("amd_l3"));
        Assert.Empty(new EventSources(Path.Combine(virtualMachine.Path, "missing")).PmuNames);
    }
}
