namespace FormFollowsFunction.Results;

/// <summary>Counts in messages: "1 thread", "2 threads".</summary>
public static class Counted
{
    /// <summary><paramref name="n"/> and <paramref name="noun"/>, with a plural s unless n is 1.</summary>
    public static string Of(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
