using System.Diagnostics;

namespace FormFollowsFunction.Hardware.Roofline;

/// <summary>
/// A fixed team of pinned threads that run one piece of work together, started and finished on a
/// barrier, so that a try's time is from the release of all threads to the end of the slowest, and
/// thread creation and pinning are paid once, not in every try.
/// </summary>
internal sealed class ThreadTeam : IDisposable
{
    private readonly Barrier _barrier;
    private readonly Thread[] _threads;
    private Action<int, int>? _work;
    private bool _stopping;

    /// <summary>Starts <paramref name="size"/> threads, thread i pinned as <paramref name="placement"/> places the i-th.</summary>
    public ThreadTeam(int size, CorePlacement placement)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _barrier = new Barrier(size + 1);
        _threads = new Thread[size];
        for (int i = 0; i < size; i++)
        {
            int index = i;
            _threads[i] = new Thread(() => Loop(index, placement)) { IsBackground = true, Name = $"fff-peak-{index}" };
            _threads[i].Start();
        }
    }

    public int Size { get; }

    private void Loop(int index, CorePlacement placement)
    {
        placement.PinCurrentThread(index);
        while (true)
        {
            _barrier.SignalAndWait();
            if (Volatile.Read(ref _stopping)) return;
            _work!(index, Size);
            _barrier.SignalAndWait();
        }
    }

    /// <summary>Runs <paramref name="work"/>(thread index, team size) on every thread at once; returns the wall time in seconds.</summary>
    public double Run(Action<int, int> work)
    {
        _work = work;
        long start = Stopwatch.GetTimestamp();
        _barrier.SignalAndWait(); // release
        _barrier.SignalAndWait(); // all done
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public void Dispose()
    {
        Volatile.Write(ref _stopping, true);
        _barrier.SignalAndWait();
        foreach (var thread in _threads) thread.Join();
        _barrier.Dispose();
    }
}
