using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using FormFollowsFunction.Architectures.Specs;
using FormFollowsFunction.Results;
using YamlDotNet.RepresentationModel;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// The one schema of a sweep configuration: <see cref="SweepConfiguration"/> as System.Text.Json sees
/// it with the manifest's options (snake_case keys), walked from its contract metadata. YAML files,
/// <c>--set</c>, the command-line flags and the manifest all read and write these keys, so a new
/// setting is one property on the record (with its documentation) and nothing else.
/// </summary>
public sealed class SweepConfigurationSchema
{
    /// <summary>What a key holds.</summary>
    public enum NodeKind
    {
        Text,
        Integer,
        Number,
        Boolean,
        List,
        Object,
        Dictionary,
    }

    /// <summary>One level of the schema: a scalar, a list of <see cref="Element"/>, an object of named <see cref="Properties"/>, or a dictionary of any keys to <see cref="Element"/>.</summary>
    public sealed class Node
    {
        internal Node(NodeKind kind) => Kind = kind;

        public NodeKind Kind { get; }

        /// <summary>List items and dictionary values.</summary>
        public Node? Element { get; internal set; }

        /// <summary>An object's keys, in declaration order.</summary>
        public IReadOnlyDictionary<string, Node> Properties { get; internal set; } = new Dictionary<string, Node>();

        /// <summary>What a value of this node is, in words (never a .NET type name).</summary>
        public string Describe() => Kind switch
        {
            NodeKind.Text => "a text",
            NodeKind.Integer => "a whole number",
            NodeKind.Number => "a number",
            NodeKind.Boolean => "true or false",
            NodeKind.List => $"a list of {Plural(Element!)}",
            NodeKind.Object => $"keys such as {string.Join(", ", Properties.Keys.Take(3))}",
            NodeKind.Dictionary => "keys (names) with settings under each",
            _ => "a value",
        };

        private static string Plural(Node element) => element.Kind switch
        {
            NodeKind.Text => "texts",
            NodeKind.Integer => "whole numbers",
            NodeKind.Number => "numbers",
            NodeKind.Boolean => "true/false values",
            _ => "entries",
        };
    }

    private SweepConfigurationSchema(Node root) => Root = root;

    /// <summary>The schema of <see cref="SweepConfiguration"/> under <see cref="RunManifest.JsonOptions"/>.</summary>
    public static SweepConfigurationSchema Instance { get; } = Create(RunManifest.JsonOptions);

    private static SweepConfigurationSchema Create(JsonSerializerOptions options)
    {
        // Contract metadata is only handed out once the options are fixed (serializing fixes them too).
        if (!options.IsReadOnly) options.MakeReadOnly(populateMissingResolver: true);
        return new(Walk(options.GetTypeInfo(typeof(SweepConfiguration)), options));
    }

    public Node Root { get; }

    /// <summary>Every key path with the kind of value it holds, e.g. timing.max_seconds; dictionary keys appear as <c>*</c>.</summary>
    public IEnumerable<(string Path, Node Node)> Keys()
    {
        IEnumerable<(string, Node)> Visit(string prefix, Node node)
        {
            foreach (var (name, child) in node.Properties)
            {
                string path = prefix.Length == 0 ? name : $"{prefix}.{name}";
                yield return (path, child);
                var inner = child.Kind == NodeKind.Dictionary ? Visit($"{path}.*", child.Element!) : Visit(path, child);
                foreach (var entry in inner) yield return entry;
            }
        }
        return Visit("", Root);
    }

    private static Node Walk(JsonTypeInfo info, JsonSerializerOptions options)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                var properties = new Dictionary<string, Node>(StringComparer.Ordinal);
                foreach (var property in info.Properties.Where(p => p.Get is not null))
                    properties[property.Name] = Walk(options.GetTypeInfo(property.PropertyType), options);
                return new Node(NodeKind.Object) { Properties = properties };
            case JsonTypeInfoKind.Dictionary:
                return new Node(NodeKind.Dictionary) { Element = Walk(options.GetTypeInfo(info.ElementType!), options) };
            case JsonTypeInfoKind.Enumerable:
                return new Node(NodeKind.List) { Element = Walk(options.GetTypeInfo(info.ElementType!), options) };
            default:
                if (type == typeof(bool)) return new Node(NodeKind.Boolean);
                if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(uint)) return new Node(NodeKind.Integer);
                if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return new Node(NodeKind.Number);
                // Strings, and enums (written as names by the options' converter).
                return new Node(NodeKind.Text);
        }
    }

    /// <summary>
    /// Converts YAML to the JSON the schema <paramref name="node"/> describes. Errors are thrown as
    /// <see cref="SchemaError"/> naming the key path and the YAML node at fault.
    /// </summary>
    public static JsonNode Convert(YamlNode yaml, Node node, string path)
    {
        switch (node.Kind)
        {
            case NodeKind.Object:
                var mapping = yaml as YamlMappingNode ?? throw new SchemaError(yaml, path, $"expected {node.Describe()} (a mapping, 'key: value'), got {Shown(yaml)}");
                var result = new JsonObject();
                foreach (var (keyNode, value) in mapping.Children)
                {
                    string key = KeyText(keyNode, path);
                    string childPath = Join(path, key);
                    if (!node.Properties.TryGetValue(key, out var child))
                        throw new SchemaError(keyNode, childPath, UnknownKey(node, path, key), unknownKey: true);
                    result[key] = Convert(value, child, childPath);
                }
                return result;
            case NodeKind.Dictionary:
                var entries = yaml as YamlMappingNode ?? throw new SchemaError(yaml, path, $"expected {node.Describe()} (a mapping, 'key: value'), got {Shown(yaml)}");
                var dictionary = new JsonObject();
                foreach (var (keyNode, value) in entries.Children)
                {
                    string key = KeyText(keyNode, path);
                    dictionary[key] = Convert(value, node.Element!, Join(path, key));
                }
                return dictionary;
            case NodeKind.List:
                var items = yaml switch
                {
                    YamlSequenceNode sequence => sequence.Children,
                    // A bare value is a one-item list; "1,2" is the list 1, 2, as on the command line.
                    YamlScalarNode scalar when !IsNull(scalar) => Split(scalar),
                    _ => throw new SchemaError(yaml, path, $"expected {node.Describe()} such as [1, 2], got {Shown(yaml)}"),
                };
                var list = new JsonArray();
                foreach (var item in items)
                {
                    try
                    {
                        list.Add(Convert(item, node.Element!, path));
                    }
                    catch (SchemaError e) when (yaml is YamlScalarNode)
                    {
                        // An item split from "1,2" has no place in the file of its own: point at the value it came from.
                        throw new SchemaError(yaml, e.Path, e.Message, e.IsUnknownKey);
                    }
                }
                return list;
            default:
                var text = yaml as YamlScalarNode;
                if (text is null || IsNull(text)) throw new SchemaError(yaml, path, $"expected {node.Describe()}, got {Shown(yaml)}");
                return Scalar(text, node, path);
        }
    }

    private static JsonNode Scalar(YamlScalarNode yaml, Node node, string path)
    {
        string text = yaml.Value ?? "";
        string Got() => $"expected {node.Describe()}, got {Shown(yaml)}";
        switch (node.Kind)
        {
            case NodeKind.Integer:
                return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int integer)
                    ? JsonValue.Create(integer)
                    : throw new SchemaError(yaml, path, Got());
            case NodeKind.Number:
                return double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number)
                    ? JsonValue.Create(number)
                    : throw new SchemaError(yaml, path, Got());
            case NodeKind.Boolean:
                return text.Trim().ToLowerInvariant() switch
                {
                    "true" => JsonValue.Create(true),
                    "false" => JsonValue.Create(false),
                    _ => throw new SchemaError(yaml, path, Got()),
                };
            default:
                return JsonValue.Create(text);
        }
    }

    private static string KeyText(YamlNode key, string path) =>
        key is YamlScalarNode { Value: { } text } ? text : throw new SchemaError(key, path, $"a key must be a name, got {Shown(key)}");

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static IList<YamlNode> Split(YamlScalarNode scalar)
    {
        var parts = (scalar.Value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return [.. parts.Select(p => (YamlNode)new YamlScalarNode(p) { Style = scalar.Style })];
    }

    /// <summary>How a YAML value is shown in an error: the text as written, or what kind of thing it is.</summary>
    public static string Shown(YamlNode yaml) => yaml switch
    {
        YamlScalarNode scalar when IsNull(scalar) => "nothing",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping (keys with values)",
        _ => "something else",
    };

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>"unknown key 'timing.max_secnds'; did you mean 'timing.max_seconds'?", or the known keys when none is close.</summary>
    public static string UnknownKey(Node parent, string parentPath, string key)
    {
        string full = Join(parentPath, key);
        var nearest = parent.Properties.Keys
            .Select(k => (Key: k, Distance: EditDistance(key.ToLowerInvariant(), k)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        return nearest.Key is not null && nearest.Distance <= Math.Max(2, key.Length / 3)
            ? $"unknown key '{full}'; did you mean '{Join(parentPath, nearest.Key)}'?"
            : $"unknown key '{full}'; known keys{(parentPath.Length == 0 ? "" : $" under {parentPath}")}: {string.Join(", ", parent.Properties.Keys)}";
    }

    /// <summary>Edit distance with adjacent transpositions counted as one edit (optimal string alignment).</summary>
    public static int EditDistance(string a, string b) => KeySuggestion.EditDistance(a, b);

    /// <summary>
    /// Finds the schema node of a dotted key path (<c>timing.max_seconds</c>,
    /// <c>backend_options.ort-cpu.graph_optimization</c>); throws a <see cref="SchemaError"/> for an unknown key.
    /// </summary>
    public Node Find(string path)
    {
        var node = Root;
        string walked = "";
        foreach (var segment in path.Split('.'))
        {
            if (segment.Length == 0) throw new SchemaError(null, path, $"'{path}' is not a key path (give names joined by dots, such as timing.max_seconds)");
            node = node.Kind switch
            {
                NodeKind.Object => node.Properties.TryGetValue(segment, out var child)
                    ? child
                    : throw new SchemaError(null, Join(walked, segment), UnknownKey(node, walked, segment), unknownKey: true),
                NodeKind.Dictionary => node.Element!,
                _ => throw new SchemaError(null, "", $"{walked} holds {node.Describe()}; it has no key '{segment}'"),
            };
            walked = Join(walked, segment);
        }
        return node;
    }

    /// <summary>The JSON object holding just <paramref name="value"/> at <paramref name="path"/> (<c>{"timing": {"max_seconds": 5}}</c>).</summary>
    public static JsonObject At(string path, JsonNode value)
    {
        var segments = path.Split('.');
        JsonNode current = value;
        for (int i = segments.Length - 1; i >= 0; i--) current = new JsonObject { [segments[i]] = current };
        return current.AsObject();
    }
}

/// <summary>A value that does not fit the schema: the key path, what is wrong, and the YAML node (for its line) when there is one.</summary>
public sealed class SchemaError(YamlNode? node, string path, string problem, bool unknownKey = false) : Exception(problem)
{
    public YamlNode? Node { get; } = node;
    public string Path { get; } = path;
    public bool IsUnknownKey { get; } = unknownKey;

    /// <summary>The problem with its key path in front, unless the problem already names it (unknown keys).</summary>
    public string Describe() => IsUnknownKey || Path.Length == 0 ? Message : $"{Path}: {Message}";
}
