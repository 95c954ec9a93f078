using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace FormFollowsFunction.Architectures.Specs;

/// <summary>
/// One YAML mapping of a spec file with the keys it may hold: any other key is refused on construction
/// (with the nearest known key), and every read names the key's path and line when the value is missing
/// or of the wrong kind, so each mistake is one line that says where and how to fix it.
/// </summary>
internal sealed class SpecMapping
{
    private readonly YamlMappingNode _node;
    private readonly string _origin;
    private readonly string _path;

    public SpecMapping(YamlNode node, string origin, string path, IReadOnlyCollection<string> keys)
    {
        _origin = origin;
        _path = path;
        _node = node as YamlMappingNode ?? throw Error(node, $"{Describe(path)} must be a mapping of keys ({string.Join(", ", keys)})");
        foreach (var key in _node.Children.Keys)
        {
            string name = (key as YamlScalarNode)?.Value ?? "";
            if (keys.Contains(name)) continue;
            string? nearest = KeySuggestion.Nearest(name, keys);
            throw Error(key, nearest is null
                ? $"unknown key '{Join(name)}'; known keys{(path.Length == 0 ? "" : $" under {path}")}: {string.Join(", ", keys)}"
                : $"unknown key '{Join(name)}'; did you mean '{Join(nearest)}'?");
        }
    }

    public YamlNode Node => _node;

    public bool Has(string key) => _node.Children.ContainsKey(new YamlScalarNode(key));

    public YamlNode? Value(string key) => _node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public YamlNode RequiredValue(string key, string example) =>
        Value(key) ?? throw Error(_node, $"missing key '{Join(key)}'; add it, for example '{key}: {example}'");

    public string? Text(string key) => Value(key) is { } value ? Scalar(key, value) : null;

    public string RequiredText(string key, string example) => Scalar(key, RequiredValue(key, example));

    public int? Integer(string key, int minimum = 1) => Value(key) is { } value ? ToInteger(key, value, minimum) : null;

    public int RequiredInteger(string key, string example, int minimum = 1) => ToInteger(key, RequiredValue(key, example), minimum);

    public double? Number(string key)
    {
        if (Value(key) is not { } value) return null;
        string text = Scalar(key, value);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && number > 0 && double.IsFinite(number)
            ? number
            : throw Error(value, $"'{Join(key)}' must be a positive number such as 0.25, got '{text}'");
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive), or null when the key is absent.</summary>
    public string? Choice(string key, IReadOnlyCollection<string> choices)
    {
        if (Value(key) is not { } value) return null;
        string text = Scalar(key, value).ToLowerInvariant();
        if (choices.Contains(text)) return text;
        string? nearest = KeySuggestion.Nearest(text, choices);
        throw Error(value, $"'{Join(key)}' is '{text}', which is not one of {string.Join(", ", choices)}{(nearest is null ? "" : $"; did you mean '{nearest}'?")}");
    }

    public YamlSequenceNode RequiredList(string key, string example) =>
        RequiredValue(key, example) as YamlSequenceNode ?? throw Error(Value(key)!, $"'{Join(key)}' must be a list (lines starting with '- ')");

    public SpecMapping? Mapping(string key, IReadOnlyCollection<string> keys) => Value(key) is { } value ? new(value, _origin, Join(key), keys) : null;

    public SpecMapping Child(YamlNode node, string path, IReadOnlyCollection<string> keys) => new(node, _origin, path, keys);

    public string Join(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

    public NetworkSpecException Error(YamlNode at, string message) => Error(_origin, at, message);

    public static NetworkSpecException Error(string origin, YamlNode at, string message) => new($"{origin} (line {at.Start.Line}): {message}");

    private static string Describe(string path) => path.Length == 0 ? "the file" : $"'{path}'";

    private string Scalar(string key, YamlNode value) =>
        value is YamlScalarNode { Value: { } text } ? text : throw Error(value, $"'{Join(key)}' must be a single value, not a list or mapping");

    private int ToInteger(string key, YamlNode value, int minimum)
    {
        string text = Scalar(key, value);
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number) && number >= minimum
            ? number
            : throw Error(value, $"'{Join(key)}' must be a whole number of at least {minimum}, got '{text}'");
    }
}
