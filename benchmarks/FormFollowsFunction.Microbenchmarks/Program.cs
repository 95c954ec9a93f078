using BenchmarkDotNet.Running;
using FormFollowsFunction.Microbenchmarks;

// BenchmarkDotNet measurements of the suite's own harness. With --harness-report, also prints the
// median the suite's timing engine reports for the same call, beside a bare loop's, in microseconds.
if (args.Contains("--harness-report"))
{
    HarnessReport.Print();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(HarnessOverheadBenchmarks).Assembly).Run(args);
