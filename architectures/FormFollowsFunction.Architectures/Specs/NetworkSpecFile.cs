using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FormFollowsFunction.Architectures.Specs;

/// <summary>
/// A network written as a YAML spec file (docs/spec-files.md) instead of C#: <c>kind: darts</c> (a genotype
/// in DARTS' ImageNet network, <see cref="DartsSpec"/>) or <c>kind: stages</c> (stem, stages of ResNet or
/// MobileNet blocks, head, <see cref="StagesSpec"/>). The file is read and checked when the model is
/// resolved, so a mistake stops a sweep before anything runs; the network is built from the suite's own blocks.
/// </summary>
public static class NetworkSpecFile
{
    /// <summary>The kinds of spec file and how each is read; a new kind is one line here.</summary>
    private static readonly Dictionary<string, Func<SpecMapping, string, Func<InputSpec, Network>>> Kinds = new()
    {
        ["darts"] = DartsSpec.Read,
        ["stages"] = StagesSpec.Read,
    };

    /// <summary>The file endings of spec files.</summary>
    public static readonly string[] Extensions = [".yaml", ".yml"];

    /// <summary>Whether a model identifier names a spec file (by its ending), which <see cref="ModelCatalog.Resolve"/> then reads.</summary>
    public static bool Handles(string id) => Extensions.Any(e => id.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>The model the file describes: family "user", its full path as the source, named by <c>name:</c> or the file name.</summary>
    public static ModelDefinition Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new UnknownModelException($"spec file '{path}' does not exist; give the path of a .yaml or .yml network spec file");
        var (id, build) = Parse(File.ReadAllText(full), path, Path.GetFileNameWithoutExtension(full));
        return new ModelDefinition(id, ModelDefinition.UserFamily, null, null, build, SourceFile: full);
    }

    /// <summary>Reads spec text; <paramref name="origin"/> names it in messages, <paramref name="defaultName"/> is the id without <c>name:</c>.</summary>
    public static (string Id, Func<InputSpec, Network> Build) Parse(string yaml, string origin, string defaultName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new NetworkSpecException($"{origin} (line {e.Start.Line}, column {e.Start.Column}): the YAML is malformed: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            throw new NetworkSpecException($"{origin} is empty; a spec file starts with 'kind: darts' or 'kind: stages' (see docs/spec-files.md)");
        var root = stream.Documents[0].RootNode;
        string kind = root is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("kind"), out var k) && k is YamlScalarNode { Value: { } text }
            ? text.ToLowerInvariant()
            : throw SpecMapping.Error(origin, root, $"missing key 'kind'; add 'kind: darts' or 'kind: stages'");
        if (!Kinds.TryGetValue(kind, out var read))
        {
            string? nearest = KeySuggestion.Nearest(kind, Kinds.Keys);
            throw SpecMapping.Error(origin, k, $"'kind' is '{kind}', which is not one of {string.Join(", ", Kinds.Keys)}{(nearest is null ? "" : $"; did you mean '{nearest}'?")}");
        }
        var keys = kind == "darts" ? DartsSpec.Keys : StagesSpec.Keys;
        var spec = new SpecMapping(root, origin, "", keys);
        string id = spec.Text("name") is { Length: > 0 } name ? name.Trim() : defaultName;
        return (id, read(spec, id));
    }
}
