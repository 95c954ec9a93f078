// MSBuild task that lets TorchSharp's native glue load on hosts whose libstdc++ predates GCC 13
// (Debian 12 stops at GLIBCXX_3.4.30). See README "TorchSharp on Debian 12".
//
// libLibTorchSharp.so (TorchSharp 0.107.0) carries one version requirement on GLIBCXX_3.4.32, for
// the symbol std::ios_base_library_init(). GCC 13 emits that reference only as a link-time marker
// for iostream start-up; it is never called. Marking the requirement weak (VER_FLG_WEAK in the
// .gnu.version_r entry) makes the dynamic loader note the missing version instead of refusing
// the library. The task edits only the copy in the build output, never the NuGet cache, and only
// when the host's libstdc++ lacks the version.
using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchLibTorchSharp : Task
{
    private const string RequiredVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    [Required] public string LibraryPath { get; set; } = "";

    /// <summary>Where the host's libstdc++ may live; the first that exists is inspected.</summary>
    public string[] LibStdCxxCandidates { get; set; } =
    {
        "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        if (!File.Exists(LibraryPath)) return true;
        var host = LibStdCxxCandidates.FirstOrDefault(File.Exists);
        if (host is null)
        {
            Log.LogMessage(MessageImportance.Low, "No libstdc++.so.6 found on this host; leaving {0} as it is.", LibraryPath);
            return true;
        }
        if (Contains(File.ReadAllBytes(host), Encoding.ASCII.GetBytes(RequiredVersion + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, "{0} provides {1}; no patch needed.", host, RequiredVersion);
            return true;
        }

        var image = File.ReadAllBytes(LibraryPath);
        string outcome;
        try
        {
            outcome = WeakenRequirement(image);
        }
        catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            Log.LogWarning("Could not read {0} as a 64-bit ELF library ({1}); TorchSharp may fail to load on this host.", LibraryPath, e.Message);
            return true;
        }
        if (outcome == "patched")
        {
            // Write beside and move over, so that a hard link into the NuGet cache is broken, not edited.
            var temp = LibraryPath + ".patching";
            File.WriteAllBytes(temp, image);
            File.Delete(LibraryPath);
            File.Move(temp, LibraryPath);
            Log.LogMessage(MessageImportance.High, "Marked the {0} requirement of {1} weak ({2} lacks it).", RequiredVersion, LibraryPath, host);
        }
        else
        {
            Log.LogMessage(MessageImportance.Low, "{0}: {1}.", LibraryPath, outcome);
        }
        return true;
    }

    /// <summary>Sets VER_FLG_WEAK on the GLIBCXX_3.4.32 entry; returns "patched", "already weak" or "no such requirement".</summary>
    private static string WeakenRequirement(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a little-endian 64-bit ELF file");

        ulong sectionTable = BitConverter.ToUInt64(elf, 0x28);
        int entrySize = BitConverter.ToUInt16(elf, 0x3A);
        int count = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < count; i++)
        {
            int header = checked((int)sectionTable + i * entrySize);
            if (BitConverter.ToUInt32(elf, header + 4) != ShtGnuVerneed) continue;

            int offset = checked((int)BitConverter.ToUInt64(elf, header + 0x18));
            int linkedStrings = (int)BitConverter.ToUInt32(elf, header + 0x28);
            int stringsHeader = checked((int)sectionTable + linkedStrings * entrySize);
            int strings = checked((int)BitConverter.ToUInt64(elf, stringsHeader + 0x18));

            // Elf64_Verneed { u16 version, u16 cnt, u32 file, u32 aux, u32 next } followed by
            // Elf64_Vernaux { u32 hash, u16 flags, u16 other, u32 name, u32 next } chains.
            int need = offset;
            while (true)
            {
                int auxCount = BitConverter.ToUInt16(elf, need + 2);
                int aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = ReadString(elf, strings + (int)BitConverter.ToUInt32(elf, aux + 8));
                    if (name == RequiredVersion)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0) return "already weak";
                        BitConverter.GetBytes((ushort)(flags | VerFlagWeak)).CopyTo(elf, aux + 4);
                        return "patched";
                    }
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, need + 12);
                if (next == 0) break;
                need += (int)next;
            }
        }
        return "no such requirement";
    }

    private static string ReadString(byte[] data, int start)
    {
        int end = Array.IndexOf(data, (byte)0, start);
        return Encoding.ASCII.GetString(data, start, end - start);
    }

    // The task compiles against netstandard2.0 (RoslynCodeTaskFactory), which has no span search.
    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = Array.IndexOf(haystack, needle[0]); i >= 0 && i <= haystack.Length - needle.Length;
             i = Array.IndexOf(haystack, needle[0], i + 1))
        {
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
