using System.Text.Json;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Onnx;
using FormFollowsFunction.Cli;
using FormFollowsFunction.Cli.Commands;
using FormFollowsFunction.Cli.Verification;
using Spectre.Console;

namespace FormFollowsFunction.Tests.Export;

/// <summary>The export and verify commands, run in-process on a catalog holding one small test network.</summary>
public sealed class ExportAndVerifyCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fff-cli-").FullName;
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();
    private readonly IAnsiConsole _output;
    private readonly IAnsiConsole _progress;

    private static readonly ModelCatalog Catalog = new([], [new TinyNetwork()]);

    public ExportAndVerifyCommandTests()
    {
        _output = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_stdout), Ansi = AnsiSupport.No });
        _progress = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_stderr), Ansi = AnsiSupport.No });
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class TinyNetwork : IReferenceNetwork
    {
        public string Name => "tiny";
        public string Summary => "conv, batch norm, ReLU, global pooling, classifier";
        public PublishedCounts Published => new(0, 0, "test network");

        public Network Build(InputSpec input)
        {
            var b = new NetworkBuilder(Name, input.Shape);
            var x = b.Relu("relu", b.BatchNorm("bn", b.Conv2d("conv", b.Input, 8, 3, stride: 2)));
            return b.Build(b.Linear("fc", b.Flatten("flatten", b.GlobalAvgPool("pool", x)), input.Classes));
        }
    }

    private ExportCommand.Settings Export(int seed = 0) =>
        new() { Models = ["tiny"], Out = _folder, Resolution = 32, Batch = 2, Seed = seed };

    [Fact]
    public void Export_writes_the_model_and_a_sidecar_that_describes_it()
    {
        Assert.Equal(0, ExportCommand.Run(Catalog, Export(seed: 4), _output, _progress, CancellationToken.None));

        string onnx = Path.Combine(_folder, "tiny.onnx");
        byte[] bytes = File.ReadAllBytes(onnx);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "tiny.json")));
        var root = json.RootElement;
        Assert.Equal("tiny", root.GetProperty("model").GetString());
        Assert.Equal(32, root.GetProperty("resolution").GetInt32());
        Assert.Equal(2, root.GetProperty("batch").GetInt32());
        Assert.Equal(4, root.GetProperty("seed").GetInt32());
        Assert.Equal(OnnxExporter.Opset, root.GetProperty("opset").GetInt32());
        Assert.Equal(OnnxExporter.Sha256(bytes), root.GetProperty("sha256").GetString());
        Assert.Equal(bytes.LongLength, root.GetProperty("file_bytes").GetInt64());
        Assert.Equal(3 * 8 * 9 + 8 + 8 + 8 * 1000 + 1000, root.GetProperty("params").GetInt64());
        // 2 images x 8 x 16 x 16 outputs x 27 taps, plus 2 x 8 x 1000.
        Assert.Equal(2L * 8 * 16 * 16 * 27 + 2 * 8 * 1000, root.GetProperty("macs").GetInt64());
        Assert.Equal(root.GetProperty("macs").GetInt64(), root.GetProperty("onnx_recount_macs").GetInt64());
        // Weights hold the batch norm's running statistics too: (216 + 8·4 + 8000 + 1000) floats.
        Assert.Equal(4L * (216 + 8 * 4 + 8000 + 1000), root.GetProperty("weight_bytes").GetInt64());
        Assert.Contains($"sha256:{OnnxExporter.Sha256(bytes)}", _stdout.ToString());
        Assert.Contains("tiny: weights", _stderr.ToString());
    }

    [Fact]
    public void Exporting_twice_gives_the_same_file()
    {
        ExportCommand.Run(Catalog, Export(), _output, _progress, CancellationToken.None);
        byte[] first = File.ReadAllBytes(Path.Combine(_folder, "tiny.onnx"));
        ExportCommand.Run(Catalog, Export(), _output, _progress, CancellationToken.None);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(_folder, "tiny.onnx")));
    }

    [Fact]
    public void An_unknown_model_fails_before_anything_is_written()
    {
        var settings = new ExportCommand.Settings { Models = ["tiny", "resnet5O"], Out = _folder };
        var e = Assert.Throws<UnknownModelException>(() => ExportCommand.Run(Catalog, settings, _output, _progress, CancellationToken.None));
        Assert.Contains("resnet5O", e.Message);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Theory]
    [InlineData(0, 1, "--resolution")]
    [InlineData(32, 0, "--batch")]
    public void Bad_sizes_are_refused_naming_the_option(int resolution, int batch, string option)
    {
        var settings = new ExportCommand.Settings { Models = ["tiny"], Out = _folder, Resolution = resolution, Batch = batch };
        var result = settings.Validate();
        Assert.False(result.Successful);
        Assert.Contains(option, result.Message);
        Assert.Contains("--out", new ExportCommand.Settings { Models = ["tiny"] }.Validate().Message);
    }

    [Fact]
    public void Verify_agrees_for_the_model_exported_in_memory_and_for_the_exported_file()
    {
        var inMemory = new VerifyCommand.Settings { Model = "tiny", Resolution = 32, Batch = 2, Seed = 4 };
        Assert.Equal(0, VerifyCommand.Run(Catalog, inMemory, _output, _progress));
        Assert.Contains("relative L2 error", _stdout.ToString());

        ExportCommand.Run(Catalog, Export(seed: 4), _output, _progress, CancellationToken.None);
        var fromFile = new VerifyCommand.Settings { Model = "tiny", Resolution = 32, Batch = 2, Seed = 4, OnnxFile = Path.Combine(_folder, "tiny.onnx") };
        Assert.Equal(0, VerifyCommand.Run(Catalog, fromFile, _output, _progress));
    }

    [Fact]
    public void Verify_of_a_file_with_other_weights_names_the_seed_to_use()
    {
        ExportCommand.Run(Catalog, Export(seed: 4), _output, _progress, CancellationToken.None);
        var settings = new VerifyCommand.Settings { Model = "tiny", Resolution = 32, Batch = 2, Seed = 5, OnnxFile = Path.Combine(_folder, "tiny.onnx") };
        var e = Assert.Throws<UserInputException>(() => VerifyCommand.Run(Catalog, settings, _output, _progress));
        Assert.Contains("--seed 4", e.Message);
    }

    [Fact]
    public void Verify_of_a_file_exported_at_another_resolution_says_so()
    {
        ExportCommand.Run(Catalog, Export(), _output, _progress, CancellationToken.None);
        var settings = new VerifyCommand.Settings { Model = "tiny", Resolution = 64, Batch = 2, OnnxFile = Path.Combine(_folder, "tiny.onnx") };
        var e = Assert.Throws<UserInputException>(() => VerifyCommand.Run(Catalog, settings, _output, _progress));
        Assert.Contains("2x3x32x32", e.Message);
        Assert.Contains("--resolution", e.Message);
    }

    [Fact]
    public void A_missing_onnx_file_is_a_one_line_error_naming_the_file()
    {
        string path = Path.Combine(_folder, "absent.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => ExportedModelCheck.Require(path, TensorShape.Nchw(1, 3, 32, 32)));
        Assert.Contains(path, e.Message);
        Assert.Contains("fff export", e.Message);
    }

    [Fact]
    public void A_corrupt_onnx_file_is_a_user_error_that_says_to_export_again()
    {
        string path = Path.Combine(_folder, "corrupt.onnx");
        File.WriteAllBytes(path, [0x08, 0x07, 0xFF, 0xFF, 0xFF, 0x12, 0x34]);
        var e = Assert.Throws<UserInputException>(() => ExportedModelCheck.Require(path, TensorShape.Nchw(1, 3, 32, 32)));
        Assert.Contains("cannot load", e.Message);
        Assert.Contains("fff export", e.Message);
    }
}
