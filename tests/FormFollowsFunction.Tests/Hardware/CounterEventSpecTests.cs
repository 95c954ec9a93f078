using FormFollowsFunction.Hardware.Counters;

namespace FormFollowsFunction.Tests.Hardware;

public sealed class CounterEventSpecTests
{
    [Theory]
    [InlineData("instructions")]
    [InlineData("llc_load_misses")]
    [InlineData(" task_clock ")]
    [InlineData("cpu_migrations")]
    public void A_built_in_name_gives_the_catalog_event(string spec) =>
        Assert.Same(CounterEvent.Find(spec.Trim()), CounterEvent.Parse(spec));

    [Fact]
    public void A_raw_event_has_a_name_and_core_PMU_config_words()
    {
        var e = CounterEvent.Parse("raw:l3_miss=0x20d1,config1=0x3,config2=17");
        Assert.Equal("l3_miss", e.Name);
        Assert.Equal(CounterEventKind.Raw, e.Kind);
        Assert.Equal(4u, e.Type); // PERF_TYPE_RAW
        Assert.Equal(0x20d1UL, e.Config);
        Assert.Equal(3UL, e.Config1);
        Assert.Equal(17UL, e.Config2);
        Assert.Equal("PERF_TYPE_RAW config=0x20d1,config1=0x3,config2=0x11", e.Encoding);
        Assert.True(e.NeedsHardwarePmu);
    }

    [Fact]
    public void A_PMU_event_keeps_its_terms_for_sysfs_to_place()
    {
        var e = CounterEvent.Parse("pmu:cpu/event=0xd1,umask=0x20,edge,name=l3_miss/");
        Assert.Equal("l3_miss", e.Name);
        Assert.Equal(CounterEventKind.Pmu, e.Kind);
        Assert.Equal("cpu", e.PmuName);
        Assert.Equal([new PmuTerm("event", 0xd1), new PmuTerm("umask", 0x20), new PmuTerm("edge", null)], e.Terms);
    }

    [Theory]
    [InlineData("pmu:msr/tsc/", "msr_tsc")]
    [InlineData("pmu:msr/tsc", "msr_tsc")]
    [InlineData("pmu:amd_l3/event=0x4,umask=0xff/", "amd_l3_event_0x4_umask_0xff")]
    public void A_PMU_event_without_a_name_gets_one_fit_for_a_status_line(string spec, string name) =>
        Assert.Equal(name, CounterEvent.Parse(spec).Name);

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("instrucions", "is neither a built-in event")]
    [InlineData("raw:", "needs NAME=0xCONFIG")]
    [InlineData("raw:l3miss", "needs NAME=0xCONFIG")]
    [InlineData("raw:=0x20d1", "needs NAME=0xCONFIG")]
    [InlineData("raw:L3Miss=0x20d1", "use lower-case letters")]
    [InlineData("raw:l3_miss=0xZZ", "is not a number")]
    [InlineData("raw:l3_miss=0x", "is not a number")]
    [InlineData("raw:l3_miss=-1", "is not a number")]
    [InlineData("raw:l3_miss=0x1ffffffffffffffff", "at most 64 bits")]
    [InlineData("raw:l3_miss=0x20d1,umask=0x1", "unknown term 'umask'")]
    [InlineData("raw:l3_miss=0x20d1,config1=1,config1=2", "sets config1 twice")]
    [InlineData("pmu:cpu", "needs a PMU name and a '/'")]
    [InlineData("pmu:/event=1/", "needs a PMU name and a '/'")]
    [InlineData("pmu:cpu//", "has no terms")]
    [InlineData("pmu:cpu/event=1,,umask=2/", "has an empty term")]
    [InlineData("pmu:cpu/event=1/umask=2/", "more than one event")]
    [InlineData("pmu:cpu/event=1,event=2/", "sets event twice")]
    [InlineData("pmu:cpu/name=x/", "has only a name")]
    [InlineData("pmu:cpu/event=0xd1,name=L3/", "use lower-case letters")]
    [InlineData("pmu:c p u/event=1/", "characters a sysfs PMU name does not have")]
    public void A_malformed_spec_gets_a_one_line_error_naming_the_problem(string spec, string problem)
    {
        var error = Assert.Throws<CounterSpecException>(() => CounterEvent.Parse(spec));
        Assert.Contains(problem, error.Message);
        Assert.Contains($"'{spec}'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_configured_event_named_like_a_standard_one_takes_its_place()
    {
        var replacement = CounterEvent.Parse("raw:llc_load_misses=0x20d1");
        var extra = CounterEvent.Parse("raw:l3_hit=0x04d1");
        var events = CounterEvent.StandardWith([extra, replacement]);

        Assert.Equal(CounterEvent.Standard.Count + 1, events.Count);
        Assert.Same(replacement, events.Single(e => e.Name == "llc_load_misses"));
        Assert.Equal(CounterEvent.Standard.Select(e => e.Name).Append("l3_hit"), events.Select(e => e.Name));
    }

    [Fact]
    public void Configuring_one_name_twice_is_an_error()
    {
        var error = Assert.Throws<CounterSpecException>(() =>
            CounterEvent.StandardWith([CounterEvent.Parse("raw:x=1"), CounterEvent.Parse("raw:x=2")]));
        Assert.Contains("'x' is configured twice", error.Message);
    }
}
