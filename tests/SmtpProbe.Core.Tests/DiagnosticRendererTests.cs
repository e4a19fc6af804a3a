using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Tests;

public sealed class DiagnosticRendererTests
{
    private static readonly SourceText Source = new("s.yaml", "name: x\n\thost:\tmx\nsteps: |\n  a\n  b\n");

    [Fact]
    public void When_DiagnosticIsAWarning_TitleSaysWarning()
    {
        var d = Diagnostic.Warning(Source, Source.Span(1, 7, 1, 8), "odd", "fix it");

        Assert.Equal("warning: odd\n --> s.yaml:1:7\n  |\n1 | name: x\n  |       ^\n   = hint: fix it", DiagnosticRenderer.Render(d));
    }

    [Fact]
    public void When_LineHoldsTabs_TheyAreShownAsSpacesSoTheCaretLinesUp()
    {
        var d = Diagnostic.Error(Source, Source.Span(2, 8, 2, 10), "bad");

        var rendered = DiagnosticRenderer.Render(d);

        Assert.EndsWith("2 |  host: mx\n  | " + new string(' ', 7) + "^^", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain('\t', rendered);
    }

    [Fact]
    public void When_SpanCoversSeveralLines_CaretRunsToTheEndOfTheFirstLine()
    {
        var d = Diagnostic.Error(Source, Source.Span(3, 1, 5, 4), "block");

        Assert.EndsWith("3 | steps: |\n  | ^^^^^^^^", DiagnosticRenderer.Render(d), StringComparison.Ordinal);
    }

    [Fact]
    public void When_SpanIsPastTheEndOfTheLine_CaretStaysOneWide()
    {
        var d = Diagnostic.Error(Source, Source.Span(1, 50, 1, 60), "eol");

        Assert.EndsWith("1 | name: x\n  |        ^", DiagnosticRenderer.Render(d), StringComparison.Ordinal);
    }

    [Fact]
    public void When_LineNumberHasTwoDigits_GutterWidens()
    {
        var source = new SourceText("s.yaml", string.Concat(Enumerable.Repeat("a: b\n", 12)));

        var rendered = DiagnosticRenderer.Render(Diagnostic.Error(source, source.Span(12, 1, 12, 2), "x"));

        Assert.Equal("error: x\n  --> s.yaml:12:1\n   |\n12 | a: b\n   | ^", rendered);
    }

    [Fact]
    public void When_FailureHasNotesAndNoSpan_OnlyTitleNotesAndHintAreShown()
    {
        var rendered = DiagnosticRenderer.Render("failure", "RCPT TO was refused", null, null, ["server said: 550 5.1.1 no such user"], "check the address");

        Assert.Equal("failure: RCPT TO was refused\n   = server said: 550 5.1.1 no such user\n   = hint: check the address", rendered);
    }

    [Fact]
    public void When_LineHoldsControlCharacters_TheyAreShownAsQuestionMarks()
    {
        var source = new SourceText("s.yaml", "a: \u001b[31mred\n");

        Assert.Contains("1 | a: ?[31mred\n", DiagnosticRenderer.Render(Diagnostic.Error(source, source.Span(1, 4, 1, 5), "x")), StringComparison.Ordinal);
    }
}
