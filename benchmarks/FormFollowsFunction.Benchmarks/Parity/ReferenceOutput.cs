using System.Runtime.InteropServices;
using System.Text.Json;

namespace FormFollowsFunction.Benchmarks.Parity;

/// <summary>
/// The output every backend's output is compared with, for one model, batch and resolution: the
/// raw float32 values (little-endian, <c>.f32</c>) and a JSON sidecar naming the backend that produced
/// them. Both are written atomically, so a reference either exists whole or not at all.
/// </summary>
public sealed record ReferenceOutput(string Backend, int Seed, float[] Values)
{
    public static string ValuesPath(string folder, string groupName) => Path.Combine(folder, groupName + ".f32");

    private static string SidecarPath(string valuesPath) => Path.ChangeExtension(valuesPath, ".json");

    public void Write(string valuesPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(valuesPath))!);
        WriteAtomically(valuesPath, MemoryMarshal.AsBytes(Values.AsSpan()).ToArray());
        var sidecar = new Sidecar(Backend, Seed, Values.Length);
        WriteAtomically(SidecarPath(valuesPath), JsonSerializer.SerializeToUtf8Bytes(sidecar));
    }

    /// <summary>The reference at <paramref name="valuesPath"/>, or null when none was written yet.</summary>
    public static ReferenceOutput? TryRead(string valuesPath)
    {
        string sidecarPath = SidecarPath(valuesPath);
        if (!File.Exists(valuesPath) || !File.Exists(sidecarPath)) return null;
        var sidecar = JsonSerializer.Deserialize<Sidecar>(File.ReadAllBytes(sidecarPath))
                      ?? throw new InvalidDataException($"{sidecarPath} is empty");
        var bytes = File.ReadAllBytes(valuesPath);
        if (bytes.Length != sidecar.Count * sizeof(float))
            throw new InvalidDataException($"{valuesPath} holds {bytes.Length} bytes, its sidecar says {sidecar.Count} float32 values");
        return new ReferenceOutput(sidecar.Backend, sidecar.Seed, MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    private sealed record Sidecar(string Backend, int Seed, int Count);
}
