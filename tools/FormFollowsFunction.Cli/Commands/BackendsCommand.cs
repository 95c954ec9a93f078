using System.ComponentModel;
using System.Text.Json;
using FormFollowsFunction.Benchmarks.Backends;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Benchmarks.Worker;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FormFollowsFunction.Cli.Commands;

/// <summary><c>fff backends</c>: probes every backend in a worker process and says what runs here.</summary>
internal sealed class BackendsCommand : Command<BackendsCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Write the backends as JSON to standard output.")]
        public bool Json { get; init; }

        [CommandOption("--config <FILE>")]
        [Description("Take backend options (native library paths, devices) from this sweep configuration.")]
        public string? Config { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var configuration = settings.Config is null ? SweepPresets.Quick : SweepConfigurationFile.Load(settings.Config);
        var probed = BackendProber.ProbeInScratchFolder(WorkerLauncher.ForCurrentProgram(), BackendCatalog.All, configuration.OptionsFor, cancellation);
        if (settings.Json)
        {
            var entries = probed.Select(b => new
            {
                name = b.Descriptor.Name,
                engine = b.Descriptor.Engine.ToString(),
                available = b.Available,
                version = b.Probe.Version,
                device = b.Probe.Device,
                reason = b.Probe.Reason,
                note = b.Note,
                onednn_max_isa = b.OneDnnMaxIsa,
                library_variable = b.Descriptor.LibraryVariable,
                how_to_enable = b.Descriptor.HowToEnable,
            });
            ConsoleOutput.Standard.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(entries, new JsonSerializerOptions
            {
                WriteIndented = true,
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }));
            return 0;
        }

        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("backend").AddColumn("status").AddColumn("version").AddColumn("device").AddColumn("notes");
        foreach (var b in probed)
        {
            table.AddRow(
                Markup.Escape(b.Descriptor.Name),
                b.Available ? "[green]available[/]" : "[yellow]unavailable[/]",
                Markup.Escape(b.Probe.Version),
                Markup.Escape(b.Probe.Device),
                Markup.Escape(b.Available ? b.Note ?? b.Descriptor.Summary : b.Probe.Reason ?? ""));
        }
        ConsoleOutput.Standard.Write(table);
        return 0;
    }
}
