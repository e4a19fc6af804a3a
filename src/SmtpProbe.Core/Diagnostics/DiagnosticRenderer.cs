using System.Text;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Diagnostics;

/// <summary>
/// Renders the one diagnostic shape (title, file:line:col, excerpt, caret, notes, hint), as Hurl and
/// rustc do. The console, `validate` and the JUnit failure text all use this, so users see the same words everywhere.
/// </summary>
public static class DiagnosticRenderer
{
    public static string Render(Diagnostic d) =>
        Render(d.Severity == Severity.Error ? "error" : "warning", d.Message, d.Span, d.SourceLine, notes: [], d.Hint);

    /// <summary>The general form, also used for step failures ("failure: ...") with notes quoting the server.</summary>
    public static string Render(string title, string message, SourceSpan? span, string? sourceLine, IReadOnlyList<string> notes, string? hint)
    {
        var sb = new StringBuilder();
        sb.Append(title).Append(": ").Append(Shorten(message, MaxMessage)).Append('\n');
        if (span is not null)
        {
            var lineNo = span.Start.Line.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var gutter = new string(' ', lineNo.Length);
            sb.Append(gutter).Append("--> ").Append(span).Append('\n');
            if (sourceLine is not null)
            {
                var shown = Printable(sourceLine);
                var start = Math.Clamp(span.Start.Column, 1, shown.Length + 1);
                var width = span.End.Line == span.Start.Line ? span.End.Column - span.Start.Column : shown.Length - start + 1;
                width = Math.Clamp(width, 1, Math.Max(1, shown.Length - start + 1));
                if (shown.Length > MaxLine)
                {
                    // A window around the caret: a mistake on a 1 MB line must not print 1 MB.
                    var from = Math.Max(0, start - 1 - 40);
                    var to = Math.Min(shown.Length, from + MaxLine);
                    var prefix = from > 0 ? "…" : string.Empty;
                    shown = prefix + shown[from..to] + (to < shown.Length ? "…" : string.Empty);
                    start = start - from + prefix.Length;
                    width = Math.Clamp(width, 1, Math.Max(1, to - from + prefix.Length - start + 1));
                }
                sb.Append(gutter).Append(" |\n");
                sb.Append(lineNo).Append(" | ").Append(shown).Append('\n');
                sb.Append(gutter).Append(" | ").Append(new string(' ', start - 1)).Append('^', width).Append('\n');
            }
        }
        foreach (var note in notes)
        {
            sb.Append("   = ").Append(Shorten(note, MaxMessage)).Append('\n');
        }
        if (hint is not null)
        {
            sb.Append("   = hint: ").Append(hint).Append('\n');
        }
        return sb.ToString().TrimEnd('\n');
    }

    private const int MaxLine = 120;
    private const int MaxMessage = 400;

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + $"… ({text.Length - max} more characters)";

    /// <summary>Tabs and control characters would misplace the caret; show them as visible escapes.</summary>
    private static string Printable(string line)
    {
        var sb = new StringBuilder(line.Length);
        foreach (var c in line)
        {
            sb.Append(c == '\t' ? ' ' : char.IsControl(c) ? '?' : c);
        }
        return sb.ToString();
    }
}
