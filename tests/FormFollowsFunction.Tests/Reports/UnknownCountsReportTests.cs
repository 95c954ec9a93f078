using FormFollowsFunction.Reports;
using FormFollowsFunction.Reports.Figures;
using FormFollowsFunction.Reports.Input;
using FormFollowsFunction.Reports.Tables;
using FormFollowsFunction.Results;
using FormFollowsFunction.Tests.Support;
using static FormFollowsFunction.Tests.Reports.RowFactory;

namespace FormFollowsFunction.Tests.Reports;

/// <summary>
/// Rows of an ONNX file measured on ONNX Runtime alone: counts it could not tell are empty, the baseline is an
/// ONNX Runtime backend, and the report treats them as it treats any user network.
/// </summary>
public sealed class UnknownCountsReportTests : IDisposable
{
    private readonly TemporaryFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A user network with its parameters known and its MACs, FLOPs and activation bytes not.</summary>
    private static ResultRow GraphOnly(string backend, double medianMs)
    {
        var row = Row("scorer.onnx", backend, medianMs, depth: null, width: null, pattern: NetworkGroups.UserPattern);
        row.Macs = null;
        row.Flops = null;
        row.ActivationBytes = null;
        row.PeakActivationBytes = null;
        row.Params = 204;
        return row;
    }

    [Fact]
    public void Another_onnx_runtime_backend_gets_its_speed_up_over_ort_cpu_and_the_unknown_macs_stay_empty()
    {
        var data = new ReportData([Run("r", [GraphOnly("ort-cpu", 12), GraphOnly("ort-openvino", 3)])], "ort-cpu");

        var table = ReportTables.UserNetworkTable(data);

        var row = Assert.Single(table.Rows);
        var header = table.Columns.Select(c => c.Header).ToList();
        Assert.Equal("scorer.onnx", row[0]);
        Assert.Equal(204 / 1e6, (double)row[header.IndexOf("params")]!, 12);
        Assert.Null(row[header.IndexOf("MACs")]);
        Assert.Equal(4.0, (double)row[header.IndexOf("ort-openvino speed-up")]!, 9);
        Assert.DoesNotContain("ort-cpu speed-up", header);
    }

    [Fact]
    public void With_ort_cpu_alone_the_row_is_a_latency_and_the_whole_report_is_written()
    {
        var data = new ReportData([Run("r", [GraphOnly("ort-cpu", 12)])], "ort-cpu");
        var table = ReportTables.UserNetworkTable(data);
        var row = Assert.Single(table.Rows);
        Assert.Equal(12.0, (double)row[table.Columns.ToList().FindIndex(c => c.Header == "ort-cpu median latency")]!, 9);
        Assert.DoesNotContain(table.Columns, c => c.Header.EndsWith("speed-up", StringComparison.Ordinal));

        string output = _temp.Combine("report");
        var outcome = ReportGenerator.Generate([Run("r", [GraphOnly("ort-cpu", 12)])], output,
            new ReportOptions { BaselineBackend = "ort-cpu", Formats = FigureFormats.Svg });
        Assert.Contains("tables/user-networks.csv", outcome.Files);
        Assert.Contains(outcome.SkippedFigures, s => s.Figure == "Median latency vs MACs");
    }
}
