using System.Diagnostics;
using System.Globalization;
using FormFollowsFunction.Benchmarks.Sweeps;
using FormFollowsFunction.Results;
using Spectre.Console;

namespace FormFollowsFunction.Cli;

/// <summary>
/// Shows a sweep as it goes: a line per finished cell (status, median latency, why it stopped) and,
/// on a terminal, a progress bar with the current cell, cells done / total and the time left.
/// </summary>
internal sealed class ProgressObserver(IAnsiConsole console, int cellsToRun) : ISweepObserver
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
                _bar = context.AddTask("starting", maxValue: Math.Max(1, cellsToRun));
                return sweep(cancellation);
            });
    }

    public void PreparingModel(ModelGroup group) => Describe($"exporting {group.Name}");

    public void CellStarting(SweepCell cell) =>
        Describe($"[{_done + 1}/{cellsToRun}] {cell.Model.Id} on {cell.Backend.Name}, {cell.Threads} threads");

    public void CellFinished(SweepCell cell, ResultRow row)
    {
        _done++;
        _bar?.Increment(1);
        string color = row.ParsedStatus switch
        {
            CellStatus.Ok => "green",
            CellStatus.Mismatch => "yellow",
            _ => "red",
        };
        string timing = row.MedianMs is double median
            ? FormattableString.Invariant($"median {median:0.###} ms (95% CI {row.Ci95LowMs:0.###}-{row.Ci95HighMs:0.###}), {row.Iterations} it, {row.StopReason}")
            : "";
        string parity = row.ParityRelErr is double error ? FormattableString.Invariant($", parity {error:0.0e0} vs {row.ParityReference}") : "";
        string problem = row.Error.Length > 0 ? $" — {row.Error}" : "";
        string eta = _bar is null && _done < cellsToRun ? $" (ETA {Remaining()})" : "";
        console.MarkupLine(
            $"[grey][[{_done}/{cellsToRun}]][/] {Markup.Escape(cell.Model.Id)} [blue]{Markup.Escape(cell.Backend.Name)}[/] t{cell.Threads} " +
            $"[{color}]{Markup.Escape(row.Status)}[/] {Markup.Escape(timing + parity + problem)}{eta}");
    }

    public void Note(string message) => console.MarkupLine($"[yellow]note:[/] {Markup.Escape(message)}");

    private void Describe(string text)
    {
        if (_bar is not null) _bar.Description = Markup.Escape(text);
    }

    private string Remaining()
    {
        var left = TimeSpan.FromTicks(_clock.Elapsed.Ticks / Math.Max(1, _done) * (cellsToRun - _done));
        return left.TotalHours >= 1 ? left.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : left.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }
}
