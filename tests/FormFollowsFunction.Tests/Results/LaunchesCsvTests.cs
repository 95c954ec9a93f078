using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;
using Xunit;

namespace FormFollowsFunction.Tests.Results;

public sealed class LaunchesCsvTests
{
    [Fact]
    public void A_launches_file_has_the_launch_columns_then_every_results_column()
    {
        string launchHeader = RunCsv.HeaderLine<LaunchRow>().TrimEnd('\n');
        string resultsHeader = ResultsCsv.HeaderLine().TrimEnd('\n');
        Assert.Equal("round,launch,worker_pid,setup_ms,startup_ms,probe_ms,worker_wall_ms," + resultsHeader, launchHeader);
    }

    [Fact]
    public void Launch_rows_round_trip_through_the_file_and_a_torn_last_line_is_dropped()
    {
        using var folder = new TemporaryFolder();
        string path = Path.Combine(folder.Path, "launches.csv");
        var written = new LaunchRow
        {
            Round = 2, Launch = 2, WorkerPid = 4242, SetupMs = 812.5, WorkerWallMs = 1900.25,
            Measurement = new ResultRow { Model = "resnet18", Backend = "ort-cpu", Threads = 2, Batch = 1, Resolution = 224, Status = "ok", MedianMs = 27.123456789, Launches = null },
        };
        using (var csv = new AppendOnlyCsv<LaunchRow>(path)) csv.Append(written);
        File.AppendAllText(path, "3,3,99,1.0");

        var read = Assert.Single(LaunchesCsv.Read(path));
        Assert.Equal((2, 2, 4242, 812.5, 1900.25), (read.Round, read.Launch, read.WorkerPid!.Value, read.SetupMs!.Value, read.WorkerWallMs!.Value));
        Assert.Equal(written.Key, read.Key);
        Assert.Equal(27.123456789, read.Measurement.MedianMs);
        Assert.Null(read.Measurement.Launches);
    }

    [Fact]
    public void A_file_written_whole_is_byte_for_byte_the_file_appended_row_by_row()
    {
        using var folder = new TemporaryFolder();
        var rows = Enumerable.Range(1, 3).Select(round => new LaunchRow
        {
            Round = round, Launch = round, WorkerPid = 100 + round, SetupMs = 800 + round / 3.0,
            Measurement = new ResultRow
            {
                Model = "darts-d8-w0.5", Backend = "ort-cpu", Threads = 2, Batch = 1, Resolution = 224, Status = "ok",
                MedianMs = 1.0 / round, Error = round == 2 ? "a \"quoted\", comma" : "", CoreLatencyNs = round == 3 ? null : 105.25,
                TimestampUtc = new DateTime(2026, 12, 4, 8, 0, round, DateTimeKind.Utc),
            },
        }).ToList();
        string appended = Path.Combine(folder.Path, "appended.csv");
        using (var csv = new AppendOnlyCsv<LaunchRow>(appended))
            foreach (var row in rows) csv.Append(row);

        Assert.Equal(File.ReadAllText(appended), RunCsv.Text(rows));
        Assert.Equal(RunCsv.HeaderLine<LaunchRow>(), RunCsv.Text(Array.Empty<LaunchRow>()));
    }
}
