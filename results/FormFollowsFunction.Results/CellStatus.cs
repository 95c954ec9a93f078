namespace FormFollowsFunction.Results;

/// <summary>How a measurement cell ended; written in the <c>status</c> column as the lower-case name.</summary>
public enum CellStatus
{
    /// <summary>Measured, and the output matched the reference within tolerance.</summary>
    Ok,
    /// <summary>Measured, but the output differed from the reference beyond tolerance: never a speed-up.</summary>
    Mismatch,
    /// <summary>The worker process died (native crash, abort, out of memory).</summary>
    Crashed,
    /// <summary>The worker exceeded the cell's time limit and was killed.</summary>
    Timeout,
    /// <summary>The worker reported an error (model failed to load, backend refused it, ...).</summary>
    Failed,
}

public static class CellStatusNames
{
    public static string ToColumn(this CellStatus status) => status.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out CellStatus status) =>
        Enum.TryParse(text, ignoreCase: true, out status) && Enum.IsDefined(status);
}
