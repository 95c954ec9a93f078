using System.Diagnostics;

namespace FormFollowsFunction.Benchmarks.Sweeps;

/// <summary>Where the program's source tree is, and which commit it was built from.</summary>
public static class SourceTree
{
    private const string SolutionFile = "FormFollowsFunction.sln";

    /// <summary>The repository root (the folder holding the solution) above the running program, or null when installed elsewhere.</summary>
    public static string? Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, SolutionFile))) return folder.FullName;
        return null;
    }

    /// <summary>Run folders land in the repository's results/ by default, else in ./results.</summary>
    public static string DefaultResultsFolder() => Path.Combine(Root() ?? Directory.GetCurrentDirectory(), "results");

    /// <summary>The git commit of the source tree, with " (modified)" when tracked files differ from it; "unknown" without git.</summary>
    public static string Commit()
    {
        if (Root() is not { } root) return "unknown (not run from a source tree)";
        string? head = Git(root, "rev-parse", "HEAD");
        if (head is null) return "unknown (git unavailable)";
        string? changes = Git(root, "status", "--porcelain", "--untracked-files=no");
        return string.IsNullOrWhiteSpace(changes) ? head : $"{head} (modified)";
    }

    private static string? Git(string root, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-C");
            start.ArgumentList.Add(root);
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            using var git = Process.Start(start)!;
            var errors = git.StandardError.ReadToEndAsync(); // drained, so a chatty git cannot block on a full pipe
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            _ = errors.Result;
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
