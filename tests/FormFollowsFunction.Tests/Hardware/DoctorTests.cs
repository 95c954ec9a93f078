using System.Diagnostics;
using System.Text.Json.Nodes;
using FormFollowsFunction.Cli.Commands;
using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Hardware.Diagnosis;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Hardware;

/// <summary>The diagnosis and <c>fff doctor</c>, run for real (the program is started as a user would).</summary>
[Collection(PerfCountersCollection.Name)]
public sealed class DoctorTests
{
    private sealed class FailingSection : IDiagnosisSection
    {
        public string Title => "backends";
        public DiagnosisSection Collect() => throw new InvalidOperationException("probe crashed");
    }

    private sealed class FixedSection : IDiagnosisSection
    {
        public string Title => "backends";
        public DiagnosisSection Collect() => new("backends", ["backend", "status"], [["onnxruntime-cpu", "available"]], ["a note"]);
    }

    [Fact]
    public void Every_catalog_event_is_probed_and_each_one_that_fails_says_why_and_how_to_fix_it()
    {
        var report = HardwareDiagnosis.Run(sections: [new FixedSection(), new FailingSection()]);

        Assert.Equal(CounterEvent.Catalog.Select(e => e.Name), report.Counters.Select(c => c.Event.Name));
        Assert.All(report.Counters.Where(c => !c.Available), c =>
        {
            Assert.NotNull(c.Unavailability);
            Assert.False(string.IsNullOrWhiteSpace(c.Unavailability!.Fix));
        });
        var taskClock = report.Counters.Single(c => c.Event == CounterEvent.TaskClock);
        Assert.True(taskClock.Available);
        Assert.NotNull(report.TaskClock);
        Assert.True(report.TaskClock!.ThreadCpuMs > 0);

        Assert.Equal(["onnxruntime-cpu", "available"], report.Sections[0].Rows[0]);
        Assert.Equal("InvalidOperationException: probe crashed", report.Sections[1].Rows[0][0]); // a failing section does not fail the doctor
    }

    [Fact]
    public void The_JSON_has_every_counter_with_its_state_and_empty_values_where_not_counted()
    {
        var unavailable = new CounterUnavailability("no hardware PMU, virtual machine?", "reason text", "fix text", 2);
        var report = new DiagnosisReport(
            [
                new CounterProbeResult(CounterEvent.Instructions, CounterState.Unavailable, null, false, unavailable),
                new CounterProbeResult(CounterEvent.TaskClock, CounterState.Counted, 20_000_000, false, null),
            ],
            new TaskClockCheck(20.0, 20.1), 20.1,
            new CacheInventory([new CacheLevel(3, "Unified", 32 << 20, "sysfs")], ["a cache note"]),
            new MachineFingerprint { Hostname = "h", Caches = [new CacheLevel(3, "Unified", 32 << 20, "sysfs")], Facts = new Dictionary<string, MachineFact> { ["turbo"] = new(null, "no boost file") } },
            [new DiagnosisSection("backends", ["backend", "status"], [["ort", "available"]], [])]);

        var json = DoctorCommand.ToJson(report);

        var counters = json["counters"]!.AsArray();
        Assert.Equal("unavailable", (string?)counters[0]!["state"]);
        Assert.Null(counters[0]!["busy_loop_count"]);
        Assert.Equal("fix text", (string?)counters[0]!["fix"]);
        Assert.Equal(2, (int?)counters[0]!["errno"]);
        Assert.Equal(20_000_000.0, (double?)counters[1]!["busy_loop_count"]);
        Assert.Equal("ns", (string?)counters[1]!["unit"]);
        Assert.Equal(33554432L, (long?)json["caches"]![0]!["size_bytes"]);
        Assert.Equal(33554432L, (long?)json["machine"]!["last_level_cache_bytes"]);
        Assert.Null(json["machine"]!["facts"]!["turbo"]!["value"]);
        Assert.Equal("no boost file", (string?)json["machine"]!["facts"]!["turbo"]!["source"]);
        Assert.Equal("ort", (string?)json["sections"]![0]!["rows"]![0]!["backend"]);
    }

    [Fact]
    public void fff_doctor_json_reports_the_counters_caches_and_facts_of_this_machine()
    {
        var (code, output, _) = FffProgram.Run("doctor", "--json", "--event", "raw:l3_miss=0x20d1");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;

        var counters = json["counters"]!.AsArray().ToDictionary(c => (string)c!["event"]!);
        Assert.Equal(CounterEvent.Catalog.Count + 1, counters.Count);
        Assert.Equal("counted", (string?)counters["task_clock"]!["state"]);
        Assert.Contains((string?)counters["l3_miss"]!["state"], new[] { "counted", "unavailable" });
        Assert.Equal(MachineInspector.Inspect().Kernel, (string?)json["machine"]!["kernel"]);
        Assert.NotNull(json["machine"]!["facts"]!["perf_event_paranoid"]);
    }

    [Fact]
    public void fff_doctor_refuses_a_malformed_event_with_a_one_line_error_and_exit_code_2()
    {
        var (code, output, error) = FffProgram.Run("doctor", "--event", "raw:l3_miss=0xZZ");
        Assert.Equal(2, code);
        Assert.Empty(output);
        // One message; the CLI's error reporter lets the console wrap it at the terminal width (80 columns when redirected).
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("counter event 'raw:l3_miss=0xZZ' has l3_miss='0xZZ', which is not a number", string.Join(' ', lines));
    }
}
