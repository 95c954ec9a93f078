using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace FormFollowsFunction.Benchmarks.Backends.OnnxRuntime;

/// <summary>The chosen native ONNX Runtime library cannot be used; the message names the file and the fix.</summary>
public sealed class OrtLibraryException(string message) : Exception(message);

/// <summary>
/// Chooses which native <c>libonnxruntime.so</c> this process uses. The OpenVINO and CUDA execution
/// providers live in different native builds, and the managed API binds its P/Invokes to one library
/// per process, so a worker process selects its backend's build once, before any ONNX Runtime call.
/// </summary>
public static class OrtNativeLibrary
{
    private const string ManagedImportName = "onnxruntime";
    private static readonly Lock Gate = new();
    private static string? _selected;

    /// <summary>
    /// The library a backend should load: its configured path, else its environment variable, else
    /// null (the stock CPU build shipped with the suite).
    /// </summary>
    public static string? ConfiguredPath(BackendDescriptor backend, BackendOptions options) =>
        !string.IsNullOrWhiteSpace(options.Library) ? options.Library
        : backend.LibraryVariable is { } variable && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : null;

    /// <summary>Makes every ONNX Runtime call of this process use <paramref name="path"/>. Call once, before any other ONNX Runtime use.</summary>
    public static void Select(string path, string origin)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new OrtLibraryException($"{origin} points at '{full}', which does not exist");
        nint handle;
        try
        {
            handle = NativeLibrary.Load(full);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new OrtLibraryException($"{origin}: cannot load '{full}' ({FirstLine(e.Message)})");
        }
        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out _))
            throw new OrtLibraryException($"{origin}: '{full}' is not an ONNX Runtime library (it exports no OrtGetApiBase)");

        lock (Gate)
        {
            if (_selected is not null && _selected != full)
                throw new InvalidOperationException($"this process already uses ONNX Runtime from '{_selected}'; one process can load only one build");
            if (_selected is null)
            {
                NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, (name, _, _) =>
                    name == ManagedImportName ? handle : nint.Zero);
                _selected = full;
            }
        }
    }

    /// <summary>The libonnxruntime file actually mapped into this process, read from /proc/self/maps (Linux).</summary>
    public static string? LoadedFile()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (var line in File.ReadLines(maps))
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            string file = line[slash..];
            if (Path.GetFileName(file).StartsWith("libonnxruntime.so", StringComparison.Ordinal)) return file;
        }
        return null;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>The managed API's version, which must match the native library's.</summary>
    public static string ManagedVersion =>
        typeof(OrtEnv).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
