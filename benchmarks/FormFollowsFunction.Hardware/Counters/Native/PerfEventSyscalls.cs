using System.Runtime.InteropServices;

namespace FormFollowsFunction.Hardware.Counters.Native;

/// <summary>
/// The perf_event_open system call and the file operations on its descriptors. glibc has no wrapper
/// for perf_event_open, so it goes through <c>syscall(2)</c> with the architecture's call number.
/// </summary>
internal static unsafe partial class PerfEventSyscalls
{
    /// <summary>PERF_FLAG_FD_CLOEXEC: worker processes started later must not inherit the counters.</summary>
    private const nuint FlagCloseOnExec = 1 << 3;

    /// <summary>errno values the callers tell apart (Linux, all architectures .NET runs on).</summary>
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, E2BIG = 7, EBADF = 9, ECHILD = 10, EACCES = 13, EBUSY = 16,
        ENODEV = 19, EINVAL = 22, EMFILE = 24, ENOSPC = 28, ENOSYS = 38, EOPNOTSUPP = 95;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, PerfEventAttr* attr, nint pid, nint cpu, nint groupFd, nuint flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, nint argument);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>The perf_event_open call number of the running architecture, or null where this code does not know it.</summary>
    public static nint? SyscallNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 298,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 241, // the generic syscall table
        Architecture.X86 => 336,
        Architecture.Arm => 364,
        Architecture.Ppc64le => 319,
        Architecture.S390x => 331,
        _ => null,
    };

    /// <summary>
    /// Opens a counter for the calling thread (pid 0) on whichever CPU it runs (cpu -1), as its own group
    /// leader (group_fd -1). Returns the descriptor, or the errno of the failure.
    /// </summary>
    public static (PerfEventHandle? Handle, int Errno) Open(in PerfEventAttr attr)
    {
        if (!OperatingSystem.IsLinux() || SyscallNumber is not { } number) return (null, ENOSYS);
        var copy = attr;
        nint fd = Syscall(number, &copy, pid: 0, cpu: -1, groupFd: -1, FlagCloseOnExec);
        if (fd < 0) return (null, Marshal.GetLastPInvokeError());
        return (new PerfEventHandle((int)fd), 0);
    }

    // _IO('$', n): direction "none", so only type and number are encoded, except where _IOC_NONE is not 0.
    private static nuint IoRequest(uint number)
    {
        nuint request = ((nuint)'$' << 8) | number;
        return RuntimeInformation.ProcessArchitecture == Architecture.Ppc64le ? request | (1u << 29) : request;
    }

    public static readonly nuint IocEnable = IoRequest(0), IocDisable = IoRequest(1), IocReset = IoRequest(3);

    /// <summary>Runs one of the argument-less ioctls; returns 0 or the errno.</summary>
    public static int Control(PerfEventHandle handle, nuint request)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Ioctl(handle.FileDescriptor, request, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Reads value, time_enabled and time_running (read_format TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING,
    /// no GROUP). For an inherited event the kernel adds the counts and times of every inherited child.
    /// </summary>
    public static (ulong Value, ulong TimeEnabled, ulong TimeRunning, int Errno) ReadCount(PerfEventHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            ulong* values = stackalloc ulong[3];
            nint got = Read(handle.FileDescriptor, values, 3 * sizeof(ulong));
            if (got < 0) return (0, 0, 0, Marshal.GetLastPInvokeError());
            if (got != 3 * sizeof(ulong)) return (0, 0, 0, EINVAL);
            return (values[0], values[1], values[2], 0);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
