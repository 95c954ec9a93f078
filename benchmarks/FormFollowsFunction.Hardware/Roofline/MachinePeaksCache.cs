using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Roofline;

/// <summary>Peaks as a caller gets them: measured now or read from the cache, and the cache file.</summary>
public sealed record CachedPeaks(MachinePeaks Peaks, bool FromCache, string File, string? CacheProblem);

/// <summary>
/// The roofline probe's results per machine, one JSON file per fingerprint key in a per-user cache
/// folder (<c>$XDG_CACHE_HOME/fff</c>, else <c>~/.cache/fff</c>), so that a run probes a machine once
/// and later runs reuse it. A file is used when its probe version is this program's and it has every
/// thread count asked for; otherwise all its thread counts and the new ones are probed again, so that a
/// file always holds one probe. <c>FFF_REPROBE=1</c> (or <c>fff doctor --reprobe</c>) probes again.
/// </summary>
public sealed class MachinePeaksCache(string directory)
{
    public const string ReprobeVariable = "FFF_REPROBE";

    public string Directory { get; } = directory;

    /// <summary><c>$XDG_CACHE_HOME/fff</c>, else <c>~/.cache/fff</c>.</summary>
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "fff");

    public static MachinePeaksCache Default => new(DefaultDirectory);

    /// <summary>Whether <c>FFF_REPROBE</c> asks for a fresh probe (any value but empty, 0 or false).</summary>
    public static bool ReprobeRequested =>
        Environment.GetEnvironmentVariable(ReprobeVariable) is { Length: > 0 } v && v != "0" && !v.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The hash of the facts that decide the peaks: processor, cores, memory, kernel, caches and the
    /// frequency policy (governor, turbo, SMT, microcode). The hostname is part of it: two hosts of
    /// one model are two machines, as they are for <c>fff compare</c>.
    /// </summary>
    public static string KeyOf(MachineFingerprint machine)
    {
        var text = new StringBuilder()
            .AppendJoin('\n', machine.Hostname, machine.CpuModel, machine.LogicalCores, machine.PhysicalCores, machine.MemoryBytes,
                machine.Kernel, machine.Architecture)
            .Append('\n').AppendJoin('\n', machine.Caches.Select(c => string.Create(CultureInfo.InvariantCulture, $"L{c.Level} {c.Type} {c.SizeBytes}")));
        foreach (var name in new[] { "governor", "turbo", "smt", "microcode" })
            text.Append('\n').Append(name).Append('=').Append(machine.Facts.GetValueOrDefault(name)?.Value ?? "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    public string FileOf(MachineFingerprint machine) => Path.Combine(Directory, $"machine-peaks-{KeyOf(machine)}.json");

    /// <summary>The cached peaks of <paramref name="machine"/> if they are usable for <paramref name="threadCounts"/>, else null.</summary>
    public MachinePeaks? Read(MachineFingerprint machine, IReadOnlyList<int> threadCounts)
    {
        string file = FileOf(machine);
        if (!File.Exists(file)) return null;
        MachinePeaks? peaks;
        try
        {
            peaks = JsonSerializer.Deserialize<MachinePeaks>(File.ReadAllText(file), RunManifest.JsonOptions);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null; // unreadable or torn: probed again and overwritten
        }
        if (peaks is null || peaks.ProbeVersion != MachinePeaksProbe.Version || peaks.FingerprintKey != KeyOf(machine)) return null;
        return threadCounts.All(t => peaks.At(t) is not null) ? peaks : null;
    }

    /// <summary>
    /// The peaks of <paramref name="machine"/> at <paramref name="threadCounts"/>: from the cache when it has
    /// them and <paramref name="refresh"/> is false, else from <paramref name="probe"/> (given every thread
    /// count to measure) and written to the cache. A cache that cannot be written is reported, not fatal.
    /// </summary>
    public CachedPeaks GetOrProbe(MachineFingerprint machine, IReadOnlyList<int> threadCounts, bool refresh, Func<IReadOnlyList<int>, MachinePeaks> probe)
    {
        string file = FileOf(machine);
        if (!refresh && Read(machine, threadCounts) is { } cached) return new CachedPeaks(cached, FromCache: true, file, null);

        var earlier = refresh ? null : Read(machine, []);
        var wanted = threadCounts.Concat(earlier?.ByThreads.Select(p => p.Threads) ?? []).Distinct().Order().ToList();
        var peaks = probe(wanted) with { FingerprintKey = KeyOf(machine) };
        string? problem = null;
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            string temporary = $"{file}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(peaks, RunManifest.JsonOptions));
            File.Move(temporary, file, overwrite: true); // readers see the old file or the new one, never half of one
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"the peaks were not cached ({e.Message}); set XDG_CACHE_HOME to a writable folder";
        }
        return new CachedPeaks(peaks, FromCache: false, file, problem);
    }

    /// <summary>The peaks of this machine at <paramref name="threadCounts"/> with the default probe, through the default cache.</summary>
    public static CachedPeaks ForThisMachine(MachineFingerprint machine, IReadOnlyList<int> threadCounts, bool refresh = false) =>
        Default.GetOrProbe(machine, [.. threadCounts.Append(1).Distinct().Order()], refresh || ReprobeRequested,
            counts => MachinePeaksProbe.Run(machine, new MachinePeaksProbeSettings { ThreadCounts = counts }));
}
