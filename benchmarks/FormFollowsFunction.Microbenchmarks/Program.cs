using BenchmarkDotNet.Running;

// Runs the suite's BenchmarkDotNet measurements of its own harness; pass BenchmarkDotNet's usual
// arguments, e.g. --filter '*HarnessOverhead*'.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
