namespace FormFollowsFunction.Reports;

/// <summary>
/// A report or comparison asked for something the input cannot give (a baseline no run measured,
/// an output folder that holds something else); the message says what and how to fix it.
/// </summary>
public sealed class ReportInputException(string message) : Exception(message);
