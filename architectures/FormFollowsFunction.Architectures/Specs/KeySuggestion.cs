namespace FormFollowsFunction.Architectures.Specs;

/// <summary>The "did you mean" of every key check: the known key nearest a misspelt one, if it is close enough to be a typo.</summary>
public static class KeySuggestion
{
    /// <summary>The nearest of <paramref name="known"/> to <paramref name="key"/>, or null when none is within a typo's distance.</summary>
    public static string? Nearest(string key, IEnumerable<string> known) =>
        known.Select(k => (Key: k, Distance: EditDistance(key.ToLowerInvariant(), k)))
            .Where(c => c.Distance <= Math.Max(2, key.Length / 3))
            .OrderBy(c => c.Distance).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => c.Key).FirstOrDefault();

    /// <summary>Edit distance with adjacent transpositions counted as one edit (optimal string alignment).</summary>
    public static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
