using System.Globalization;

namespace FormFollowsFunction.Cli.Commands;

/// <summary>Parses comma-separated option values (<c>--depths 2,4,8</c>) with errors that name the option.</summary>
internal static class ListOption
{
    public static IReadOnlyList<string>? Strings(string option, string? text) =>
        text is null ? null : Split(option, text);

    public static IReadOnlyList<int>? Integers(string option, string? text) =>
        text is null ? null : Split(option, text).Select(item =>
            int.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
                ? value
                : throw new UserInputException($"{option}: '{item}' is not a whole number (give a comma-separated list such as 1,2,4)")).ToList();

    public static IReadOnlyList<double>? Numbers(string option, string? text) =>
        text is null ? null : Split(option, text).Select(item =>
            double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
                ? value
                : throw new UserInputException($"{option}: '{item}' is not a number (give a comma-separated list such as 0.5,1.0)")).ToList();

    private static List<string> Split(string option, string text)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (items.Count == 0) throw new UserInputException($"{option} needs at least one value");
        return items;
    }
}
