using System.Runtime.InteropServices;

namespace FormFollowsFunction.Hardware.Counters.Native;

/// <summary>Owns one perf event file descriptor; closing it releases the kernel's counter.</summary>
internal sealed class PerfEventHandle : SafeHandle
{
    public PerfEventHandle(int fileDescriptor) : base(invalidHandleValue: -1, ownsHandle: true) =>
        SetHandle(fileDescriptor);

    public override bool IsInvalid => handle == -1;

    public int FileDescriptor => (int)handle;

    protected override bool ReleaseHandle() => PerfEventSyscalls.Close((int)handle) == 0;
}
