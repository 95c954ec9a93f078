using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FormFollowsFunction.Hardware.Counters;
using FormFollowsFunction.Hardware.Diagnosis;
using FormFollowsFunction.Results;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary><c>fff doctor</c>: what this machine can measure, and how to fix what it cannot.</summary>
internal sealed class DoctorCommand : Command<DoctorCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Write the diagnosis as JSON to standard output.")]
        public bool Json { get; init; }

        [CommandOption("--event <SPEC>")]
        [Description("Also probe this counter event (repeatable): raw:NAME=0xCONFIG or pmu:PMU/TERM=VALUE,.../ (docs/counters.md).")]
        public string[] Events { get; init; } = [];

        [CommandOption("--reprobe")]
        [Description("Measure the machine's FMA peak and memory bandwidth again instead of reading them from the per-user cache (docs/benchmarks.md, Roofline).")]
        public bool Reprobe { get; init; }
    }

    /// <summary>
    /// EXTENSION POINT: sections after the hardware ones, probed and printed generically (a table each, and
    /// an entry under "sections" in the JSON).
    /// </summary>
    internal static IReadOnlyList<IDiagnosisSection> Sections { get; } = [new BackendsDiagnosis()];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var extra = settings.Events.Select(CounterEvent.Parse).ToList();

        var report = HardwareDiagnosis.Run(extra, [new MachinePeaksDiagnosis(settings.Reprobe), new CoreLatencyDiagnosis(), .. Sections]);
        if (settings.Json)
            ConsoleOutput.Standard.Profile.Out.Writer.WriteLine(ToJson(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else
            Render(ConsoleOutput.Standard, report);
        return 0;
    }

    private static string Count(CounterProbeResult r) => r.BusyLoopCount switch
    {
        null => "",
        { } ns when r.Event == CounterEvent.TaskClock => $"{ns / 1e6:F2} ms",
        { } v => v.ToString("N0", CultureInfo.InvariantCulture),
    };

    private static string State(CounterProbeResult r) => r.State switch
    {
        CounterState.Counted when r.UserSpaceOnly => "counts (user space only)",
        CounterState.Counted => "counts",
        CounterState.NotCounted => "not counted",
        _ => "unavailable",
    };

    internal static string Size(long bytes) =>
        bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes / 1024.0:0.#} KiB";

    private static void Render(IAnsiConsole console, DiagnosisReport report)
    {
        var counters = new Table().Title($"[bold]Counters[/] (a {report.BusyLoopMs:F0} ms busy loop on one thread)")
            .AddColumns("event", "status", "busy-loop count", "why not");
        foreach (var r in report.Counters)
        {
            string status = r.Available ? $"[green]{State(r)}[/]" : $"[red]{State(r)}[/]";
            string why = r.Unavailability?.Summary ?? (r.State == CounterState.NotCounted ? "never scheduled on a counter" : "");
            counters.AddRow(Markup.Escape(r.Event.Name), status, Count(r), Markup.Escape(why));
        }
        console.Write(counters);
        // Each distinct reason once, with its fix, rather than repeated on every row.
        foreach (var group in report.Counters.Where(r => r.Unavailability is not null).GroupBy(r => r.Unavailability!.Summary))
        {
            var why = group.First().Unavailability!;
            console.MarkupLine($"[red]{Markup.Escape(why.Summary)}[/] ({Markup.Escape(string.Join(", ", group.Select(r => r.Event.Name)))}): {Markup.Escape(why.Reason)}");
            console.MarkupLine($"  [bold]fix:[/] {Markup.Escape(why.Fix)}");
        }
        if (report.TaskClock is { } check)
            console.MarkupLine(Markup.Escape($"task-clock check: task-clock {check.TaskClockMs:F3} ms vs thread CPU time (clock_gettime) {check.ThreadCpuMs:F3} ms, difference {check.RelativeDifference:+0.00%;-0.00%}"));
        int available = report.Counters.Count(r => r.Available);
        console.MarkupLine(Markup.Escape($"{available} of {report.Counters.Count} events count here; results rows record the rest as empty with the reason in counters_status."));
        console.WriteLine();

        var caches = new Table().Title("[bold]Caches[/]").AddColumns("level", "type", "size", "source");
        foreach (var c in report.Caches.Levels)
            caches.AddRow($"L{c.Level}", c.Type, Size(c.SizeBytes), Markup.Escape(c.Source));
        if (report.Caches.Levels.Count == 0) caches.AddRow("", "", "unknown", "");
        console.Write(caches);
        foreach (var note in report.Caches.Notes) console.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
        console.WriteLine();

        var m = report.Machine;
        var machine = new Table().Title("[bold]Machine[/]").AddColumns("property", "value", "source");
        void Row(string name, string? value, string source) =>
            machine.AddRow(name, value is null ? "[grey]unknown[/]" : Markup.Escape(value), Markup.Escape(source));
        Row("hostname", m.Hostname, "/proc/sys/kernel/hostname");
        Row("cpu", m.CpuModel, "/proc/cpuinfo");
        Row("logical cores", m.LogicalCores.ToString(CultureInfo.InvariantCulture), "/proc/cpuinfo");
        Row("memory", $"{m.MemoryBytes / (double)(1L << 30):F1} GiB", "/proc/meminfo (MemTotal)");
        Row("os", m.Os, "/etc/os-release");
        Row("kernel", m.Kernel, "/proc/sys/kernel/osrelease");
        Row("architecture", m.Architecture, "process architecture");
        foreach (var (name, fact) in m.Facts.OrderBy(f => f.Key, StringComparer.Ordinal))
            Row(name, fact.Value, fact.Source);
        console.Write(machine);

        foreach (var section in report.Sections)
        {
            console.WriteLine();
            var table = new Table().Title($"[bold]{Markup.Escape(section.Title)}[/]");
            foreach (var column in section.Columns) table.AddColumn(Markup.Escape(column));
            foreach (var row in section.Rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            console.Write(table);
            foreach (var note in section.Notes) console.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
        }
    }

    internal static JsonObject ToJson(DiagnosisReport report)
    {
        var m = report.Machine;
        var counters = new JsonArray();
        foreach (var r in report.Counters)
        {
            counters.Add(new JsonObject
            {
                ["event"] = r.Event.Name,
                ["spec"] = r.Event.Spec,
                ["encoding"] = r.Event.Encoding,
                ["state"] = r.State.ToString().ToLowerInvariant(),
                ["user_space_only"] = r.UserSpaceOnly,
                ["busy_loop_count"] = r.BusyLoopCount,
                ["unit"] = r.Event == CounterEvent.TaskClock ? "ns" : "events",
                ["summary"] = r.Unavailability?.Summary,
                ["reason"] = r.Unavailability?.Reason,
                ["fix"] = r.Unavailability?.Fix,
                ["errno"] = r.Unavailability?.Errno,
            });
        }
        var facts = new JsonObject();
        foreach (var (name, fact) in m.Facts.OrderBy(f => f.Key, StringComparer.Ordinal))
            facts[name] = new JsonObject { ["value"] = fact.Value, ["source"] = fact.Source };
        var caches = new JsonArray();
        foreach (var c in report.Caches.Levels)
            caches.Add(new JsonObject { ["level"] = c.Level, ["type"] = c.Type, ["size_bytes"] = c.SizeBytes, ["source"] = c.Source });
        var sections = new JsonArray();
        foreach (var s in report.Sections)
        {
            var rows = new JsonArray();
            foreach (var row in s.Rows)
            {
                var o = new JsonObject();
                for (int i = 0; i < s.Columns.Count && i < row.Count; i++) o[s.Columns[i]] = row[i];
                rows.Add(o);
            }
            sections.Add(new JsonObject { ["title"] = s.Title, ["rows"] = rows, ["notes"] = new JsonArray(s.Notes.Select(n => (JsonNode?)n).ToArray()) });
        }
        return new JsonObject
        {
            ["counters"] = counters,
            ["busy_loop_ms"] = report.BusyLoopMs,
            ["task_clock_check"] = report.TaskClock is { } t
                ? new JsonObject { ["task_clock_ms"] = t.TaskClockMs, ["thread_cpu_ms"] = t.ThreadCpuMs, ["relative_difference"] = t.RelativeDifference }
                : null,
            ["caches"] = caches,
            ["cache_notes"] = new JsonArray(report.Caches.Notes.Select(n => (JsonNode?)n).ToArray()),
            ["machine"] = new JsonObject
            {
                ["hostname"] = m.Hostname,
                ["cpu_model"] = m.CpuModel,
                ["logical_cores"] = m.LogicalCores,
                ["physical_cores"] = m.PhysicalCores,
                ["memory_bytes"] = m.MemoryBytes,
                ["os"] = m.Os,
                ["kernel"] = m.Kernel,
                ["architecture"] = m.Architecture,
                ["last_level_cache_bytes"] = m.LastLevelCacheBytes,
                ["facts"] = facts,
            },
            ["sections"] = sections,
        };
    }
}
