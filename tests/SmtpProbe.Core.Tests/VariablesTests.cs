using SmtpProbe.Core.Reading;

namespace SmtpProbe.Core.Tests;

/// <summary>`${NAME}`, `${env:NAME}`, `${file:PATH}`, `:-default` and the `$${` escape.</summary>
public sealed class VariablesTests
{
    private static readonly Variables Vars = new(
        new Dictionary<string, string> { ["HOST"] = "mx.example.test", ["EMPTY"] = "" },
        name => name switch { "SMTP_PASSWORD" => "from-env", "BLANK" => "", _ => null });

    private static string? Sub(string text, string? baseDirectory = null) => Vars.Substitute(text, baseDirectory ?? ".").Value;

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("${HOST}", "mx.example.test")]
    [InlineData("smtp://${HOST}:25", "smtp://mx.example.test:25")]
    [InlineData("${env:SMTP_PASSWORD}", "from-env")]
    [InlineData("${env:UNSET:-fallback}", "fallback")]
    [InlineData("${env:SMTP_PASSWORD:-fallback}", "from-env")]
    [InlineData("${UNSET:-}", "")]
    [InlineData("${UNSET:-a:-b}", "a:-b")]
    [InlineData("${EMPTY}", "")]
    [InlineData("$${HOST}", "${HOST}")]
    [InlineData("$${NOPE} and ${HOST}", "${NOPE} and mx.example.test")]
    [InlineData("cost: $5", "cost: $5")]
    [InlineData("$$", "$$")]
    [InlineData("trailing $", "trailing $")]
    public void When_ReferenceIsDefinedOrEscaped_ItIsSubstituted(string text, string expected)
    {
        var result = Vars.Substitute(text, ".");

        Assert.Null(result.Error);
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public void When_EnvironmentVariableIsSetButEmpty_TheDefaultIsUsedAsInTheShell()
    {
        Assert.Equal("fallback", Sub("${env:BLANK:-fallback}"));
    }

    [Fact]
    public void When_FileIsReferenced_ItsTrailingLineEndIsTrimmedAndPathIsRelativeToTheBase()
    {
        using var dir = new TestFiles.TempDir();
        dir.Write("token.txt", "line1\nline2\r\n\n");

        Assert.Equal("line1\nline2", Sub("${file:token.txt}", dir.Path));
    }

    [Fact]
    public void When_FileIsMissingAndHasADefault_TheDefaultIsUsed()
    {
        using var dir = new TestFiles.TempDir();

        Assert.Equal("none", Sub("${file:missing.txt:-none}", dir.Path));
    }

    [Theory]
    [InlineData("${NOPE}", "variable `NOPE` is not defined", "pass --var NOPE=VALUE, or give a default: `${NOPE:-value}`", 0)]
    [InlineData("at ${env:NOPE}", "environment variable `NOPE` is not defined", "export NOPE=..., or give a default: `${env:NOPE:-value}`", 3)]
    [InlineData("${HOST}-${file:nope.txt}", "file `nope.txt` does not exist", "check the path (it is relative to the scenario file), or give a default: `${file:nope.txt:-value}`", 8)]
    [InlineData("x ${NOPE", "unterminated variable reference `${NOPE`", "write `${NAME}`, `${env:NAME}` or `${file:PATH}`; `$${` writes a literal `${`", 2)]
    [InlineData("${a b}", "invalid variable reference `${a b}`", "write `${NAME}`, `${env:NAME}` or `${file:PATH}`", 0)]
    [InlineData("${}", "invalid variable reference `${}`", "write `${NAME}`, `${env:NAME}` or `${file:PATH}`", 0)]
    public void When_ReferenceCannotBeResolved_ErrorHintAndOffsetAreGiven(string text, string error, string hint, int offset)
    {
        using var dir = new TestFiles.TempDir();

        var result = Vars.Substitute(text, dir.Path);

        Assert.Null(result.Value);
        Assert.Equal(error, result.Error);
        Assert.Equal(hint, result.Hint);
        Assert.Equal(offset, result.ErrorOffset);
    }

    [Fact]
    public void When_VariableIsUndefinedInAScalar_DiagnosticPointsAtTheReference()
    {
        var (_, diagnostics) = TestFiles.Bind("name: x\nserver: { host: \"mx-${NOPE}.example\" }\nsteps: [ehlo]\n");

        var d = Assert.Single(diagnostics);
        Assert.Equal(2, d.Span.Start.Line);
        Assert.Equal(21, d.Span.Start.Column);
        Assert.Equal(28, d.Span.End.Column);
    }

    [Fact]
    public void When_SameReferenceAppearsTwiceOnALine_EachDiagnosticPointsAtItsOwnScalar()
    {
        var (_, diagnostics) = TestFiles.Bind("name: x\nserver: { host: h }\nmessage: { subject: \"${WHO}\", body: \"${WHO}\" }\nsteps: [ehlo]\n");

        Assert.Equal([22, 38], diagnostics.Select(d => d.Span.Start.Column));
    }
}
