using System.Text.Json;
using System.Text.Json.Nodes;
using FormFollowsFunction.Results;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// A sweep configuration is built in layers, lowest first: the preset, the YAML file, the command-line
/// flags, then <c>--set KEY=VALUE</c>. Each layer is a JSON object with the keys of
/// <see cref="SweepConfigurationSchema"/>; layers are merged key by key (objects and dictionaries deep,
/// lists and values replaced) and the result is deserialized once.
/// </summary>
public static class SweepConfigurationLayers
{
    /// <summary>
    /// Merges <paramref name="layers"/> (lowest first) over the preset that the highest layer naming
    /// <c>preset</c> names (default quick) and returns the configuration.
    /// </summary>
    public static SweepConfiguration Build(IEnumerable<JsonObject> layers)
    {
        var list = layers.ToList();
        string preset = SweepPresets.DefaultName;
        foreach (var layer in list)
            if (layer["preset"] is JsonValue value && value.TryGetValue(out string? name)) preset = name;
        return Build(ToJson(SweepPresets.Get(preset)), list);
    }

    /// <summary>Merges <paramref name="layers"/> (lowest first) over <paramref name="bottom"/> and returns the configuration.</summary>
    public static SweepConfiguration Build(JsonObject bottom, IEnumerable<JsonObject> layers)
    {
        var merged = (JsonObject)bottom.DeepClone();
        foreach (var layer in layers) Merge(merged, layer);
        return FromJson(merged);
    }

    /// <summary>
    /// Merges <paramref name="upper"/> into <paramref name="lower"/>. As everywhere: a layer that names
    /// <c>models</c> but not <c>patterns</c> means these models only, so the lower layers' pattern grid is dropped.
    /// </summary>
    public static void Merge(JsonObject lower, JsonObject upper)
    {
        if (upper.ContainsKey("models") && !upper.ContainsKey("patterns")) lower["patterns"] = new JsonArray();
        MergeObjects(lower, upper);
    }

    private static void MergeObjects(JsonObject lower, JsonObject upper)
    {
        foreach (var (key, value) in upper)
        {
            // Keys of backend_options are matched without case, as the validator matches them.
            string target = lower.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)) ?? key;
            if (lower[target] is JsonObject below && value is JsonObject above) MergeObjects(below, above);
            else
            {
                if (target != key) lower.Remove(target);
                lower[key] = value?.DeepClone();
            }
        }
    }

    public static JsonObject ToJson(SweepConfiguration configuration) =>
        JsonSerializer.SerializeToNode(configuration, RunManifest.JsonOptions)!.AsObject();

    public static SweepConfiguration FromJson(JsonObject json)
    {
        try
        {
            return json.Deserialize<SweepConfiguration>(RunManifest.JsonOptions)
                   ?? throw new SweepConfigurationException("the sweep configuration is empty");
        }
        catch (JsonException e)
        {
            throw new SweepConfigurationException($"the sweep configuration cannot be read{(e.Path is { } path ? $" at {path.TrimStart('$', '.')}" : "")}; check its values' types");
        }
    }

    /// <summary>
    /// One <c>--set KEY=VALUE</c> as a layer: the key is a dotted path of the schema, the value is
    /// converted by the key's type; a list is <c>1,2</c> or <c>[1, 2]</c>.
    /// </summary>
    public static JsonObject SetLayer(string assignment)
    {
        int equals = assignment.IndexOf('=');
        if (equals <= 0)
            throw new SweepConfigurationException($"--set {assignment}: give KEY=VALUE, for example --set timing.max_seconds=5");
        string path = assignment[..equals].Trim();
        string text = assignment[(equals + 1)..];
        try
        {
            return Assign(path, text);
        }
        catch (SchemaError e)
        {
            throw new SweepConfigurationException($"--set {assignment}: {e.Describe()}");
        }
    }

    /// <summary>
    /// A flag's value as a layer: <paramref name="text"/> converted by the type of the schema key
    /// <paramref name="path"/>; errors name <paramref name="flag"/>.
    /// </summary>
    public static JsonObject FlagLayer(string flag, string path, string text)
    {
        try
        {
            return Assign(path, text);
        }
        catch (SchemaError e)
        {
            throw new SweepConfigurationException($"{flag}: {e.Message}");
        }
    }

    private static JsonObject Assign(string path, string text)
    {
        var node = SweepConfigurationSchema.Instance.Find(path);
        YamlNode value = node.Kind is SweepConfigurationSchema.NodeKind.List or SweepConfigurationSchema.NodeKind.Object or SweepConfigurationSchema.NodeKind.Dictionary
                         && text.TrimStart() is ['[' or '{', ..]
            ? ParseFlow(text)
            : new YamlScalarNode(text) { Style = ScalarStyle.DoubleQuoted };
        return SweepConfigurationSchema.At(path, SweepConfigurationSchema.Convert(value, node, path));
    }

    private static YamlNode ParseFlow(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            throw new SchemaError(null, "", $"'{text}' is malformed: {SweepConfigurationFile.Explain(e)}");
        }
        return stream.Documents.Single().RootNode;
    }
}
