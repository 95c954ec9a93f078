using System.Runtime.InteropServices;
using System.Text.Json;
using FormFollowsFunction.Results;

namespace FormFollowsFunction.Benchmarks.Parity;

/// <summary>
/// The output every backend's output is compared with, for one model, batch and resolution: the
/// raw float32 values (little-endian, <c>.f32</c>) and a JSON sidecar naming the backend that produced
/// them. Each file is written atomically, the sidecar last, and a reference counts only when its
/// sidecar is there and agrees with the values: a writer killed between the two leaves none.
/// </summary>
public sealed record ReferenceOutput(string Backend, int Seed, float[] Values)
{
    public static string ValuesPath(string folder, string groupName) => Path.Combine(folder, groupName + ".f32");

    private static string SidecarPath(string valuesPath) => Path.ChangeExtension(valuesPath, ".json");

    public void Write(string valuesPath)
    {
        AtomicFile.WriteAllBytes(valuesPath, MemoryMarshal.AsBytes(Values.AsSpan()));
        AtomicFile.WriteAllBytes(SidecarPath(valuesPath), JsonSerializer.SerializeToUtf8Bytes(new Sidecar(Backend, Seed, Values.Length)));
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

    private sealed record Sidecar(string Backend, int Seed, int Count);
}
