using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>
/// Reads a sweep configuration from YAML: the keys of <see cref="SweepConfigurationSchema"/>
/// (snake_case, see docs/benchmarks.md), every one optional. Keys that are not set keep the value of
/// the preset the file names (<c>preset:</c>, default quick). Unknown keys are errors, so a typo
/// cannot silently fall back to a default; every error names the file, the line and the key.
/// </summary>
public static class SweepConfigurationFile
{
    public static SweepConfiguration Load(string path) => SweepConfigurationLayers.Build([LoadLayer(path)]);

    /// <summary>The file's keys as a configuration layer, checked against the schema.</summary>
    public static JsonObject LoadLayer(string path)
    {
        if (!File.Exists(path)) throw new SweepConfigurationException($"configuration file '{path}' does not exist");
        return ParseLayer(File.ReadAllText(path), path);
    }

    public static SweepConfiguration Parse(string yaml, string origin) => SweepConfigurationLayers.Build([ParseLayer(yaml, origin)]);

    public static JsonObject ParseLayer(string yaml, string origin)
    {
        var stream = new YamlStream();
        var parser = new FlowTrackingParser(new Parser(new StringReader(yaml)));
        try
        {
            stream.Load(parser);
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // A '[' or '{' still open when the parser gave up is the usual cause, and its place the useful one.
            var (mark, reason) = parser.OpenFlow is { } open
                ? (open.Start, open is SequenceStart ? "a '[' list is not closed with ']'" : "a '{' mapping is not closed with '}'")
                : (e is YamlException y ? y.Start : parser.Current?.Start ?? Mark.Empty, Explain(e));
            throw new SweepConfigurationException($"{origin} (line {mark.Line}, column {mark.Column}): the YAML is malformed: {reason}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            throw new SweepConfigurationException($"{origin} is empty; see docs/benchmarks.md for the keys");
        if (stream.Documents.Count > 1)
            throw new SweepConfigurationException($"{origin} (line {stream.Documents[1].RootNode.Start.Line}): holds more than one YAML document; keep one");
        try
        {
            return SweepConfigurationSchema.Convert(stream.Documents[0].RootNode, SweepConfigurationSchema.Instance.Root, "").AsObject();
        }
        catch (SchemaError e)
        {
            string where = e.Node is { } node ? $"{origin} (line {node.Start.Line})" : origin;
            throw new SweepConfigurationException($"{where}: {e.Describe()}");
        }
    }

    /// <summary>Passes a parser's events on, remembering the flow collections ('[', '{') not yet closed.</summary>
    private sealed class FlowTrackingParser(IParser inner) : IParser
    {
        private readonly Stack<ParsingEvent> _open = new();

        public ParsingEvent? Current => inner.Current;

        /// <summary>The innermost '[' or '{' still open.</summary>
        public ParsingEvent? OpenFlow => _open.Count > 0 ? _open.Peek() : null;

        public bool MoveNext()
        {
            bool moved = inner.MoveNext();
            switch (inner.Current)
            {
                case SequenceStart { Style: SequenceStyle.Flow } or MappingStart { Style: MappingStyle.Flow }:
                    _open.Push(inner.Current);
                    break;
                case SequenceEnd or MappingEnd when _open.Count > 0 && Matches(inner.Current):
                    _open.Pop();
                    break;
            }
            return moved;
        }

        private bool Matches(ParsingEvent end) => end is SequenceEnd ? _open.Peek() is SequenceStart : _open.Peek() is MappingStart;
    }

    /// <summary>A YAML parser error in the words of someone writing the file, without the parser's internals.</summary>
    internal static string Explain(Exception e)
    {
        string message = (e.InnerException?.Message ?? e.Message).Split('\n')[0].Trim();
        string lower = message.ToLowerInvariant();
        if (e is InvalidOperationException || lower.Contains("flow sequence") || lower.Contains("expected ',' or ']'"))
            return lower.Contains("mapping") && !lower.Contains("sequence") ? "a '{' mapping is not closed with '}'" : "a '[' list is not closed with ']'";
        if (lower.Contains("flow mapping") || lower.Contains("expected ',' or '}'")) return "a '{' mapping is not closed with '}'";
        if (lower.Contains("duplicate key")) return "a key appears twice at the same level";
        if (lower.Contains("mapping values are not allowed")) return "a 'key: value' where none is allowed (is a ':' missing a space after it, or is a value indented wrongly?)";
        if (lower.Contains("did not find expected key") || lower.Contains("block mapping")) return "the indentation does not line up (keys of one mapping start in the same column)";
        if (lower.Contains("tab")) return "a tab is used for indentation; indent with spaces";
        if (lower.Contains("quoted scalar") || lower.Contains("end of stream")) return "a quoted text is not closed";
        return message.TrimEnd('.');
    }
}
