using System.Diagnostics;
using System.Runtime.CompilerServices;
using FormFollowsFunction.Hardware.Roofline;

namespace FormFollowsFunction.Hardware.Machine;

/// <summary>What <see cref="CoreLatencyProbe"/> measured: a cache line's round trip between two processors, in nanoseconds.</summary>
public sealed record CoreLatency(double RoundTripNs, int FirstProcessor, int SecondProcessor);

/// <summary>
/// How far apart, in time, the cores that a multi-threaded engine synchronises across are: the round trip
/// of one cache line between two threads pinned to the first two processors <see cref="CorePlacement"/>
/// gives (two physical cores where there are two), bounced back and forth as a ping-pong. The best of a
/// few batches is kept, since noise (a preempted thread) only ever lengthens a batch.
/// <para>
/// On bare metal it is a constant of the machine. On a virtual machine it is the host's current placement
/// of the virtual CPUs, and it can change while a run goes on: the project's 2-vCPU build VM switched
/// between about 105 ns and about 420 ns every few minutes, and in the far state multi-threaded inference
/// of small-kernel networks took up to twice as long (darts-d8-w0.5 on ONNX Runtime, 2 threads: 1.05 and
/// 2.1 ms) while resnet18's did not move. So every launch records it (<c>core_latency_ns</c>), and
/// launches measured in different states are not compared with each other (<see cref="Results.CoreLatencyStates"/>).
/// </para>
/// </summary>
public static class CoreLatencyProbe
{
    /// <summary>Batches of round trips; the fastest batch is the figure.</summary>
    public const int Batches = 7;

    /// <summary>Round trips per batch: about 0.1–0.5 ms each, so that the whole probe costs a few milliseconds.</summary>
    public const int RoundTripsPerBatch = 1000;

    /// <summary>How long the pinging thread waits for an answer before it gives up (a thread that is never scheduled).</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Measures the round trip on this machine between the first two processors of <paramref name="placement"/>
    /// (by default, this process's own: <see cref="CorePlacement.Local"/>). Null, with the reason in
    /// <paramref name="whyNot"/>, where there are not two processors to pin to.
    /// </summary>
    public static CoreLatency? Measure(out string whyNot, CorePlacement? placement = null)
    {
        placement ??= CorePlacement.Local();
        if (placement.Processors.Count < 2)
        {
            whyNot = placement.Processors.Count == 0
                ? $"threads cannot be pinned here ({placement.Description})"
                : "this process may run on one processor only";
            return null;
        }

        var line = new SharedLine();
        string? echoProblem = null;
        var echo = new Thread(() =>
        {
            if (!placement.PinCurrentThread(1)) echoProblem = "sched_setaffinity refused to pin the answering thread";
            Answer(line);
        }) { IsBackground = true, Name = "fff-core-latency-echo" };
        double best = double.PositiveInfinity;
        string? pingProblem = null;
        var ping = new Thread(() =>
        {
            if (!placement.PinCurrentThread(0))
            {
                pingProblem = "sched_setaffinity refused to pin the pinging thread";
                Volatile.Write(ref line.Value, SharedLine.Stop);
                return;
            }
            best = Ping(line, out pingProblem);
        }) { IsBackground = true, Name = "fff-core-latency-ping" };
        echo.Start();
        ping.Start();
        ping.Join();
        echo.Join();

        if ((pingProblem ?? echoProblem) is { } problem)
        {
            whyNot = problem;
            return null;
        }
        whyNot = "";
        return new CoreLatency(best, placement.Processors[0], placement.Processors[1]);
    }

    /// <summary>Sends odd numbers and waits for each to come back one higher; returns the best batch's nanoseconds per round trip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Ping(SharedLine line, out string? problem)
    {
        problem = null;
        long deadline = Stopwatch.GetTimestamp() + (long)(AnswerTimeout.TotalSeconds * Stopwatch.Frequency);
        double best = double.PositiveInfinity;
        long next = 1;
        try
        {
            // One batch more than counted: the first one wakes both threads and warms the line.
            for (int batch = -1; batch < Batches; batch++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int trip = 0; trip < RoundTripsPerBatch; trip++, next += 2)
                {
                    Volatile.Write(ref line.Value, next);
                    int spins = 0;
                    while (Volatile.Read(ref line.Value) != next + 1)
                    {
                        if (++spins % 65_536 == 0 && Stopwatch.GetTimestamp() > deadline)
                        {
                            problem = $"the answering thread did not answer within {AnswerTimeout.TotalSeconds:0} s";
                            return double.NaN;
                        }
                    }
                }
                double nanoseconds = Stopwatch.GetElapsedTime(start).TotalNanoseconds / RoundTripsPerBatch;
                if (batch >= 0) best = Math.Min(best, nanoseconds);
                deadline = Stopwatch.GetTimestamp() + (long)(AnswerTimeout.TotalSeconds * Stopwatch.Frequency);
            }
            return best;
        }
        finally
        {
            Volatile.Write(ref line.Value, SharedLine.Stop);
        }
    }

    /// <summary>Answers every odd number with the next one, until told to stop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Answer(SharedLine line)
    {
        while (true)
        {
            long seen = Volatile.Read(ref line.Value);
            if (seen == SharedLine.Stop) return;
            if ((seen & 1) == 1) Volatile.Write(ref line.Value, seen + 1);
        }
    }

    /// <summary>The one value the two threads pass back and forth (an object of its own, so that nothing else is written near it).</summary>
    private sealed class SharedLine
    {
        public const long Stop = -1;

        public long Value;
    }
}
