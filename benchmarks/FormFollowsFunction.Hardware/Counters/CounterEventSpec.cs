using System.Globalization;
using FormFollowsFunction.Hardware.Counters.Native;

namespace FormFollowsFunction.Hardware.Counters;

/// <summary>
/// The text syntax for counter events in configuration and on the command line:
/// <list type="bullet">
/// <item><c>instructions</c>, <c>llc_load_misses</c>, ...: a built-in event by name (see <see cref="CounterEvent.Catalog"/>).</item>
/// <item><c>raw:NAME=0xCONFIG[,config1=0x..][,config2=0x..]</c>: a CPU-specific event code for the core PMU
/// (PERF_TYPE_RAW), for example Intel MEM_LOAD_RETIRED.L3_MISS <c>raw:l3_miss=0x20d1</c>.</item>
/// <item><c>pmu:PMU/TERM=VALUE,...[,name=NAME]/</c>: an event of a PMU listed in /sys/bus/event_source/devices,
/// with terms as <c>perf list --details</c> prints them (<c>pmu:cpu/event=0xd1,umask=0x20,name=l3_miss/</c>) or an
/// alias from the PMU's <c>events/</c> folder (<c>pmu:msr/tsc/</c>). The PMU type and the bit layout of each term
/// are read from sysfs when the event is opened.</item>
/// </list>
/// Numbers are hexadecimal with <c>0x</c> or decimal. Names are lower-case letters, digits and underscores;
/// a configured event named like a built-in one replaces it and fills its results column.
/// </summary>
public static class CounterEventSpec
{
    private const string RawForm = "raw:NAME=0xCONFIG[,config1=0x..][,config2=0x..]";
    private const string PmuForm = "pmu:PMU/TERM=VALUE,...[,name=NAME]/";

    public static CounterEvent Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string text = spec.Trim();
        if (text.Length == 0) throw Error(spec, "is empty");
        if (text.StartsWith("raw:", StringComparison.Ordinal)) return ParseRaw(spec, text["raw:".Length..]);
        if (text.StartsWith("pmu:", StringComparison.Ordinal)) return ParsePmu(spec, text["pmu:".Length..]);
        if (CounterEvent.Find(text) is { } builtIn) return builtIn;
        throw Error(spec, $"is neither a built-in event ({string.Join(", ", CounterEvent.Catalog.Select(e => e.Name))}) nor of the form {RawForm} or {PmuForm}");
    }

    private static CounterEvent ParseRaw(string spec, string body)
    {
        var parts = body.Split(',');
        var (name, configText) = SplitTerm(spec, parts[0], $"needs NAME=0xCONFIG after 'raw:' ({RawForm})");
        RequireName(spec, name);
        ulong config = ParseNumber(spec, name, configText);
        ulong config1 = 0, config2 = 0;
        var seen = new HashSet<string>();
        foreach (var part in parts.Skip(1))
        {
            var (key, valueText) = SplitTerm(spec, part, $"has '{part}' where config1=0x.. or config2=0x.. belongs ({RawForm})");
            if (!seen.Add(key)) throw Error(spec, $"sets {key} twice");
            ulong value = ParseNumber(spec, key, valueText);
            switch (key)
            {
                case "config1": config1 = value; break;
                case "config2": config2 = value; break;
                default: throw Error(spec, $"has unknown term '{key}'; a raw event takes only config1 and config2 after its code ({RawForm})");
            }
        }
        return new CounterEvent(name, CounterEventKind.Raw, $"raw core-PMU event 0x{config:x}", PerfType.Raw, config, config1, config2, spec: spec.Trim());
    }

    private static CounterEvent ParsePmu(string spec, string body)
    {
        int slash = body.IndexOf('/');
        if (slash <= 0) throw Error(spec, $"needs a PMU name and a '/' after 'pmu:' ({PmuForm})");
        string pmu = body[..slash];
        if (!pmu.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            throw Error(spec, $"has PMU name '{pmu}' with characters a sysfs PMU name does not have");
        string termsText = body[(slash + 1)..];
        if (termsText.EndsWith('/')) termsText = termsText[..^1];
        if (termsText.Contains('/')) throw Error(spec, $"has more than one event; write one event per spec ({PmuForm})");
        if (termsText.Length == 0) throw Error(spec, $"has no terms between the slashes ({PmuForm})");

        string? name = null;
        var terms = new List<PmuTerm>();
        foreach (var part in termsText.Split(','))
        {
            if (part.Length == 0) throw Error(spec, "has an empty term (two commas in a row?)");
            int equals = part.IndexOf('=');
            string key = equals < 0 ? part : part[..equals];
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
                throw Error(spec, $"has term '{part}' with no valid name");
            if (key == "name")
            {
                if (name is not null) throw Error(spec, "sets name twice");
                name = equals < 0 ? "" : part[(equals + 1)..];
                RequireName(spec, name);
                continue;
            }
            if (terms.Any(t => t.Key == key)) throw Error(spec, $"sets {key} twice");
            terms.Add(new PmuTerm(key, equals < 0 ? null : ParseNumber(spec, key, part[(equals + 1)..])));
        }
        if (terms.Count == 0) throw Error(spec, $"has only a name and no event terms ({PmuForm})");
        name ??= DerivedName(pmu, terms);
        return new CounterEvent(name, CounterEventKind.Pmu, $"event of PMU {pmu}", type: 0, config: 0, pmu: pmu, terms: terms, spec: spec.Trim());
    }

    // A name fit for a status line and a column: "msr/tsc/" -> "msr_tsc".
    private static string DerivedName(string pmu, IEnumerable<PmuTerm> terms)
    {
        string raw = $"{pmu}_{string.Join('_', terms.Select(t => t.Value is { } v ? $"{t.Key}_0x{v:x}" : t.Key))}".ToLowerInvariant();
        var chars = raw.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        return string.Join('_', new string(chars).Split('_', StringSplitOptions.RemoveEmptyEntries));
    }

    private static (string Key, string Value) SplitTerm(string spec, string part, string problem)
    {
        int equals = part.IndexOf('=');
        if (equals <= 0 || equals == part.Length - 1) throw Error(spec, problem);
        return (part[..equals].Trim(), part[(equals + 1)..].Trim());
    }

    private static void RequireName(string spec, string name)
    {
        if (name.Length == 0 || !char.IsAsciiLetterLower(name[0]) || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            throw Error(spec, $"has event name '{name}'; use lower-case letters, digits and underscores, starting with a letter");
    }

    internal static ulong ParseNumber(string spec, string key, string text)
    {
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value) && text.Length > 2
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok) throw Error(spec, $"has {key}='{text}', which is not a number (write hexadecimal as 0x1f or decimal as 31, at most 64 bits)");
        return value;
    }

    private static CounterSpecException Error(string spec, string problem) => new($"counter event '{spec}' {problem}");
}
