using System.Net;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace FormFollowsFunction.Reports.Documents;

/// <summary>
/// Renders <c>report.md</c> to a single self-contained HTML file with Markdig: every figure the
/// Markdown links is embedded as a data URI, so the file can be mailed or archived on its own.
/// </summary>
internal static class HtmlReport
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseAutoIdentifiers()
        .Build();

    /// <param name="markdown">The report text.</param>
    /// <param name="embed">Gives the bytes and MIME type to embed for an image the Markdown links, by its relative path.</param>
    public static string Write(string markdown, string title, Func<string, (byte[] Bytes, string Mime)> embed)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>().Where(l => l.IsImage && l.Url is not null))
        {
            var (bytes, mime) = embed(link.Url!);
            link.Url = $"data:{mime};base64,{Convert.ToBase64String(bytes)}";
        }
        string body = Markdown.ToHtml(document, Pipeline);
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{WebUtility.HtmlEncode(title)}}</title>
            <style>
            body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #1a1a1a; }
            h1, h2, h3 { line-height: 1.2; }
            h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
            table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
            th, td { border-top: 1px solid #ddd; padding: .25rem .6rem; vertical-align: top; }
            thead th { border-bottom: 2px solid #333; border-top: 2px solid #333; }
            tbody tr:last-child td { border-bottom: 2px solid #333; }
            img { max-width: 100%; height: auto; border: 1px solid #eee; }
            pre { background: #f6f6f6; padding: .75rem; overflow-x: auto; font-size: .85rem; }
            code { font-size: .9em; }
            em { color: #444; }
            </style>
            </head>
            <body>
            {{body}}
            </body>
            </html>
            """;
    }
}
