namespace FormFollowsFunction.Hardware.Diagnosis;

/// <summary>A table of the diagnosis beyond the hardware: a title, column names, rows of text, and notes under it.</summary>
public sealed record DiagnosisSection(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<string> Notes);

/// <summary>
/// Extension point of <c>fff doctor</c>: a part of the suite that can tell what works on this machine
/// (for example the inference backends: which execution providers load, and why the others do not)
/// implements this, and the doctor command lists it; the doctor prints and serialises sections generically.
/// </summary>
public interface IDiagnosisSection
{
    string Title { get; }

    /// <summary>Probes and returns the section's table. Exceptions are caught and shown as the section's problem.</summary>
    DiagnosisSection Collect();
}
