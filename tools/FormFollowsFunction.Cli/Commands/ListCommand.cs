using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Description;
using FormFollowsFunction.Architectures.Specs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary><c>fff list</c>: the architecture patterns and the reference networks the catalog knows.</summary>
internal sealed class ListCommand : Command<ListCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Write the list as JSON to standard output.")]
        public bool Json { get; init; }

        [CommandOption("--models-dir <DIR>")]
        [Description("Also list the user models (.yaml/.yml spec files, .onnx files) of this folder, by the names --models accepts.")]
        public string? ModelsDir { get; init; }
    }

    internal sealed record PatternEntry(string Name, string Summary, string DepthMeaning, string WidthMeaning, string Example);

    /// <summary>A reference network with its published counts and the suite's own count at 224x224, 1000 classes.</summary>
    internal sealed record ReferenceEntry(string Name, string Summary, long PublishedParams, double PublishedGmacs, string PublishedSource,
        long CountedParams, long CountedMacs);

    /// <summary>A user model of the models folder with the suite's count at 224x224, 1000 classes, or why it cannot be counted.</summary>
    internal sealed record UserModelEntry(string Name, string File, string Kind, long? CountedParams, long? CountedMacs, string? Problem);

    internal sealed record Listing(IReadOnlyList<PatternEntry> Patterns, IReadOnlyList<ReferenceEntry> References, IReadOnlyList<UserModelEntry> UserModels);

    internal static Listing Create(ModelCatalog catalog) => new(
        [.. catalog.Patterns.Select(p => new PatternEntry(p.Name, p.Summary, p.DepthMeaning, p.WidthMeaning, ModelCatalog.PatternId(p.Name, p.ExampleDepth, 1.0)))],
        [.. catalog.References.Select(r =>
        {
            var counts = NetworkCounter.Count(r.Build(InputSpec.Default));
            return new ReferenceEntry(r.Name, r.Summary, r.Published.Parameters, r.Published.GigaMacs, r.Published.Source, counts.Parameters, counts.Macs);
        })],
        [.. (catalog.UserModels?.Files ?? []).Select(f => Count(catalog, f))]);

    private static UserModelEntry Count(ModelCatalog catalog, UserModelFile file)
    {
        if (file.Problem is { } problem) return new(file.Id, file.Path, file.Kind, null, null, problem);
        try
        {
            var counts = NetworkCounter.Count(catalog.Resolve(file.Path).Build(InputSpec.Default));
            return new(file.Id, file.Path, file.Kind, counts.Parameters, counts.Macs, null);
        }
        catch (Exception e) when (e is UnknownModelException or NetworkDefinitionException or NotSupportedException)
        {
            return new(file.Id, file.Path, file.Kind, null, null, e.Message);
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var listing = Create(ModelCatalog.Default.WithModelsFolder(settings.ModelsDir));
        if (settings.Json)
        {
            var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
            ConsoleOutput.Standard.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(listing, options));
            return 0;
        }

        var console = ConsoleOutput.Standard;
        console.Write(new Rule("[bold]patterns[/]: identifiers read PATTERN-dDEPTH-wWIDTH").LeftJustified());
        foreach (var p in listing.Patterns)
        {
            var about = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            about.AddRow("blocks", Markup.Escape(p.Summary));
            about.AddRow("depth", Markup.Escape(p.DepthMeaning));
            about.AddRow("width", Markup.Escape(p.WidthMeaning));
            about.AddRow("example", Markup.Escape(p.Example));
            console.Write(new Panel(about).Header($"[bold]{Markup.Escape(p.Name)}[/]").Border(BoxBorder.None).Padding(2, 0, 0, 1));
        }

        console.Write(new Rule("[bold]reference networks[/]: counted at 224x224, 1000 classes, batch 1").LeftJustified());
        var counts = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("model").NoWrap())
            .AddColumn(new TableColumn("params published").RightAligned())
            .AddColumn(new TableColumn("params counted").RightAligned())
            .AddColumn(new TableColumn("GMACs published").RightAligned())
            .AddColumn(new TableColumn("GMACs counted").RightAligned());
        foreach (var r in listing.References)
            counts.AddRow(Markup.Escape(r.Name), Quantity.Exact(r.PublishedParams), Quantity.Exact(r.CountedParams),
                r.PublishedGmacs.ToString("0.00#", CultureInfo.InvariantCulture),
                (r.CountedMacs / 1e9).ToString("0.000", CultureInfo.InvariantCulture));
        console.Write(counts);
        var summaries = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var r in listing.References)
            summaries.AddRow(Markup.Escape(r.Name), Markup.Escape($"{r.Summary}. Published: {r.PublishedSource}."));
        console.Write(summaries);
        if (settings.ModelsDir is not null)
        {
            console.Write(new Rule($"[bold]user models[/] in {Markup.Escape(settings.ModelsDir)}: counted at 224x224, 1000 classes, batch 1").LeftJustified());
            var users = new Table().Border(TableBorder.Simple)
                .AddColumn(new TableColumn("model").NoWrap())
                .AddColumn(new TableColumn("kind"))
                .AddColumn(new TableColumn("file"))
                .AddColumn(new TableColumn("params counted").RightAligned())
                .AddColumn(new TableColumn("GMACs counted").RightAligned());
            foreach (var u in listing.UserModels)
                users.AddRow(Markup.Escape(u.Name), u.Kind, Markup.Escape(Path.GetFileName(u.File)),
                    u.CountedParams is { } p ? Quantity.Exact(p) : "-",
                    u.CountedMacs is { } m ? (m / 1e9).ToString("0.000", CultureInfo.InvariantCulture) : Markup.Escape(u.Problem ?? "-"));
            console.Write(users);
            if (listing.UserModels.Count == 0) console.WriteLine("(no .yaml, .yml or .onnx files)");
        }
        console.WriteLine("GMACs: 10^9 multiply-accumulates of convolutions and fully connected layers (torchvision's \"GFLOPS\" column).");
        return 0;
    }
}
