using FormFollowsFunction.Cli;
using FormFollowsFunction.Cli.Commands;
using Spectre.Console.Cli;

using FormFollowsFunction.Tests.Support;

namespace FormFollowsFunction.Tests.Reports;

/// <summary>The exit codes of <c>fff report</c> and <c>fff compare</c>, run in process the way Program.cs wires them.</summary>
public sealed class ReportCommandsTests : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static int Fff(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.Settings.StrictParsing = true;
            config.SetExceptionHandler((exception, _) => ErrorReporter.Report(exception));
            config.AddCommand<ReportCommand>("report");
            config.AddCommand<CompareCommand>("compare");
        });
        return app.Run(args);
    }

    private string Write(SyntheticRun run) => run.Write(_temp.Combine(run.RunId)).Path;

    [Fact]
    public void Compare_exits_1_on_a_regression_and_0_without_one()
    {
        var small = new SyntheticRun { Patterns = ["residual"], ReferenceNetworks = [], Samples = true, SampleCount = 60 };
        string baseRun = Write(small with { RunId = "base", Seed = 51 });
        string same = Write(small with { RunId = "same", Seed = 52 });
        string slower = Write(small with { RunId = "slower", Seed = 53, LatencyFactor = (b, _) => b == "ort-cpu" ? 1.10 : 1.0 });

        Assert.Equal(0, Fff("compare", baseRun, same, "--out", _temp.Combine("c-same")));
        Assert.Equal(CompareCommand.RegressionFound, Fff("compare", baseRun, slower, "--out", _temp.Combine("c-slower")));
        // A threshold above the change turns the regression into "unchanged".
        Assert.Equal(0, Fff("compare", baseRun, slower, "--threshold", "15", "--out", _temp.Combine("c-lenient")));
        Assert.True(File.Exists(_temp.Combine("c-slower", "compare.csv")));
    }

    [Fact]
    public void Compare_exits_1_when_one_backend_is_25_percent_slower_in_its_launches()
    {
        var launched = new SyntheticRun
        {
            Backends = ["torch-cpu", "ort-cpu"], Patterns = ["plain", "residual", "dwbottleneck"], Depths = [2, 8],
            ReferenceNetworks = ["resnet50", "mobilenetv2", "darts"], WithFailures = false, Counters = false, Launches = 5, LaunchNoise = 0.025,
        };
        string baseRun = Write(launched with { RunId = "base", Seed = 161 });
        string same = Write(launched with { RunId = "same", Seed = 162 });
        string slower = Write(launched with { RunId = "slower", Seed = 163, LatencyFactor = (b, _) => b == "ort-cpu" ? 1.25 : 1.0 });

        Assert.Equal(0, Fff("compare", baseRun, same, "--out", _temp.Combine("c-same")));
        Assert.Equal(CompareCommand.RegressionFound, Fff("compare", baseRun, slower, "--out", _temp.Combine("c-slower")));
        Assert.Contains("regression", File.ReadAllLines(_temp.Combine("c-slower", "compare-backends.csv")).Single(l => l.StartsWith("ort-cpu,", StringComparison.Ordinal)));
    }

    [Fact]
    public void Bad_input_exits_2_and_writes_nothing()
    {
        string good = Write(new SyntheticRun { RunId = "good", Patterns = ["plain"], ReferenceNetworks = [] });
        string foreign = _temp.Combine("foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "results.csv"), "name,score\nalice,3\n");
        File.Copy(Path.Combine(good, "manifest.json"), Path.Combine(foreign, "manifest.json"));

        Assert.Equal(ErrorReporter.InputError, Fff("compare", good, foreign, "--out", _temp.Combine("c")));
        Assert.Equal(ErrorReporter.InputError, Fff("compare", good, good, "--alpha", "2", "--out", _temp.Combine("c")));
        Assert.Equal(ErrorReporter.InputError, Fff("report", foreign, "--out", _temp.Combine("r")));
        Assert.Equal(ErrorReporter.InputError, Fff("report", good, "--baseline", "ort-gpu", "--out", _temp.Combine("r")));
        Assert.Equal(ErrorReporter.InputError, Fff("report", good, "--formats", "pdf", "--out", _temp.Combine("r")));
        Assert.Equal(ErrorReporter.InputError, Fff("report", good, "--out", foreign));
        Assert.False(Directory.Exists(_temp.Combine("c")));
        Assert.False(Directory.Exists(_temp.Combine("r")));
        Assert.Equal("name,score\nalice,3\n", File.ReadAllText(Path.Combine(foreign, "results.csv")));
    }

    [Fact]
    public void Report_exits_0_and_writes_the_report()
    {
        string run = Write(new SyntheticRun { RunId = "ok", Patterns = ["plain"], ReferenceNetworks = ["resnet50"] });

        Assert.Equal(0, Fff("report", run, "--out", _temp.Combine("r"), "--formats", "svg"));

        Assert.True(new FileInfo(_temp.Combine("r", "report.html")).Length > 0);
        Assert.True(File.Exists(_temp.Combine("r", "figures", "reference-latency.svg")));
    }

    [Fact]
    public void Report_accepts_a_profile_folder_and_refuses_a_folder_without_results_or_layers_with_exit_2()
    {
        string profile = _temp.Combine("profile");
        Directory.CreateDirectory(profile);
        File.WriteAllText(Path.Combine(profile, "layers.csv"), """
            model,backend,threads,batch,resolution,layer,layer_type,macs,time_ms,fixed_ms,share,end_to_end_ms,note
            tiny,torch-cpu,1,1,32,conv1,dense convolution 3x3,100,2,0.5,1,2.1,
            tiny,ort-cpu,1,1,32,conv1,dense convolution 3x3,100,0.5,0.1,1,0.6,

            """);
        string empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);

        Assert.Equal(0, Fff("report", profile, "--out", _temp.Combine("r-profile"), "--baseline", "torch-cpu", "--formats", "svg"));
        Assert.True(File.Exists(_temp.Combine("r-profile", "tables", "layer-types.csv")));
        Assert.Equal(2, Fff("report", empty, "--out", _temp.Combine("r-empty")));
        Assert.False(Directory.Exists(_temp.Combine("r-empty")));
    }
}
