using System.Globalization;
using System.Text.RegularExpressions;
using FormFollowsFunction.Hardware.Machine;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Hardware.Roofline;

/// <summary>
/// The processor's theoretical float32 FMA peak, physical cores × frequency × FMA units × lanes × 2.
/// The frequency is the highest the kernel reports (cpufreq's cpuinfo_max_freq, a single-core turbo
/// that all cores rarely hold, less still with AVX-512), else the current one of /proc/cpuinfo, else the
/// nominal one in the model name. The FMA units per core are not reported anywhere: 2 are assumed (Intel
/// since Haswell on the server parts, AMD since Zen; some Xeon Silver and client parts have one 512-bit
/// unit), except that AMD Zen 4 (family 25 with AVX-512) issues a 512-bit FMA as two 256-bit halves on
/// its two 256-bit units, which is one 512-bit FMA per cycle.
/// </summary>
public static partial class TheoreticalFmaPeak
{
    public const int AssumedFmaUnits = 2;

    public static TheoreticalPeak Compute(int cores, (double? Ghz, string Source) frequency, int lanes, (int Count, string Why)? fmaUnits = null)
    {
        var (units, why) = fmaUnits ?? (AssumedFmaUnits, "not reported by the processor");
        var assumptions = new List<string>
        {
            $"{units} FMA unit(s) per core of the probe's width ({why})",
            $"{lanes} float32 lanes per FMA (the probe's instruction set)",
            "every physical core at that frequency at once (turbo and AVX frequency licences make the real all-core figure lower)",
        };
        double? gflops = frequency.Ghz is { } ghz ? cores * ghz * units * lanes * 2 : null;
        return new TheoreticalPeak(gflops, cores, frequency.Ghz, frequency.Source, units, lanes, assumptions);
    }

    /// <summary>The FMA units per core at <paramref name="lanes"/> float32 lanes, from the vendor and family of /proc/cpuinfo.</summary>
    public static (int Count, string Why) FmaUnits(string procCpuInfo, int lanes)
    {
        var first = ProcCpuInfo.Parse(procCpuInfo).Processors.FirstOrDefault();
        if (lanes == 16 && first?.GetValueOrDefault("vendor_id") == "AuthenticAMD" && first.GetValueOrDefault("cpu family") == "25")
            return (1, "AMD Zen 4 (family 25): a 512-bit FMA takes both 256-bit units");
        return (AssumedFmaUnits, "assumed: not reported by the processor");
    }

    /// <summary>This machine's theoretical peak for <paramref name="lanes"/> lanes.</summary>
    public static TheoreticalPeak Local(int cores, int lanes)
    {
        const string maxFreq = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
        string cpuInfo = ReadOrNull("/proc/cpuinfo") ?? "";
        return Compute(cores, Frequency(ReadOrNull(maxFreq), cpuInfo), lanes, FmaUnits(cpuInfo, lanes));
    }

    /// <summary>The frequency in GHz and where it came from, or null and why not.</summary>
    /// <param name="cpuinfoMaxFreqKhz">The text of cpufreq's cpuinfo_max_freq (kHz), or null when absent.</param>
    /// <param name="procCpuInfo">The text of /proc/cpuinfo.</param>
    public static (double? Ghz, string Source) Frequency(string? cpuinfoMaxFreqKhz, string procCpuInfo)
    {
        if (cpuinfoMaxFreqKhz is not null && double.TryParse(cpuinfoMaxFreqKhz.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double khz) && khz > 0)
            return (khz / 1e6, "cpufreq cpuinfo_max_freq (the highest turbo frequency)");
        var info = ProcCpuInfo.Parse(procCpuInfo);
        if (info.Processors.FirstOrDefault()?.GetValueOrDefault("cpu MHz") is { } mhzText
            && double.TryParse(mhzText, NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz) && mhz > 0)
            return (mhz / 1e3, "/proc/cpuinfo cpu MHz (the frequency when read; no cpufreq driver, as in most virtual machines)");
        if (info.ModelName is { } model && NominalFrequency().Match(model) is { Success: true } match)
            return (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), "the nominal frequency in the model name");
        return (null, "unknown: no cpufreq, no cpu MHz line in /proc/cpuinfo, no frequency in the model name");
    }

    [GeneratedRegex(@"@\s*([0-9]+(?:\.[0-9]+)?)\s*GHz", RegexOptions.IgnoreCase)]
    private static partial Regex NominalFrequency();

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
