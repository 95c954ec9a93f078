namespace FormFollowsFunction.Results;

/// <summary>
/// Writes a file beside its destination and renames it into place, so that a reader, or a process
/// killed half-way, never sees half a file: there is the old file, or the new one whole.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) => Write(path, temp => File.WriteAllText(temp, text));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, temp => File.WriteAllBytes(temp, copy));
    }

    /// <summary>Lets <paramref name="write"/> fill a temporary file beside <paramref name="path"/>, then moves it there.</summary>
    public static void Write(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // The process id keeps two writers of the same file from sharing a temporary file.
        string temp = $"{full}.{Environment.ProcessId}.tmp";
        try
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
