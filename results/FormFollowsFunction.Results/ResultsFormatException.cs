namespace FormFollowsFunction.Results;

/// <summary>A results file or manifest that cannot be read; the message names the file and the problem.</summary>
public sealed class ResultsFormatException(string message) : Exception(message);
