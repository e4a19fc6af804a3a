using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Tests.Properties;

/// <summary>
/// The minimal cases the random-damage property (<see cref="ScenarioReaderProperties"/>) shrank to. Each one
/// is a diagnostic whose position or excerpt does not match the file: YamlDotNet counts a line break where
/// <see cref="SourceText"/> does not (a lone CR; NEL, LS and PS, which YAML 1.1 treats as line breaks), or
/// reports a line past the end of a file whose last line has no line end.
/// </summary>
public sealed class ScenarioReaderKnownBugTests
{
    [Fact]
    public void When_FileHasCrOnlyLineEnds_TheExcerptIsTheLineWithTheMistake()
    {
        const string yaml = "name: x\rserver: { hots: h }\rsteps: [ehlo]\r";

        var (file, diagnostics) = ScenarioBinder.Bind(new SourceText("t.yaml", yaml), Variables.Empty);

        Assert.Null(file);
        var first = diagnostics[0];
        Assert.Equal("unknown key `hots` in `server`", first.Message);
        Assert.Equal((2, 11), (first.Span.Start.Line, first.Span.Start.Column));
        Assert.Equal("server: { hots: h }", first.SourceLine);
    }

    [Theory]
    [InlineData("a line separator inside a plain value", "name: x\u2028y\nserver: { host: h }\nsteps: [ehlo]\n", "\u2028")]
    [InlineData("a next-line character inside a plain value", "name: x\u0085y\nserver: { host: h }\nsteps: [ehlo]\n", "\u0085")]
    [InlineData("a paragraph separator inside a quoted value", "name: \"x\u2029y\"\nserver: { host: h }\nsteps: [ehlo]\n", "\u2029")]
    [InlineData("a line separator inside a comment", "# a comment \u2028 continued\nname: x\nserver: { host: h }\nsteps: [ehlo]\n", "\u2028")]
    public void When_FileHoldsAYaml11LineBreakCharacter_TheCaretPointsAtIt(string what, string yaml, string culprit)
    {
        var (file, diagnostics) = ScenarioBinder.Bind(new SourceText("t.yaml", yaml), Variables.Empty);

        Assert.Null(file);
        var first = Assert.Single(diagnostics);
        var at = first.Span.Start.Column - 1;
        Assert.True(at < first.SourceLine.Length && first.SourceLine[at..].StartsWith(culprit, StringComparison.Ordinal),
            $"{what}: the caret is at {first.Span.Start.Line}:{first.Span.Start.Column} under `{first.SourceLine}`, not at the character itself");
    }

    [Theory]
    [InlineData("name: x\nserver: { host: h }\nsteps: [ehlo,")]
    [InlineData("name: x\nserver: { host: h }\nsteps: [ehlo")]
    public void When_FileEndsInsideAFlowCollectionWithoutALineEnd_TheDiagnosticQuotesTheLastLine(string yaml)
    {
        var (file, diagnostics) = ScenarioBinder.Bind(new SourceText("t.yaml", yaml), Variables.Empty);

        Assert.Null(file);
        ScenarioReaderProperties.AssertWellFormed("t.yaml", yaml, hasFile: false, diagnostics);
        Assert.Equal("steps: [ehlo", diagnostics[0].SourceLine.TrimEnd(','));
    }
}
