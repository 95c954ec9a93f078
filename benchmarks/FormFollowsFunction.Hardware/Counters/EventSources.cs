using System.Globalization;

namespace FormFollowsFunction.Hardware.Counters;

/// <summary>The perf_event_attr fields of an event once its PMU is known.</summary>
internal readonly record struct EventEncoding(uint Type, ulong Config, ulong Config1, ulong Config2);

/// <summary>
/// The PMUs the kernel offers, from <c>/sys/bus/event_source/devices</c>: one folder per PMU with its
/// <c>type</c> number (perf_event_attr.type), <c>format/</c> (where each term's bits go) and <c>events/</c>
/// (named aliases). Also answers whether there is a core hardware PMU at all.
/// </summary>
public sealed class EventSources(string directory)
{
    public static EventSources Local { get; } = new("/sys/bus/event_source/devices");

    public string Directory { get; } = directory;

    /// <summary>The PMU names, sorted; empty when the folder is missing.</summary>
    public IReadOnlyList<string> PmuNames =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateDirectories(Directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>
    /// The CPU's own counting unit: <c>cpu</c> (x86, RISC-V, POWER), <c>cpu_core</c>/<c>cpu_atom</c> (hybrid Intel),
    /// <c>armv8_*</c>/<c>armv7_*</c> (ARM), <c>cpum_cf</c> (s390). Without one, generic hardware events cannot be counted.
    /// </summary>
    public static bool IsCorePmu(string name) =>
        name is "cpu" or "cpu_core" or "cpu_atom" or "cpum_cf" || name.StartsWith("armv", StringComparison.Ordinal);

    public bool HasHardwarePmu => PmuNames.Any(IsCorePmu);

    /// <summary>Resolves a <see cref="CounterEventKind.Pmu"/> event to its encoding, or says why it cannot be.</summary>
    internal (EventEncoding? Encoding, CounterUnavailability? Problem) Resolve(CounterEvent counterEvent)
    {
        string pmu = counterEvent.PmuName ?? throw new ArgumentException($"{counterEvent.Name} is not a PMU event");
        string folder = Path.Combine(Directory, pmu);
        string typeFile = Path.Combine(folder, "type");
        if (!File.Exists(typeFile)) return (null, CounterUnavailability.PmuAbsent(pmu, PmuNames));
        if (!uint.TryParse(File.ReadAllText(typeFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint type))
            return (null, CounterUnavailability.BadPmuTerm(pmu, $"{typeFile} does not hold a PMU type number"));

        var words = new Dictionary<string, ulong> { ["config"] = 0, ["config1"] = 0, ["config2"] = 0 };
        var assigned = new HashSet<string>();
        var terms = Expand(folder, pmu, counterEvent.Terms, out var expandProblem);
        if (expandProblem is not null) return (null, expandProblem);
        foreach (var term in terms)
        {
            if (!assigned.Add(term.Key))
                return (null, CounterUnavailability.BadPmuTerm(pmu, $"term '{term.Key}' is set twice (once through an event alias?)"));
            if (term.Key is "config" or "config1" or "config2")
            {
                words[term.Key] |= term.Value ?? 1;
                continue;
            }
            string formatFile = Path.Combine(folder, "format", term.Key);
            if (!File.Exists(formatFile))
                return (null, CounterUnavailability.BadPmuTerm(pmu,
                    $"PMU {pmu} has no term or event '{term.Key}' (terms: {List(Path.Combine(folder, "format"))}; events: {List(Path.Combine(folder, "events"))})"));
            PmuFormatField field;
            try
            {
                field = PmuFormatField.Parse(File.ReadAllText(formatFile));
            }
            catch (FormatException e)
            {
                return (null, CounterUnavailability.BadPmuTerm(pmu, $"{formatFile}: {e.Message}"));
            }
            ulong value = term.Value ?? 1;
            if (field.Place(value) is not { } placed)
                return (null, CounterUnavailability.BadPmuTerm(pmu, $"{term.Key}=0x{value:x} does not fit the term's {field.Width} bits"));
            if (field.Word == "config3")
                return (null, CounterUnavailability.BadPmuTerm(pmu, $"term '{term.Key}' lives in config3, which this program does not pass to the kernel"));
            words[field.Word] |= placed;
        }
        return (new EventEncoding(type, words["config"], words["config1"], words["config2"]), null);
    }

    // Replaces bare names that are event aliases (events/<name> holds "event=0x..,umask=0x..") by their terms.
    private static List<PmuTerm> Expand(string folder, string pmu, IReadOnlyList<PmuTerm> terms, out CounterUnavailability? problem)
    {
        problem = null;
        var expanded = new List<PmuTerm>();
        foreach (var term in terms)
        {
            string alias = Path.Combine(folder, "events", term.Key);
            if (term.Value is not null || !File.Exists(alias))
            {
                expanded.Add(term);
                continue;
            }
            foreach (var part in File.ReadAllText(alias).Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int equals = part.IndexOf('=');
                string key = equals < 0 ? part : part[..equals];
                if (key == "period") continue; // a sampling hint; counting ignores it
                try
                {
                    expanded.Add(new PmuTerm(key, equals < 0 ? null : CounterEventSpec.ParseNumber(alias, key, part[(equals + 1)..])));
                }
                catch (CounterSpecException)
                {
                    problem = CounterUnavailability.BadPmuTerm(pmu, $"event alias {alias} holds '{part}', which this program cannot read");
                    return expanded;
                }
            }
        }
        return expanded;
    }

    private static string List(string folder) =>
        System.IO.Directory.Exists(folder)
            ? string.Join(", ", System.IO.Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(20))
            : "none";
}
