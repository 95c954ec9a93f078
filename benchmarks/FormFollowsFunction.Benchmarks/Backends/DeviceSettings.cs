namespace FormFollowsFunction.Benchmarks.Backends;

/// <summary>What a timed call includes: see <see cref="BackendOptions.IoBoundary"/>.</summary>
public enum IoBoundary
{
    /// <summary>Input copied in, computed, output copied out, inside the timed call (every CPU backend; GPU backends on request).</summary>
    Host,

    /// <summary>Input and output resident on the GPU; the timed call is the computation and a device synchronisation.</summary>
    Device,
}

/// <summary>A backend_options value that does not fit the backend it is given for; the message is one line naming the setting.</summary>
public sealed class BackendOptionsException(string message) : Exception(message);

/// <summary>
/// The measurement boundary and the GPU arithmetic settings of one backend, resolved from its
/// <see cref="BackendOptions"/> with the documented defaults: GPU backends time at the <c>device</c>
/// boundary with TF32 off and cuDNN autotuning off; CPU backends time at the <c>host</c> boundary and
/// refuse the GPU-only settings. Resolved the same way when a configuration is checked and in the worker.
/// </summary>
/// <param name="Tf32">TensorFloat-32 allowed (GPU backends only; false on the CPU).</param>
/// <param name="CudnnAutotune">cuDNN benchmarks convolution algorithms (GPU backends only; false on the CPU).</param>
public sealed record DeviceSettings(IoBoundary Boundary, bool Tf32, bool CudnnAutotune, bool OnGpu)
{
    public const IoBoundary DefaultGpuBoundary = IoBoundary.Device;
    public const bool DefaultTf32 = false;
    public const bool DefaultCudnnAutotune = false;

    /// <summary>Whether the backend runs on a GPU (ort-cuda, torch-cuda).</summary>
    public static bool IsGpu(BackendDescriptor backend) => backend.DeviceKind == "cuda";

    /// <summary>The settings, or a <see cref="BackendOptionsException"/> naming the setting that does not fit.</summary>
    public static DeviceSettings Resolve(BackendDescriptor backend, BackendOptions options)
    {
        bool gpu = IsGpu(backend);
        string Key(string name) => $"backend_options.{backend.Name}.{name}";

        IoBoundary boundary = Parse(options.IoBoundary, Key("io_boundary"), gpu ? DefaultGpuBoundary : IoBoundary.Host);
        bool tf32 = Switch(options.Tf32, Key("tf32"), DefaultTf32);
        bool autotune = Switch(options.CudnnAutotune, Key("cudnn_autotune"), DefaultCudnnAutotune);
        if (gpu && options.Device is { } device && !uint.TryParse(device, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            throw new BackendOptionsException($"{Key("device")}: '{device}' is not a CUDA device index (0, 1, ...)");
        if (!gpu)
        {
            if (boundary == IoBoundary.Device)
                throw new BackendOptionsException($"{Key("io_boundary")}: 'device' needs a GPU backend; {backend.Name} computes in host memory and is always 'host'");
            if (options.Tf32 is not null)
                throw new BackendOptionsException($"{Key("tf32")}: applies to GPU backends (ort-cuda, torch-cuda) only, not {backend.Name}");
            if (options.CudnnAutotune is not null)
                throw new BackendOptionsException($"{Key("cudnn_autotune")}: applies to GPU backends (ort-cuda, torch-cuda) only, not {backend.Name}");
        }
        return new DeviceSettings(boundary, tf32, autotune, gpu);
    }

    /// <summary>Null when the backend's options fit it, else the one-line reason (for the configuration check).</summary>
    public static string? Problem(BackendDescriptor backend, BackendOptions options)
    {
        try
        {
            Resolve(backend, options);
            return null;
        }
        catch (BackendOptionsException e)
        {
            return e.Message;
        }
    }

    /// <summary>The <c>io_boundary</c> column's value: <c>host</c> or <c>device</c>.</summary>
    public string BoundaryColumn => Boundary.ToColumn();

    /// <summary>What the <c>device</c> column adds for a GPU backend, e.g. <c> (tf32 off, cudnn autotune off)</c>; empty on the CPU.</summary>
    public string DeviceSuffix => OnGpu ? $" (tf32 {OnOff(Tf32)}, cudnn autotune {OnOff(CudnnAutotune)})" : "";

    private static string OnOff(bool value) => value ? "on" : "off";

    private static IoBoundary Parse(string? text, string key, IoBoundary fallback) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => fallback,
        "host" => IoBoundary.Host,
        "device" => IoBoundary.Device,
        _ => throw new BackendOptionsException($"{key}: '{text}' is not 'device' or 'host'"),
    };

    private static bool Switch(string? text, string key, bool fallback) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => fallback,
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => throw new BackendOptionsException($"{key}: '{text}' is not 'on' or 'off'"),
    };
}

public static class IoBoundaryNames
{
    public static string ToColumn(this IoBoundary boundary) => boundary == IoBoundary.Device ? "device" : "host";
}
