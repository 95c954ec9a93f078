using System.Diagnostics;
using System.Security.Cryptography;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.GpuKit;

/// <summary>
/// The GPU kit's scripts (tools/gpu-kit), run with bash for real: pack.sh splits a folder into checksummed
/// pieces and unpack.sh reassembles them, refusing a corrupt or missing piece; run-gpu.sh finds the CUDA
/// and cuDNN libraries in a fake tree of empty files named like them (its search paths overridden), says
/// exactly what is missing, and passes its arguments to the program.
/// </summary>
public sealed class GpuKitScriptTests : IDisposable
{
    private static readonly string Kit = Path.Combine(RepositoryRoot(), "tools", "gpu-kit");
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "FormFollowsFunction.sln"))) return folder.FullName;
        throw new InvalidOperationException($"no FormFollowsFunction.sln above {AppContext.BaseDirectory}");
    }

    private static FffResult Bash(string script, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(Kit, script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new FffResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>A small folder: incompressible bytes (so there are several pieces), text, a nested file.</summary>
    private string SourceFolder()
    {
        string source = _folder.Combine("payload");
        Directory.CreateDirectory(Path.Combine(source, "nested"));
        var random = new Random(3);
        var bytes = new byte[5000];
        random.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(source, "weights.bin"), bytes);
        File.WriteAllText(Path.Combine(source, "notes.txt"), "a kit for a machine without .NET\n");
        File.WriteAllText(Path.Combine(source, "nested", "run.sh"), "#!/usr/bin/env bash\necho run\n");
        return source;
    }

    private (string Pieces, string[] Files) Pack(string source)
    {
        string pieces = _folder.Combine("pieces");
        var result = Bash("pack.sh", null, source, pieces, "--piece-size", "1K", "--name", "kit");
        Assert.True(result.ExitCode == 0, result.Error);
        return (pieces, Directory.GetFiles(pieces, "kit.tar.gz.part-*").Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Packed_pieces_reassemble_into_the_same_files()
    {
        string source = SourceFolder();
        var (pieces, files) = Pack(source);

        Assert.True(files.Length >= 5, $"{files.Length} pieces");
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 1, 1024));
        var lines = File.ReadAllLines(Path.Combine(pieces, "kit.sha256"));
        Assert.Equal(files.Length + 1, lines.Length);
        Assert.All(files.Zip(lines), pair =>
            Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(pair.First)))}  {Path.GetFileName(pair.First)}", pair.Second));
        Assert.StartsWith("# archive ", lines[^1]);
        Assert.EndsWith($" {files.Sum(f => new FileInfo(f).Length)} {files.Length}", lines[^1]);

        string destination = _folder.Combine("unpacked");
        var result = Bash("unpack.sh", null, pieces, destination);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"{files.Length} piece(s) verified", result.Output);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(destination, "kit", Path.GetRelativePath(source, file))));
        Assert.False(File.Exists(Path.Combine(destination, "kit.tar.gz")), "the reassembled archive is removed after unpacking");
    }

    [Fact]
    public void A_corrupt_piece_is_refused_by_name_and_nothing_is_unpacked()
    {
        var (pieces, files) = Pack(SourceFolder());
        var bytes = File.ReadAllBytes(files[1]);
        bytes[100] ^= 0x5A;
        File.WriteAllBytes(files[1], bytes);

        string destination = _folder.Combine("unpacked");
        var result = Bash("unpack.sh", null, pieces, destination);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"unpack.sh: piece kit.tar.gz.part-001 (2 of {files.Length}) is corrupt: its SHA-256 is ", result.Error);
        Assert.Contains("copy it again", result.Error);
        Assert.False(Directory.Exists(Path.Combine(destination, "kit")));
    }

    [Fact]
    public void A_missing_piece_is_refused_by_name_and_nothing_is_unpacked()
    {
        var (pieces, files) = Pack(SourceFolder());
        File.Delete(files[^1]);

        string destination = _folder.Combine("unpacked");
        var result = Bash("unpack.sh", null, pieces, destination);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"unpack.sh: piece {Path.GetFileName(files[^1])} ({files.Length} of {files.Length}) is missing from {pieces}", result.Error.Trim());
        Assert.False(Directory.Exists(Path.Combine(destination, "kit")));
    }

    [Fact]
    public void Pieces_without_their_checksum_file_are_refused()
    {
        var (pieces, _) = Pack(SourceFolder());
        File.Delete(Path.Combine(pieces, "kit.sha256"));

        var result = Bash("unpack.sh", null, pieces, _folder.Combine("unpacked"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("no checksum file (NAME.sha256)", result.Error);
    }

    [Fact]
    public void A_bad_piece_size_is_refused_in_one_line()
    {
        var result = Bash("pack.sh", null, SourceFolder(), _folder.Combine("pieces"), "--piece-size", "60MB");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("pack.sh: piece size '60MB' is not a number of bytes, or a number with K, M or G", result.Error.Trim());
    }

    private static readonly string[] CudaLibraries = ["libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10"];
    private static readonly string[] CudnnLibraries =
        ["libcudnn.so.9", "libcudnn_graph.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn_heuristic.so.9"];

    /// <summary>Empty files laid out as NVIDIA's CUDA 13 wheels lay them out, plus a driver folder.</summary>
    private (string Driver, string Site) FakeWheelTree()
    {
        string site = _folder.Combine("site-packages");
        string driver = _folder.Combine("driver");
        foreach (var (folder, names) in new[] { (Path.Combine(site, "nvidia", "cu13", "lib"), CudaLibraries), (Path.Combine(site, "nvidia", "cudnn", "lib"), CudnnLibraries), (driver, ["libcuda.so.1"]) })
        {
            Directory.CreateDirectory(folder);
            foreach (var name in names) File.WriteAllBytes(Path.Combine(folder, name), []);
        }
        return (driver, site);
    }

    private static Dictionary<string, string> SearchOnly(params string[] folders) => new()
    {
        ["FFF_CUDA_SEARCH_PATHS"] = string.Join(':', folders),
        ["LD_LIBRARY_PATH"] = "",
    };

    [Fact]
    public void The_run_script_finds_every_library_in_python_wheel_folders_and_puts_them_on_the_loader_path()
    {
        var (driver, site) = FakeWheelTree();

        var result = Bash("run-gpu.sh", SearchOnly(driver, site), "--find-only");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        string cuda = Path.Combine(site, "nvidia", "cu13", "lib");
        string cudnn = Path.Combine(site, "nvidia", "cudnn", "lib");
        foreach (var name in CudaLibraries) Assert.Matches($@"found +{name.Replace(".", @"\.")} +{Path.Combine(cuda, name)}\n", result.Output);
        Assert.Matches($@"found +libcudnn\.so\.9 +{Path.Combine(cudnn, "libcudnn.so.9")}\n", result.Output);
        Assert.Matches($@"found +libcuda\.so\.1 +{Path.Combine(driver, "libcuda.so.1")}\n", result.Output);
        Assert.Contains($"  LD_LIBRARY_PATH={cuda}:{cudnn}:{driver}\n", result.Output);
        Assert.Contains($"  FFF_ORT_CUDA_LIBRARY={Path.Combine(Kit, "ort-cuda", "libonnxruntime.so")}\n", result.Output);
        Assert.DoesNotContain("MISSING", result.Output);
    }

    [Fact]
    public void The_run_script_finds_libraries_in_a_toolkit_folder_directly()
    {
        string toolkit = _folder.Combine("cuda-13.0", "lib64");
        Directory.CreateDirectory(toolkit);
        foreach (var name in CudaLibraries.Concat(CudnnLibraries).Append("libcuda.so.1")) File.WriteAllBytes(Path.Combine(toolkit, name), []);

        var result = Bash("run-gpu.sh", SearchOnly(toolkit), "--find-only");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains($"  LD_LIBRARY_PATH={toolkit}\n", result.Output);
    }

    [Fact]
    public void The_run_script_names_exactly_what_is_missing_and_runs_nothing()
    {
        var (driver, site) = FakeWheelTree();
        File.Delete(Path.Combine(site, "nvidia", "cu13", "lib", "libcurand.so.10"));
        File.Delete(Path.Combine(site, "nvidia", "cudnn", "lib", "libcudnn_cnn.so.9"));
        string marker = _folder.Combine("ran");
        var environment = SearchOnly(driver, site);
        environment["FFF_KIT_PROGRAM"] = FakeProgram(marker);

        var result = Bash("run-gpu.sh", environment, "--backends", "ort-cuda");

        Assert.Equal(4, result.ExitCode);
        var missing = result.Output.Split('\n').Where(l => l.Contains("MISSING")).Select(l => l.Trim()).ToArray();
        Assert.Equal(
            [
                "MISSING libcurand.so.10    (CUDA cuRAND): install CUDA toolkit 13 or the wheel nvidia-curand (CUDA 13)",
                $"MISSING libcudnn_cnn.so.9  (part of cuDNN 9) beside libcudnn.so.9 in {Path.Combine(site, "nvidia", "cudnn", "lib")}",
            ],
            missing);
        Assert.Contains("run-gpu.sh: 2 libraries missing; searched in and below", result.Error);
        Assert.False(File.Exists(marker), "nothing runs while a library is missing");
    }

    /// <summary>A stand-in for the published fff: records its arguments and the two variables the script sets.</summary>
    private string FakeProgram(string marker)
    {
        string program = _folder.Write("fake-fff", $$"""
            #!/usr/bin/env bash
            echo "$* | LD_LIBRARY_PATH=$LD_LIBRARY_PATH | FFF_ORT_CUDA_LIBRARY=$FFF_ORT_CUDA_LIBRARY" >> "{{marker}}"
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return program;
    }

    [Fact]
    public void The_run_script_passes_its_arguments_to_fff_run_then_lists_the_backends()
    {
        var (driver, site) = FakeWheelTree();
        string marker = _folder.Combine("ran");
        var environment = SearchOnly(driver, site);
        environment["FFF_KIT_PROGRAM"] = FakeProgram(marker);
        environment["FFF_ORT_CUDA_LIBRARY"] = "/opt/ort/libonnxruntime.so";

        var result = Bash("run-gpu.sh", environment, "--backends", "ort-cuda,ort-cpu", "--models", "resnet18", "--out", "results/h200");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        string path = $"{Path.Combine(site, "nvidia", "cu13", "lib")}:{Path.Combine(site, "nvidia", "cudnn", "lib")}:{driver}";
        Assert.Equal(
            [
                $"run --backends ort-cuda,ort-cpu --models resnet18 --out results/h200 | LD_LIBRARY_PATH={path} | FFF_ORT_CUDA_LIBRARY=/opt/ort/libonnxruntime.so",
                $"backends | LD_LIBRARY_PATH={path} | FFF_ORT_CUDA_LIBRARY=/opt/ort/libonnxruntime.so",
            ],
            File.ReadAllLines(marker));
    }

    [Fact]
    public void The_build_script_refuses_an_unknown_argument_before_building_anything()
    {
        var result = Bash("build-kit.sh", null, "--gpu");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("build-kit.sh: unknown argument --gpu (see --help)", result.Error.Trim());
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void The_suites_build_never_restores_the_gpu_package()
    {
        string root = RepositoryRoot();
        Assert.DoesNotContain("OrtGpuNative", File.ReadAllText(Path.Combine(root, "FormFollowsFunction.sln")));
        Assert.DoesNotContain("Gpu", File.ReadAllText(Path.Combine(root, "Directory.Packages.props")));
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu.Linux", File.ReadAllText(Path.Combine(Kit, "ort-gpu", "OrtGpuNative.csproj")));
    }
}
