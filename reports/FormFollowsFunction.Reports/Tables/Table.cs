using System.Globalization;

namespace FormFollowsFunction.Reports.Tables;

/// <summary>How a column's values are shown in Markdown and LaTeX (CSV always keeps full precision).</summary>
public enum ColumnFormat
{
    /// <summary>Text as given.</summary>
    Text,
    /// <summary>Whole number.</summary>
    Integer,
    /// <summary>Two decimals: speed-ups, ratios.</summary>
    Fixed2,
    /// <summary>Three decimals: latencies in ms, coefficients.</summary>
    Fixed3,
    /// <summary>Three significant digits: quantities that span orders of magnitude.</summary>
    Significant3,
    /// <summary>A p-value: three decimals, or "&lt; 0.001".</summary>
    PValue,
}

/// <summary>A column: what it holds, in which unit (shown in the header), and how its numbers read.</summary>
/// <param name="Header">Name of the quantity, e.g. "median latency".</param>
/// <param name="Unit">Unit shown in brackets after the header, e.g. "ms", "×", "G MACs"; null for none.</param>
public sealed record TableColumn(string Header, string? Unit = null, ColumnFormat Format = ColumnFormat.Text)
{
    public string HeaderWithUnit => Unit is null ? Header : $"{Header} ({Unit})";

    public bool IsNumeric => Format != ColumnFormat.Text;

    /// <summary>The value as shown to a reader; empty for a missing value.</summary>
    public string Show(object? value) => value switch
    {
        null => "",
        string s => s,
        double d when double.IsNaN(d) => "",
        double d => Format switch
        {
            ColumnFormat.Integer => d.ToString("0", CultureInfo.InvariantCulture),
            ColumnFormat.Fixed2 => d.ToString("0.00", CultureInfo.InvariantCulture),
            ColumnFormat.Fixed3 => d.ToString("0.000", CultureInfo.InvariantCulture),
            ColumnFormat.Significant3 => SignificantDigits(d, 3),
            ColumnFormat.PValue => d < 0.001 ? "< 0.001" : d.ToString("0.000", CultureInfo.InvariantCulture),
            _ => d.ToString("R", CultureInfo.InvariantCulture),
        },
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The value for a CSV file: numbers round-trip exactly, missing values are empty.</summary>
    public static string Raw(object? value) => value switch
    {
        null => "",
        double d when double.IsNaN(d) => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string SignificantDigits(double value, int digits)
    {
        if (value == 0) return "0";
        int magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        int decimals = Math.Max(0, digits - 1 - magnitude);
        return Math.Round(value, Math.Min(decimals, 15)).ToString("0." + new string('#', Math.Max(decimals, 1)), CultureInfo.InvariantCulture).TrimEnd('.');
    }
}

/// <summary>
/// A table of a report, held as values so that each writer (CSV, Markdown, LaTeX) formats it its own
/// way. <see cref="Name"/> names its files: <c>tables/{Name}.csv</c>, <c>.md</c>, <c>.tex</c>.
/// </summary>
public sealed class Table(string name, string title, IReadOnlyList<TableColumn> columns)
{
    private readonly List<IReadOnlyList<object?>> _rows = [];

    public string Name { get; } = name;

    /// <summary>One sentence: a caption for papers.</summary>
    public string Title { get; } = title;

    public IReadOnlyList<TableColumn> Columns { get; } = columns;

    public IReadOnlyList<IReadOnlyList<object?>> Rows => _rows;

    /// <summary>Notes printed under the table (definitions, what was left out and why).</summary>
    public List<string> Notes { get; } = [];

    public void AddRow(params object?[] values)
    {
        if (values.Length != Columns.Count)
            throw new ArgumentException($"table {Name} has {Columns.Count} columns; a row of {values.Length} values was given");
        _rows.Add(values);
    }
}
