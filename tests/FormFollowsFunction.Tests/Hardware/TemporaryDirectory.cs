namespace FormFollowsFunction.Tests.Hardware;

/// <summary>A folder of sample files (a stand-in /sys or /proc) removed when the test ends.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("fff-hardware-").FullName;

    /// <summary>Writes a file at a path relative to the folder, creating its parent folders.</summary>
    public void Write(string relativePath, string content)
    {
        string full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
