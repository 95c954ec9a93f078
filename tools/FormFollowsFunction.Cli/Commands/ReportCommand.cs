using System.ComponentModel;
using FormFollowsFunction.Results;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary><c>fff report RUN_DIR...</c>: figures, tables and a report document from one or more run folders.</summary>
internal sealed class ReportCommand : Command<ReportCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<RUN_DIR>")]
        [Description("One or more run folders written by 'fff run', or profile folders written by 'fff profile --out DIR' (layers.csv); several are combined into one report.")]
        public string[] Runs { get; init; } = [];

        [CommandOption("--out <DIR>")]
        [Description("Report folder. Default: reports/<run folder name> (reports/combined-<UTC time> for several runs) in the repository.")]
        public string? Out { get; init; }

        [CommandOption("--baseline <BACKEND>")]
        [Description("Backend that speed-ups are relative to. Default: the baseline the runs were measured with ('fff run --baseline'), else torch-cpu.")]
        public string? Baseline { get; init; }

        [CommandOption("--formats <LIST>")]
        [Description("Figure formats, comma-separated: png, svg.")]
        [DefaultValue("png,svg")]
        public string Formats { get; init; } = "png,svg";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation) =>
        ReportWriter.Write(settings.Runs.Select(p => new RunFolder(p)).ToList(), settings.Out, settings.Baseline, settings.Formats);
}
