using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace FormFollowsFunction.Reports.Tables;

/// <summary>Writes a table as CSV through CsvHelper: header with units, numbers at full precision, missing values empty.</summary>
public static class CsvTableWriter
{
    public static string Write(Table table)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" }))
        {
            foreach (var column in table.Columns) csv.WriteField(column.HeaderWithUnit);
            csv.NextRecord();
            foreach (var row in table.Rows)
            {
                foreach (var value in row) csv.WriteField(TableColumn.Raw(value));
                csv.NextRecord();
            }
        }
        return text.ToString();
    }
}

/// <summary>Writes a table as a GitHub-flavoured Markdown pipe table, numbers right-aligned, notes below.</summary>
public static class MarkdownTableWriter
{
    public static string Write(Table table, bool withTitle = true)
    {
        var md = new StringBuilder();
        if (withTitle) md.Append("**").Append(Escape(table.Title)).Append("**\n\n");
        md.Append('|').AppendJoin('|', table.Columns.Select(c => $" {Escape(c.HeaderWithUnit)} ")).Append("|\n");
        md.Append('|').AppendJoin('|', table.Columns.Select(c => c.IsNumeric ? " ---: " : " :--- ")).Append("|\n");
        foreach (var row in table.Rows)
            md.Append('|').AppendJoin('|', row.Select((v, i) => $" {Escape(table.Columns[i].Show(v))} ")).Append("|\n");
        if (table.Rows.Count == 0)
            md.Append('|').AppendJoin('|', table.Columns.Select((_, i) => i == 0 ? " (no rows) " : "  ")).Append("|\n");
        foreach (var note in table.Notes) md.Append('\n').Append(Escape(note)).Append('\n');
        return md.ToString();
    }

    /// <summary>Escapes what Markdown would read as table syntax or emphasis inside a cell.</summary>
    public static string Escape(string text) =>
        text.Replace("\\", "\\\\").Replace("|", "\\|").Replace("*", "\\*").Replace("_", "\\_")
            .Replace("<", "\\<").Replace("\r", " ").Replace("\n", " ");
}

/// <summary>
/// Writes a table as a LaTeX <c>table</c> float with a booktabs <c>tabular</c> (needs
/// <c>\usepackage{booktabs}</c>), caption and label from the table's title and name.
/// </summary>
public static class LatexTableWriter
{
    public static string Write(Table table)
    {
        var tex = new StringBuilder();
        tex.Append("% Written by FormFollowsFunction (fff report). Needs \\usepackage{booktabs}.\n");
        tex.Append("\\begin{table}[htbp]\n\\centering\n\\small\n");
        tex.Append("\\caption{").Append(Escape(table.Title)).Append("}\n");
        tex.Append("\\label{tab:").Append(table.Name).Append("}\n");
        tex.Append("\\begin{tabular}{").Append(string.Concat(table.Columns.Select(c => c.IsNumeric ? 'r' : 'l'))).Append("}\n");
        tex.Append("\\toprule\n");
        tex.AppendJoin(" & ", table.Columns.Select(c => Escape(c.HeaderWithUnit))).Append(" \\\\\n");
        tex.Append("\\midrule\n");
        foreach (var row in table.Rows)
            tex.AppendJoin(" & ", row.Select((v, i) => Escape(table.Columns[i].Show(v)))).Append(" \\\\\n");
        tex.Append("\\bottomrule\n\\end{tabular}\n");
        if (table.Notes.Count > 0)
        {
            tex.Append("\\par\\smallskip\\footnotesize\n");
            foreach (var note in table.Notes) tex.Append(Escape(note)).Append("\\par\n");
        }
        tex.Append("\\end{table}\n");
        return tex.ToString();
    }

    /// <summary>Escapes LaTeX's special characters and spells the few non-ASCII symbols the suite uses in math mode.</summary>
    public static string Escape(string text)
    {
        var tex = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            tex.Append(c switch
            {
                '\\' => "\\textbackslash{}",
                '&' or '%' or '$' or '#' or '_' or '{' or '}' => "\\" + c,
                '~' => "\\textasciitilde{}",
                '^' => "\\textasciicircum{}",
                '<' => "\\textless{}",
                '>' => "\\textgreater{}",
                '×' => "$\\times$",
                'ρ' => "$\\rho$",
                'µ' or 'μ' => "$\\mu$",
                '≥' => "$\\geq$",
                '≤' => "$\\leq$",
                '−' => "$-$",
                '–' => "--",
                '—' => "---",
                '·' => "$\\cdot$",
                '√' => "$\\surd$",
                _ => c.ToString(),
            });
        }
        return tex.ToString();
    }
}
