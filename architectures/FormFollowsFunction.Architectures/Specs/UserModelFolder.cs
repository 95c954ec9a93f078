using FormFollowsFunction.Architectures.Catalog;

namespace FormFollowsFunction.Architectures.Specs;

/// <summary>One user model file of a models folder, and the name <c>--models</c> may give it instead of its path.</summary>
/// <param name="Problem">Why the file cannot be read (one line), or null.</param>
public sealed record UserModelFile(string Id, string Path, string Kind, string? Problem);

/// <summary>
/// A folder of user models (<c>--models-dir</c>, <c>models_dir:</c>): its network spec files and ONNX files,
/// not its subfolders. A spec file is named by its <c>name:</c> (or file name), an ONNX file by its file name;
/// either may also be given by path. ONNX files are resolved by path through <see cref="ModelCatalog.Resolve"/>.
/// </summary>
public sealed class UserModelFolder
{
    /// <summary>The file endings of user models: spec files, then ONNX files.</summary>
    public static readonly string[] Extensions = [.. NetworkSpecFile.Extensions, ".onnx"];

    private readonly Lazy<IReadOnlyList<UserModelFile>> _files;

    public UserModelFolder(string path, Func<string, ModelDefinition> resolve)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(Path))
            throw new UnknownModelException($"models folder '{path}' does not exist; give --models-dir (models_dir:) a folder of .yaml, .yml or .onnx files");
        _files = new(() => [.. Directory.EnumerateFiles(Path)
            .Where(f => Extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .Select(f => Describe(f, resolve))]);
    }

    public string Path { get; }

    /// <summary>The folder's user model files, in name order; a file that cannot be read is listed with its problem.</summary>
    public IReadOnlyList<UserModelFile> Files => _files.Value;

    /// <summary>The file named <paramref name="id"/> (case-insensitive), or null.</summary>
    public UserModelFile? Find(string id) => Files.FirstOrDefault(f => string.Equals(f.Id, id, StringComparison.OrdinalIgnoreCase));

    private static UserModelFile Describe(string file, Func<string, ModelDefinition> resolve)
    {
        string stem = System.IO.Path.GetFileNameWithoutExtension(file);
        if (!NetworkSpecFile.Handles(file)) return new UserModelFile(stem, file, "onnx", null);
        try
        {
            return new UserModelFile(resolve(file).Id, file, "spec", null);
        }
        catch (Exception e) when (e is NetworkSpecException or UnknownModelException)
        {
            return new UserModelFile(stem, file, "spec", e.Message);
        }
    }
}
