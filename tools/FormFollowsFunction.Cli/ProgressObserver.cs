using System.Diagnostics;
using System.Globalization;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Results;
using Spectre.Console;

namespace FormFollowsFunction.Cli;

/// <summary>
/// Shows a sweep as it goes: a line per finished launch (status, median latency, why it stopped), a
/// line per cell once its launches are combined, and, on a terminal, a progress bar with the current
/// launch, launches done / total and the time left.
/// </summary>
internal sealed class ProgressObserver(IAnsiConsole console, int launchesToRun) : ISweepObserver
{
    private readonly Stopwatch _clock = new();
    private ProgressTask? _bar;
    private int _done;

    public T Show<T>(Func<CancellationToken, T> sweep, CancellationToken cancellation)
    {
        _clock.Start();
        if (!console.Profile.Capabilities.Interactive) return sweep(cancellation);
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _bar = context.AddTask("starting", maxValue: Math.Max(1, launchesToRun));
                return sweep(cancellation);
            });
    }

    public void PreparingModel(ModelGroup group) => Describe($"exporting {group.Name}");

    public void LaunchStarting(SweepLaunch launch) =>
        Describe($"[{_done + 1}/{launchesToRun}] {launch.Cell.Model.Id} on {launch.Cell.Backend.Name}, {Counted.Of(launch.Cell.Threads, "thread")}{RoundOf(launch)}");

    public void LaunchFinished(SweepLaunch launch, ResultRow row)
    {
        _done++;
        _bar?.Increment(1);
        string timing = row.MedianMs is double median
            ? FormattableString.Invariant($"median {median:0.###} ms (95% CI {row.Ci95LowMs:0.###}-{row.Ci95HighMs:0.###}), {row.Iterations} it, {row.StopReason}")
            : "";
        string parity = row.ParityRelErr is double error ? FormattableString.Invariant($", parity {error:0.0e0} vs {row.ParityReference}") : "";
        string cores = row.CoreLatencyNs is double ns ? FormattableString.Invariant($", cores {ns:0} ns") : "";
        string problem = row.Error.Length > 0 ? $" — {row.Error}" : "";
        string eta = _bar is null && _done < launchesToRun ? $" (ETA {Remaining()})" : "";
        console.MarkupLine(
            $"[grey][[{_done}/{launchesToRun}]][/] {Markup.Escape(launch.Cell.Model.Id)} [blue]{Markup.Escape(launch.Cell.Backend.Name)}[/] t{launch.Cell.Threads}{Markup.Escape(RoundOf(launch))} " +
            $"[{Color(row)}]{Markup.Escape(row.Status)}[/] {Markup.Escape(timing + parity + cores + problem)}{eta}");
    }

    public void CellFinished(SweepCell cell, ResultRow row)
    {
        if (row.Launches is not > 1) return; // one launch: its line said it all
        string spread = row.LaunchCv is double cv ? FormattableString.Invariant($", launch CV {cv:P1}") : "";
        string timing = row.MedianMs is double median
            ? FormattableString.Invariant($"median of {row.Launches} launches {median:0.###} ms (95% CI {row.Ci95LowMs:0.###}-{row.Ci95HighMs:0.###}{spread})")
            : "";
        console.MarkupLine(
            $"      [bold]{Markup.Escape(cell.Model.Id)}[/] [blue]{Markup.Escape(cell.Backend.Name)}[/] t{cell.Threads} [{Color(row)}]{Markup.Escape(row.Status)}[/] {Markup.Escape(timing)}");
    }

    private static string RoundOf(SweepLaunch launch) => launch.Rounds > 1 ? $" round {launch.Round}/{launch.Rounds}" : "";

    private static string Color(ResultRow row) => row.ParsedStatus switch
    {
        CellStatus.Ok => "green",
        CellStatus.Mismatch => "yellow",
        _ => "red",
    };

    public void Note(string message) => console.MarkupLine($"[yellow]note:[/] {Markup.Escape(message)}");

    private void Describe(string text)
    {
        if (_bar is not null) _bar.Description = Markup.Escape(text);
    }

    private string Remaining()
    {
        var left = TimeSpan.FromTicks(_clock.Elapsed.Ticks / Math.Max(1, _done) * (launchesToRun - _done));
        return left.TotalHours >= 1 ? left.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : left.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }
}
