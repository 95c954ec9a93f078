namespace FormFollowsFunction.Reports;

/// <summary>
/// Builds an output folder beside its final place and moves it there only when every file is
/// written, so that a failure leaves either the previous complete folder or nothing, never half
/// of one. An existing folder is replaced only when it is empty or was itself written by this
/// suite (it holds <c>report.md</c> or <c>compare.md</c>), so a mistyped --out cannot delete data.
/// </summary>
internal sealed class StagedFolder : IDisposable
{
    private readonly List<string> _files = [];
    private bool _committed;

    public StagedFolder(string target, params string[] markerFiles)
    {
        Target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        if (File.Exists(Target))
            throw new ReportInputException($"{Target} is a file; give --out a folder path");
        if (Directory.Exists(Target) && Directory.EnumerateFileSystemEntries(Target).Any()
            && !markerFiles.Any(m => File.Exists(Path.Combine(Target, m))))
            throw new ReportInputException(
                $"{Target} already exists and was not written by fff (no {string.Join(" or ", markerFiles)}); choose an empty or new folder with --out");
        string parent = Path.GetDirectoryName(Target) ?? throw new ReportInputException($"{Target}: cannot write a report at the root of a file system");
        Directory.CreateDirectory(parent);
        Staging = Path.Combine(parent, $".{Path.GetFileName(Target)}.partial-{ShortId()}");
        Directory.CreateDirectory(Staging);
    }

    /// <summary>Where the folder will be once committed.</summary>
    public string Target { get; }

    /// <summary>Where files are written until then.</summary>
    public string Staging { get; }

    /// <summary>Files written so far, relative to the folder, in the order written.</summary>
    public IReadOnlyList<string> Files => _files;

    public string StagedPath(string relative) => Path.Combine(Staging, relative);

    public void WriteText(string relative, string text) => WriteBytes(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public void WriteBytes(string relative, byte[] bytes)
    {
        string path = StagedPath(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        _files.Add(relative.Replace(Path.DirectorySeparatorChar, '/'));
    }

    public void Commit()
    {
        string? previous = null;
        if (Directory.Exists(Target))
        {
            previous = Path.Combine(Path.GetDirectoryName(Target)!, $".{Path.GetFileName(Target)}.old-{ShortId()}");
            Directory.Move(Target, previous);
        }
        try
        {
            Directory.Move(Staging, Target);
        }
        catch
        {
            if (previous is not null) Directory.Move(previous, Target);
            throw;
        }
        _committed = true;
        if (previous is not null) Directory.Delete(previous, recursive: true);
    }

    private static string ShortId() => Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Staging))
        {
            try { Directory.Delete(Staging, recursive: true); }
            catch (IOException) { /* best effort: a leftover hidden .partial folder is harmless */ }
        }
    }
}
