using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
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
    }

    internal sealed record PatternEntry(string Name, string Summary, string DepthMeaning, string WidthMeaning, string Example);

    /// <summary>A reference network with its published counts and the suite's own count at 224x224, 1000 classes.</summary>
    internal sealed record ReferenceEntry(string Name, string Summary, long PublishedParams, double PublishedGmacs, string PublishedSource,
        long CountedParams, long CountedMacs);

    internal sealed record Listing(IReadOnlyList<PatternEntry> Patterns, IReadOnlyList<ReferenceEntry> References);

    internal static Listing Create(ModelCatalog catalog) => new(
        [.. catalog.Patterns.Select(p => new PatternEntry(p.Name, p.Summary, p.DepthMeaning, p.WidthMeaning, ModelCatalog.PatternId(p.Name, p.ExampleDepth, 1.0)))],
        [.. catalog.References.Select(r =>
        {
            var counts = NetworkCounter.Count(r.Build(InputSpec.Default));
            return new ReferenceEntry(r.Name, r.Summary, r.Published.Parameters, r.Published.GigaMacs, r.Published.Source, counts.Parameters, counts.Macs);
        })]);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var listing = Create(ModelCatalog.Default);
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
        console.WriteLine("GMACs: 10^9 multiply-accumulates of convolutions and fully connected layers (torchvision's \"GFLOPS\" column).");
        return 0;
    }
}
