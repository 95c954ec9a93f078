using System.Globalization;

namespace FormFollowsFunction.Hardware.Machine;

/// <summary>The kernel's CPU (or node) list syntax: <c>0-3,8-11</c>, <c>0</c>, <c>0,2,4</c>.</summary>
public static class CpuList
{
    /// <summary>How many numbers the list names; null when malformed.</summary>
    public static int? Count(string text) => Parse(text)?.Count;

    /// <summary>The numbers the list names, in the list's order; null when malformed.</summary>
    public static IReadOnlyList<int>? Parse(string text)
    {
        string t = text.Trim();
        if (t.Length == 0) return [];
        var numbers = new List<int>();
        foreach (var part in t.Split(','))
        {
            var bounds = part.Split('-');
            if (bounds.Length is < 1 or > 2) return null;
            if (!int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out int low)) return null;
            int high = low;
            if (bounds.Length == 2 && !int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out high)) return null;
            if (high < low) return null;
            for (int n = low; n <= high; n++) numbers.Add(n);
        }
        return numbers;
    }
}
