using FormFollowsFunction.Results;

namespace FormFollowsFunction.Reports.Input;

/// <summary>
/// The three kinds of network a report tells apart, from a results row alone: pattern instances (a
/// pattern with a depth and width), user networks (models a user brought as an ONNX or spec file,
/// <c>pattern</c> = <see cref="UserPattern"/>), and reference networks (the built-in catalogue networks,
/// no depth). User networks are never pooled with a pattern or with the reference networks: they are
/// not a sample of either, and one unusual file would move a pattern's mean.
/// </summary>
public static class NetworkGroups
{
    /// <summary>The <c>pattern</c> column of a user model (the model definition's family; ModelCatalog.UserFamily).</summary>
    public const string UserPattern = "user";

    /// <summary>Group label of the built-in reference networks in tables and legends.</summary>
    public const string ReferenceNetworks = "reference networks";

    /// <summary>Group label of the user's own models; each is named by its model id within it.</summary>
    public const string UserNetworks = "user networks";

    public static bool IsUserNetwork(ResultRow row) => string.Equals(row.Pattern, UserPattern, StringComparison.Ordinal);

    public static bool IsReferenceNetwork(ResultRow row) => row.Depth is null && !IsUserNetwork(row);

    /// <summary>A pattern instance: neither a user network nor a reference network.</summary>
    public static bool IsPatternInstance(ResultRow row) => !IsUserNetwork(row) && !IsReferenceNetwork(row);
}
