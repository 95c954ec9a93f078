using System.Globalization;
using System.Text.RegularExpressions;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Specs;
using FormFollowsFunction.Architectures.Onnx.Import;
using FormFollowsFunction.Architectures.Weights;

namespace FormFollowsFunction.Architectures.Catalog;

/// <summary>A model the suite can build: a reference network or a pattern at a depth and width.</summary>
/// <param name="SourceFile">For a user model, the file it comes from (an ONNX file or a network spec file); null for catalog models.</param>
/// <param name="Identifier">What <see cref="ModelCatalog.Resolve"/> takes to find this model again in another process
/// (an ONNX file's full path and input shape); null when it is <see cref="Id"/>.</param>
/// <param name="FileWeights">For a model file that brings its own weights: them, for the network its builder made; null when weights are drawn from a seed.</param>
/// <param name="DescriptionProblem">Why no network description can be built for this model, in one line that names the
/// route that measures it anyway (an ONNX file with operators the importer lacks); null when it can be built. Such a model
/// is measured only by backends that run its file itself (ONNX Runtime) and counted from its graph alone; its
/// <see cref="Builder"/> throws this line.</param>
public sealed record ModelDefinition(string Id, string Family, int? Depth, double? Width, Func<InputSpec, Network> Builder, string? SourceFile = null,
    string? Identifier = null, Func<Network, NetworkWeights>? FileWeights = null, string? DescriptionProblem = null)
{
    /// <summary>Whether the network description can be built (see <see cref="DescriptionProblem"/>).</summary>
    public bool HasDescription => DescriptionProblem is null;

    /// <summary>
    /// The identifier a worker process resolves: <see cref="Identifier"/>, else a user model's <see cref="SourceFile"/>
    /// (found without the models folder), else <see cref="Id"/>.
    /// </summary>
    public string ResolvableId => Identifier ?? SourceFile ?? Id;

    /// <summary>The weights every backend runs with: the file's own, or drawn from <paramref name="seed"/>.</summary>
    public NetworkWeights Weights(Network network, int seed) => FileWeights?.Invoke(network) ?? NetworkWeights.Initialize(network, seed);

    /// <summary>The <see cref="Family"/> of every user model (an ONNX file or a spec file); reports group them as "user networks".</summary>
    public const string UserFamily = "user";

    public bool IsReference => Depth is null && !IsUser;

    public bool IsUser => Family == UserFamily;

    /// <summary>
    /// Builds the network for <paramref name="input"/>. When it cannot be built at that resolution but can
    /// at others, throws <see cref="InputResolutionException"/> saying which resolutions work.
    /// </summary>
    public Network Build(InputSpec input) => ResolutionRequirement.Build(this, input);
}

/// <summary>A model identifier that names nothing the catalog knows, or is malformed; the message says how to fix it.</summary>
public sealed class UnknownModelException(string message) : Exception(message);

/// <summary>
/// Resolves model identifiers (<c>resnet50</c>, <c>dwbottleneck-d6-w0.5</c>) to definitions.
/// New architectures plug in by being listed in <see cref="Default"/>.
/// </summary>
public sealed partial class ModelCatalog
{
    private readonly Dictionary<string, IArchitecturePattern> _patterns;
    private readonly Dictionary<string, IReferenceNetwork> _references;

    public ModelCatalog(IEnumerable<IArchitecturePattern> patterns, IEnumerable<IReferenceNetwork> references)
    {
        _patterns = patterns.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _references = references.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
    }

    private ModelCatalog(ModelCatalog catalog, string modelsFolder)
    {
        _patterns = catalog._patterns;
        _references = catalog._references;
        UserModels = new UserModelFolder(modelsFolder, Resolve);
    }

    /// <summary>The folder of user models whose files <see cref="Resolve"/> also finds by name; null when none was given.</summary>
    public UserModelFolder? UserModels { get; }

    /// <summary>This catalog plus the user models of <paramref name="folder"/> (<c>--models-dir</c>); itself when the folder is empty text.</summary>
    public ModelCatalog WithModelsFolder(string? folder) => string.IsNullOrWhiteSpace(folder) ? this : new ModelCatalog(this, folder);

    public IReadOnlyCollection<IArchitecturePattern> Patterns => _patterns.Values;

    public IReadOnlyCollection<IReferenceNetwork> References => _references.Values;

    public IArchitecturePattern Pattern(string name) => _patterns.TryGetValue(name, out var p)
        ? p
        : throw new UnknownModelException($"unknown pattern '{name}'; known patterns: {string.Join(", ", _patterns.Keys)}");

    /// <summary>The canonical identifier of a pattern instance, for example <c>residual-d8-w1.0</c>.</summary>
    public static string PatternId(string pattern, int depth, double width) =>
        $"{pattern.ToLowerInvariant()}-d{depth}-w{FormatWidth(width)}";

    /// <summary>Width with at least one decimal and no more than needed: 1.0, 0.5, 0.25, 1.75.</summary>
    public static string FormatWidth(double width) => width.ToString("0.0##", CultureInfo.InvariantCulture);

    public ModelDefinition Resolve(string id)
    {
        if (string.IsNullOrWhiteSpace(id)) throw new UnknownModelException("empty model identifier; run 'fff list' to see the models");
        id = id.Trim();
        if (NetworkSpecFile.Handles(id)) return NetworkSpecFile.Load(id);
        if (OnnxUserModel.Names(id)) return OnnxUserModel.Resolve(id);
        if (_references.TryGetValue(id, out var reference))
            return new ModelDefinition(reference.Name, "reference", null, null, reference.Build);
        if (UserModels?.Find(id) is { } file) return file.Problem is { } problem ? throw new NetworkSpecException(problem) : Resolve(file.Path);

        var match = PatternIdSyntax().Match(id);
        if (!match.Success)
        {
            string hint = _patterns.ContainsKey(id)
                ? $"'{id}' is a pattern: give a depth and a width, for example {PatternId(id, 8, 1.0)}"
                : $"known reference networks: {string.Join(", ", _references.Keys)}{UserModelNames()}; patterns are written PATTERN-dDEPTH-wWIDTH, for example {PatternId(_patterns.Keys.FirstOrDefault() ?? "residual", 8, 1.0)}";
            throw new UnknownModelException($"unknown model '{id}'; {hint}");
        }

        var pattern = Pattern(match.Groups["pattern"].Value);
        if (!int.TryParse(match.Groups["depth"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int depth) || depth <= 0)
            throw new UnknownModelException($"model '{id}': depth must be a positive whole number of blocks, got '{match.Groups["depth"].Value}'");
        if (!double.TryParse(match.Groups["width"].Value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double width)
            || !(width > 0) || double.IsInfinity(width))
            throw new UnknownModelException($"model '{id}': width must be a positive number such as 0.5 or 1.0, got '{match.Groups["width"].Value}'");

        string canonical = PatternId(pattern.Name, depth, width);
        return new ModelDefinition(canonical, pattern.Name, depth, width, input => pattern.Build(canonical, depth, width, input));
    }

    private string UserModelNames() => UserModels is { Files.Count: > 0 } folder
        ? $"; user models in {folder.Path}: {string.Join(", ", folder.Files.Select(f => f.Id))}"
        : "";

    [GeneratedRegex(@"^(?<pattern>[A-Za-z][A-Za-z0-9_]*)-d(?<depth>[^-]*(?:-\d+)?)-w(?<width>.+)$")]
    private static partial Regex PatternIdSyntax();
}
