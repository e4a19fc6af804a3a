using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Diagnostics;

public enum Severity
{
    Error,
    Warning,
}

/// <summary>
/// One problem found in a scenario: the single shape used by `validate`, `run` and the reports.
/// The source line is captured at creation so rendering needs no file access.
/// </summary>
public sealed record Diagnostic(Severity Severity, string Message, SourceSpan Span, string SourceLine, string? Hint)
{
    public static Diagnostic Error(SourceText source, SourceSpan span, string message, string? hint = null) =>
        new(Severity.Error, message, span, source.Line(span.Start.Line), hint);

    public static Diagnostic Warning(SourceText source, SourceSpan span, string message, string? hint = null) =>
        new(Severity.Warning, message, span, source.Line(span.Start.Line), hint);
}
