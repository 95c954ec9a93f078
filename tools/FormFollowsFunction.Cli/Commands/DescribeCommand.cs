using System.ComponentModel;
using FormFollowsFunction.Architectures.Catalog;
using FormFollowsFunction.Architectures.Counting;
using FormFollowsFunction.Architectures.Onnx.Import;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary><c>fff describe MODEL</c>: the network's layers and its analytic counts.</summary>
internal sealed class DescribeCommand : Command<DescribeCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("Model identifier: a reference network (resnet50), PATTERN-dDEPTH-wWIDTH (residual-d8-w1.0) or an ONNX file (net.onnx; one with operators the importer lacks gets what its graph alone tells). 'fff list' shows them.")]
        public string Model { get; init; } = "";

        [CommandOption("--resolution <PIXELS>")]
        [Description("Input height and width in pixels.")]
        [DefaultValue(224)]
        public int Resolution { get; init; } = 224;

        [CommandOption("--batch <N>")]
        [Description("Batch size; MACs, FLOPs and activation bytes scale with it.")]
        [DefaultValue(1)]
        public int Batch { get; init; } = 1;

        [CommandOption("--classes <N>")]
        [Description("Outputs of the classifier.")]
        [DefaultValue(1000)]
        public int Classes { get; init; } = 1000;

        [CommandOption("--input-shape <SHAPE>")]
        [Description("For an ONNX file: the input shape, such as 1x3x48x192, that fixes its dynamic dimensions.")]
        public string? InputShape { get; init; }

        [CommandOption("--json")]
        [Description("Write the description as JSON to standard output (integer counts; bytes are float32).")]
        public bool Json { get; init; }

        public override ValidationResult Validate()
        {
            if (Resolution <= 0) return ValidationResult.Error($"--resolution must be a positive number of pixels, got {Resolution}");
            if (Batch <= 0) return ValidationResult.Error($"--batch must be at least 1, got {Batch}");
            if (Classes <= 0) return ValidationResult.Error($"--classes must be at least 1, got {Classes}");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var input = new InputSpec(settings.Resolution, settings.Batch, settings.Classes);
        string model = settings.InputShape is { } shape && OnnxUserModel.Names(settings.Model)
            ? OnnxUserModel.Identifier(settings.Model, OnnxUserModel.ParseShape(shape))
            : settings.Model;
        if (settings.InputShape is not null && !OnnxUserModel.Names(settings.Model))
            throw new UserInputException($"--input-shape applies to ONNX files; for {settings.Model} use --resolution and --batch");
        var definition = ModelCatalog.Default.Resolve(model);
        if (!definition.HasDescription) return DescribeGraphOnly(definition, settings.Json);
        var counts = NetworkCounter.Count(Build(definition, input));
        if (definition.SourceFile is { } file && OnnxUserModel.Names(file) && !settings.Json)
        {
            var imported = OnnxUserModel.Imported(definition);
            ConsoleOutput.Standard.MarkupLine(Markup.Escape($"{file}: made by {imported.Producer}, opset {imported.Opset}, SHA-256 {imported.Sha256}"));
        }
        if (settings.Json)
        {
            ConsoleOutput.Standard.Profile.Out.Writer.WriteLine(ModelDescription.From(counts, input).ToJson());
            return 0;
        }
        var console = ConsoleOutput.Standard;
        console.Write(LayerTable(counts));
        console.Write(Totals(counts, input));
        console.Write(Conventions());
        return 0;
    }

    /// <summary>
    /// The reduced answer for an ONNX file without a network description: what the file says of itself and what its
    /// graph alone counts, the rest marked unknown with the reason, and the line that names its unsupported operators.
    /// </summary>
    private static int DescribeGraphOnly(ModelDefinition definition, bool json)
    {
        var file = OnnxUserModel.GraphOnly(definition);
        var counts = file.Counts;
        if (json)
        {
            ConsoleOutput.Standard.Profile.Out.Writer.WriteLine(GraphOnlyDescription.From(definition, file).ToJson());
            return 0;
        }
        var console = ConsoleOutput.Standard;
        console.MarkupLine(Markup.Escape($"{definition.SourceFile}: made by {file.Facts.Producer}, opset {file.Facts.Opset}, SHA-256 {file.Facts.Sha256}"));
        console.MarkupLine(Markup.Escape($"no network description (no layer table, no TorchSharp): {definition.DescriptionProblem}"));
        var table = new Table().Border(TableBorder.Simple)
            .Title(Markup.Escape($"from the graph alone: {file.InputShape} → {file.DeclaredOutput} (declared)"))
            .AddColumn(new TableColumn("count").NoWrap())
            .AddColumn(new TableColumn("value").RightAligned().NoWrap())
            .AddColumn(new TableColumn("exact").RightAligned().NoWrap());
        const string Unknown = "not known";
        table.AddRow("parameters", Quantity.Count(counts.Parameters, ""), Quantity.Exact(counts.Parameters));
        table.AddRow("MACs", counts.Macs is { } macs ? Quantity.Count(macs, "MACs") : Unknown, counts.Macs is { } m ? Quantity.Exact(m) : "");
        table.AddRow("FLOPs", Unknown, "");
        table.AddRow("weight bytes", Quantity.Bytes(counts.WeightBytes), Quantity.Exact(counts.WeightBytes));
        table.AddRow("activation bytes", Unknown, "");
        table.AddRow("peak activation bytes", Unknown, "");
        console.Write(table);
        if (counts.MacsUnknown is { } why) console.MarkupLine(Markup.Escape($"MACs not known: {why}"));
        console.MarkupLine("FLOPs and activation bytes not known: they need the network description (every layer's arithmetic and output shape)");
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("parameters", "elements of the floating-point tensors the file holds (initializers, Constant nodes), scalars and batch norm running statistics excluded");
        grid.AddRow("MACs", "multiply-accumulates of convolutions and matrix products, where shapes can be inferred through every node");
        grid.AddRow("weight bytes", "bytes of every floating-point tensor the file holds, as stored");
        console.Write(grid);
        return 0;
    }

    /// <summary>Builds the model, turning a too-small or unsuitable resolution into advice about <c>--resolution</c>.</summary>
    internal static Architectures.Description.Network Build(ModelDefinition model, InputSpec input)
    {
        try
        {
            return model.Build(input);
        }
        catch (InputResolutionException e) when (e.Minimum is int minimum)
        {
            throw new UserInputException($"{e.ModelId} needs --resolution of at least {minimum} (got {e.Requested})");
        }
        catch (InputResolutionException e)
        {
            string nearest = e.NearestAbove is int above ? $"{e.NearestBelow} or {above}" : $"{e.NearestBelow}";
            throw new UserInputException($"{e.ModelId} cannot be built at --resolution {e.Requested} ({e.Cause.Message}); try --resolution {nearest}");
        }
    }

    private static Table LayerTable(NetworkCounts counts)
    {
        var table = new Table().Border(TableBorder.Simple)
            .Title($"{Markup.Escape(counts.ModelId)}: {counts.InputShape} → {counts.OutputShape}")
            .AddColumn(new TableColumn("layer").NoWrap())
            .AddColumn(new TableColumn("kind").NoWrap())
            .AddColumn(new TableColumn("output shape").NoWrap())
            .AddColumn(new TableColumn("params").RightAligned().NoWrap())
            .AddColumn(new TableColumn("MACs").RightAligned().NoWrap())
            .AddColumn(new TableColumn("FLOPs").RightAligned().NoWrap());
        foreach (var layer in counts.Layers)
            table.AddRow(
                Markup.Escape(layer.Node.Name),
                Markup.Escape(layer.Node.Layer.Kind),
                layer.Node.OutputShape.ToString(),
                Quantity.Exact(layer.Parameters),
                Quantity.Exact(layer.Macs),
                Quantity.Exact(layer.Flops));
        return table;
    }

    private static Table Totals(NetworkCounts counts, InputSpec input)
    {
        var table = new Table().Border(TableBorder.Simple)
            .Title($"totals at {counts.InputShape} (input), batch {counts.InputShape.Batch}, {counts.Layers.Length} layers")
            .AddColumn(new TableColumn("count").NoWrap())
            .AddColumn(new TableColumn("value").RightAligned().NoWrap())
            .AddColumn(new TableColumn("exact").RightAligned().NoWrap());
        void Row(string name, string value, long exact) => table.AddRow(name, value, Quantity.Exact(exact));
        Row("parameters", Quantity.Count(counts.Parameters, ""), counts.Parameters);
        Row("MACs", Quantity.Count(counts.Macs, "MACs"), counts.Macs);
        Row("FLOPs", Quantity.Count(counts.Flops, "FLOPs"), counts.Flops);
        Row("weight bytes", Quantity.Bytes(counts.WeightBytes), counts.WeightBytes);
        Row("activation bytes", Quantity.Bytes(counts.ActivationBytes), counts.ActivationBytes);
        Row("peak activation bytes", Quantity.Bytes(counts.PeakActivationBytes), counts.PeakActivationBytes);
        return table;
    }

    private static Grid Conventions()
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("parameters", "trainable weights, as PyTorch counts them (batch norm running statistics excluded)");
        grid.AddRow("MACs", Markup.Escape("multiply-accumulates of convolutions and fully connected layers only (torchvision's \"GFLOPS\" column)"));
        grid.AddRow("FLOPs", "2 x MACs + biases, batch norm, activations, adds, products and pools (docs/architectures.md)");
        grid.AddRow("weight bytes", "float32 bytes of every weight tensor, batch norm running statistics included");
        grid.AddRow("activation bytes", "float32 bytes of every layer's output, summed");
        grid.AddRow("peak activation", "most float32 bytes alive at once when the layers run in order, the input included");
        return grid;
    }
}
