namespace FormFollowsFunction.Hardware.Machine;

/// <summary>
/// <c>/proc/cpuinfo</c>: one block of <c>key : value</c> lines per logical processor (x86 and ARM alike),
/// ARM adding a last block for the whole machine.
/// </summary>
public sealed class ProcCpuInfo
{
    private ProcCpuInfo(IReadOnlyList<IReadOnlyDictionary<string, string>> processors, IReadOnlyDictionary<string, string> machine)
    {
        Processors = processors;
        Machine = machine;
    }

    /// <summary>The blocks that describe a logical processor (they have a <c>processor</c> line).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Processors { get; }

    /// <summary>Lines outside any processor block (ARM's <c>Hardware</c>, <c>Revision</c>, ...).</summary>
    public IReadOnlyDictionary<string, string> Machine { get; }

    public static ProcCpuInfo Parse(string text)
    {
        var processors = new List<IReadOnlyDictionary<string, string>>();
        var machine = new Dictionary<string, string>();
        foreach (var block in text.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in block.Split('\n'))
            {
                int colon = line.IndexOf(':');
                if (colon <= 0) continue;
                fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
            if (fields.ContainsKey("processor")) processors.Add(fields);
            else foreach (var (k, v) in fields) machine.TryAdd(k, v);
        }
        return new ProcCpuInfo(processors, machine);
    }

    private string? First(params string[] keys) =>
        keys.Select(k => Processors.Select(p => p.GetValueOrDefault(k)).FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? Machine.GetValueOrDefault(k))
            .FirstOrDefault(v => !string.IsNullOrEmpty(v));

    public int LogicalProcessors => Processors.Count;

    /// <summary>
    /// The model: x86 <c>model name</c>, POWER <c>cpu</c>, MIPS <c>cpu model</c>; ARM has no model line, so
    /// its implementer and part codes stand in.
    /// </summary>
    public string? ModelName
    {
        get
        {
            if (First("model name", "Model name", "cpu model", "cpu", "Hardware") is { } name) return name;
            if (First("CPU implementer") is { } implementer && First("CPU part") is { } part)
                return $"ARM implementer {implementer} part {part}";
            return null;
        }
    }

    public string? Vendor => First("vendor_id");

    public string? Microcode => First("microcode");

    /// <summary>Whether the x86 feature flags include <c>hypervisor</c> (set by every common hypervisor); null without x86 flags.</summary>
    public bool? HypervisorFlag => First("flags") is { } flags ? flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("hypervisor") : null;

    /// <summary>Distinct (physical id, core id) pairs, or null when some processor lacks either line (ARM, some VMs).</summary>
    public int? PhysicalCoresFromIds
    {
        get
        {
            if (Processors.Count == 0 || Processors.Any(p => !p.ContainsKey("physical id") || !p.ContainsKey("core id"))) return null;
            return Processors.Select(p => (p["physical id"], p["core id"])).Distinct().Count();
        }
    }
}
