using System.Runtime.InteropServices;

namespace FormFollowsFunction.Benchmarks.Worker;

/// <summary>
/// Makes the kernel kill this worker when the parent dies (Linux PR_SET_PDEATHSIG), so that a sweep
/// killed with SIGKILL leaves no worker behind measuring into the void.
/// </summary>
public static partial class ParentWatch
{
    private const int PrSetPdeathsig = 1;
    private const int SigKill = 9;

    public static void KillMeWithParent(int expectedParent)
    {
        if (!OperatingSystem.IsLinux()) return;
        _ = SetDeathSignal(PrSetPdeathsig, SigKill, 0, 0, 0);
        // The parent may have died before the call: then we have been re-parented already.
        if (GetParentProcessId() != expectedParent) Environment.Exit(137);
    }

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int SetDeathSignal(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}
