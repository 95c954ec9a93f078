namespace FormFollowsFunction.Architectures.Verification;

/// <summary>How far one backend's output is from the reference's, and whether either is degenerate.</summary>
/// <param name="RelativeL2Error">‖actual − reference‖₂ / ‖reference‖₂.</param>
/// <param name="MaxAbsoluteError">max |actual − reference|.</param>
/// <param name="Problem">Why the outputs cannot be compared or trusted (length mismatch, NaN or infinity,
/// constant reference); <c>null</c> when there is none.</param>
public sealed record OutputDifference(double RelativeL2Error, double MaxAbsoluteError, string? Problem)
{
    /// <summary>The outputs are comparable and agree within <paramref name="tolerance"/> (relative L2).</summary>
    public bool IsWithin(double tolerance) => Problem is null && RelativeL2Error <= tolerance;
}

/// <summary>
/// Compares a backend's output with the reference output (TorchSharp, or ONNX Runtime CPU where
/// TorchSharp cannot run a model). Sums are accumulated in double precision.
/// </summary>
public static class OutputComparison
{
    /// <summary>The tolerance on relative L2 error below which two float32 backends are taken to agree.</summary>
    public const double DefaultTolerance = 1e-3;

    /// <summary>‖a − r‖₂ / ‖r‖₂; +∞ when the reference is all zeros and the output is not, 0 when both are.</summary>
    public static double RelativeL2Error(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference)
    {
        if (actual.Length != reference.Length)
            throw new ArgumentException($"cannot compare an output of {actual.Length} values with a reference of {reference.Length}");
        double difference = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = (double)actual[i] - reference[i];
            difference += d * d;
            norm += (double)reference[i] * reference[i];
        }
        if (norm == 0) return difference == 0 ? 0 : double.PositiveInfinity;
        return Math.Sqrt(difference / norm);
    }

    /// <summary>True when every value is finite (no NaN, no infinity).</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>True when the values are not all equal: a constant output says nothing about correctness.</summary>
    public static bool IsNonConstant(ReadOnlySpan<float> values)
    {
        for (int i = 1; i < values.Length; i++)
            if (values[i] != values[0]) return true;
        return false;
    }

    /// <summary>
    /// Why <paramref name="reference"/> cannot serve as a reference output; null when it can. Several values must not
    /// all be equal (a constant output, of a network whose activations died, says nothing about correctness). An
    /// output of one value (a wake-word score, 1x1) is the model's whole output, so it serves unless it is zero,
    /// against which every relative error is zero or infinite; it checks less than a map of values does.
    /// </summary>
    public static string? ReferenceProblem(ReadOnlySpan<float> reference) => reference.Length switch
    {
        0 => "the reference output is empty",
        1 when reference[0] == 0 => "the reference output is a single zero, so it cannot show a relative difference",
        1 => null,
        _ => IsNonConstant(reference) ? null : "the reference output is constant, so it cannot show a difference",
    };

    /// <summary>Relative L2 and max absolute error, with the reason the comparison is void if it is.</summary>
    public static OutputDifference Compare(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference)
    {
        if (actual.Length != reference.Length)
            return new OutputDifference(double.NaN, double.NaN,
                $"the output has {actual.Length} values but the reference has {reference.Length}");
        string? problem =
            !AllFinite(reference) ? "the reference output has NaN or infinite values"
            : !AllFinite(actual) ? "the output has NaN or infinite values"
            : ReferenceProblem(reference);
        double maxAbsolute = 0;
        for (int i = 0; i < actual.Length; i++)
            maxAbsolute = Math.Max(maxAbsolute, Math.Abs((double)actual[i] - reference[i]));
        return new OutputDifference(RelativeL2Error(actual, reference), maxAbsolute, problem);
    }
}
