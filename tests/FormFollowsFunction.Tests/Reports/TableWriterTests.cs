using System.Globalization;
using CsvHelper;
using FormFollowsFunction.Reports.Tables;

namespace FormFollowsFunction.Tests.Reports;

public sealed class TableWriterTests
{
    private static Table Sample()
    {
        var table = new Table("sample", "Speed-up of A & B (50% of cells)", [
            new("backend"), new("speed-up", "×", ColumnFormat.Fixed2), new("p", "two-sided", ColumnFormat.PValue), new("note"),
        ]);
        table.AddRow("ort_cpu", 2.345678, 0.0004, "a|b");
        table.AddRow("torch-cpu", null, 0.25, "");
        table.Notes.Add("ρ is Spearman's.");
        return table;
    }

    [Fact]
    public void Csv_keeps_full_precision_units_in_headers_and_reads_back()
    {
        string text = CsvTableWriter.Write(Sample());

        using var csv = new CsvReader(new StringReader(text), CultureInfo.InvariantCulture);
        var rows = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(["backend", "speed-up (×)", "p (two-sided)", "note"], rows[0].Keys);
        Assert.Equal("2.345678", rows[0]["speed-up (×)"]);
        Assert.Equal("0.0004", rows[0]["p (two-sided)"]);
        Assert.Equal("a|b", rows[0]["note"]);
        Assert.Equal("", rows[1]["speed-up (×)"]);
    }

    [Fact]
    public void Markdown_right_aligns_numbers_rounds_and_escapes_cells()
    {
        string md = MarkdownTableWriter.Write(Sample());

        Assert.Contains("| backend | speed-up (×) | p (two-sided) | note |", md);
        Assert.Contains("| :--- | ---: | ---: | :--- |", md);
        Assert.Contains("| ort\\_cpu | 2.35 | \\< 0.001 | a\\|b |", md);
        Assert.Contains("| torch-cpu |  | 0.250 |  |", md);
    }

    [Fact]
    public void Latex_uses_booktabs_and_escapes_special_characters()
    {
        string tex = LatexTableWriter.Write(Sample());

        Assert.Contains("\\toprule", tex);
        Assert.Contains("\\midrule", tex);
        Assert.Contains("\\bottomrule", tex);
        Assert.Contains("\\begin{tabular}{lrrl}", tex);
        Assert.Contains("\\caption{Speed-up of A \\& B (50\\% of cells)}", tex);
        Assert.Contains("\\label{tab:sample}", tex);
        Assert.Contains("backend & speed-up ($\\times$) & p (two-sided) & note \\\\", tex);
        Assert.Contains("ort\\_cpu & 2.35 & \\textless{} 0.001 & a|b \\\\", tex);
        Assert.Contains("$\\rho$ is Spearman's.", tex);
    }

    [Fact]
    public void A_row_of_the_wrong_length_is_refused()
    {
        var table = new Table("t", "T", [new("a"), new("b")]);
        Assert.Throws<ArgumentException>(() => table.AddRow("only one"));
    }
}
