using System.Text.Json;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Specs;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Architectures;

/// <summary>A models folder (<c>--models-dir</c>, <c>models_dir:</c>): its files are listed and resolvable by name beside the catalog.</summary>
public sealed class UserModelFolderTests
{
    private const string Tiny = "kind: stages\nname: tiny\nstages:\n  - {block: plain, depth: 1, channels: 8, stride: 2}\n";

    [Fact]
    public void The_folders_spec_and_onnx_files_are_listed_and_spec_files_resolve_by_name()
    {
        using var folder = new TemporaryFolder();
        folder.Write("a.yaml", Tiny);
        folder.Write("broken.yml", "kind: stages\nstages:\n  - {block: plain, dept: 1, channels: 8}\n");
        folder.Write("exported.onnx", "not read by the listing");
        folder.Write("notes.txt", "not a model");
        folder.Write("sub/deeper.yaml", Tiny);

        var catalog = ModelCatalog.Default.WithModelsFolder(folder.Path);
        var files = catalog.UserModels!.Files;
        Assert.Equal(["tiny", "broken", "exported"], files.Select(f => f.Id));
        Assert.Equal(["spec", "spec", "onnx"], files.Select(f => f.Kind));
        Assert.Null(files[0].Problem);
        Assert.Contains("did you mean 'stages[0].depth'?", files[1].Problem);

        var model = catalog.Resolve("tiny");
        Assert.True(model.IsUser);
        Assert.Equal(folder.Combine("a.yaml"), model.SourceFile);
        Assert.Equal("resnet18", catalog.Resolve("resnet18").Id);
        Assert.Contains("did you mean", Assert.Throws<NetworkSpecException>(() => catalog.Resolve("broken")).Message);
        // Without the folder the name means nothing, and the catalog's error lists the folder's models when there is one.
        Assert.Throws<UnknownModelException>(() => ModelCatalog.Default.Resolve("tiny"));
        Assert.Contains("user models in", Assert.Throws<UnknownModelException>(() => catalog.Resolve("tinny")).Message);
    }

    [Fact]
    public void A_missing_folder_is_named_with_the_fix()
    {
        var e = Assert.Throws<UnknownModelException>(() => ModelCatalog.Default.WithModelsFolder("/no/such/folder"));
        Assert.Contains("models folder '/no/such/folder' does not exist", e.Message);
        Assert.Same(ModelCatalog.Default, ModelCatalog.Default.WithModelsFolder(""));
    }

    [Fact]
    public void A_sweep_names_folder_models_by_name_and_keeps_their_file_for_the_workers()
    {
        using var folder = new TemporaryFolder();
        folder.Write("a.yaml", Tiny);
        var configuration = SweepConfigurationFile.Parse(
            $"models: [tiny, resnet18]\nmodels_dir: {folder.Path}\nbackends: [ort-cpu]\nresolution: [32]\n", "sweep.yaml");
        Assert.Equal(folder.Path, configuration.ModelsDir);
        var catalog = ModelCatalog.Default.WithModelsFolder(configuration.ModelsDir);
        var resolved = SweepConfigurationValidator.Resolve(configuration, catalog, physicalCores: 1);
        Assert.Equal([folder.Combine("a.yaml"), "resnet18"], resolved.Models);
        // The worker process resolves the file with the plain catalog.
        Assert.Equal("tiny", ModelCatalog.Default.Resolve(resolved.Models[0]).Id);
    }

    [Fact]
    public void Fff_list_shows_the_folders_models_beside_the_catalog()
    {
        var result = FffProgram.Run("list", "--models-dir", Path.Combine(SourceTree.Root()!, "docs", "examples", "specs"), "--json");
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var users = json.RootElement.GetProperty("user_models").EnumerateArray().ToDictionary(u => u.GetProperty("name").GetString()!);
        Assert.Contains("resnet18", json.RootElement.GetProperty("references").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        var resnet18 = json.RootElement.GetProperty("references").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "resnet18");
        Assert.Equal(resnet18.GetProperty("counted_params").GetInt64(), users["resnet18-spec"].GetProperty("counted_params").GetInt64());
        Assert.Equal(resnet18.GetProperty("counted_macs").GetInt64(), users["resnet18-spec"].GetProperty("counted_macs").GetInt64());
        Assert.Contains("pc-darts-imagenet", users.Keys);
    }

    [Fact]
    public void Fff_reports_a_misspelt_key_in_one_line_with_exit_code_2()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Write("net.yaml", "kind: darts\ncells: 8\ngenotyp: x\n");
        var result = FffProgram.Run("describe", path);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal([$"error: {path} (line 3): unknown key 'genotyp'; did you mean 'genotype'?"], result.ErrorLines);
    }
}
