using System.Diagnostics;
using System.Text;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Tests;

/// <summary>The YAML reader: positions, the things it refuses on purpose, and its resource limits.</summary>
public sealed class YamlTreeReaderTests
{
    private static (YNode? Root, IReadOnlyList<Diagnostic> Diagnostics) Read(string text) =>
        YamlTreeReader.Read(new SourceText("t.yaml", text));

    [Fact]
    public void When_YamlIsValid_NodesCarryOneBasedPositions()
    {
        var (root, diagnostics) = Read("name: x\nserver:\n  host: mx.example.test\n");

        Assert.Empty(diagnostics);
        var map = Assert.IsType<YMapping>(root);
        var server = Assert.IsType<YMapping>(map.Find("server")!.Value);
        var host = server.Find("host")!;
        Assert.Equal(new SourcePosition(3, 3), host.Key.Span.Start);
        Assert.Equal(new SourcePosition(3, 9), host.Value.Span.Start);
        Assert.Equal("mx.example.test", ((YScalar)host.Value).Value);
    }

    [Theory]
    [InlineData("port: 25", false)]
    [InlineData("port: \"25\"", true)]
    [InlineData("port: '25'", true)]
    [InlineData("port: |\n  25\n", true)]
    public void When_ScalarIsQuotedOrBlock_ItIsMarkedQuoted(string yaml, bool quoted)
    {
        var (root, _) = Read(yaml);

        var value = Assert.IsType<YScalar>(((YMapping)root!).Find("port")!.Value);
        Assert.Equal(quoted, value.Quoted);
    }

    [Theory]
    [InlineData("a:", true)]
    [InlineData("a: ~", true)]
    [InlineData("a: null", true)]
    [InlineData("a: \"\"", false)]
    [InlineData("a: 'null'", false)]
    public void When_PlainScalarIsEmptyOrNull_IsNullIsTrue(string yaml, bool isNull)
    {
        var (root, _) = Read(yaml);

        Assert.Equal(isNull, ((YScalar)((YMapping)root!).Find("a")!.Value).IsNull);
    }

    [Fact]
    public void When_KeyRepeats_DiagnosticPointsAtTheSecondKey()
    {
        var (_, diagnostics) = Read("a: 1\nb: 2\na: 3\n");

        var d = Assert.Single(diagnostics);
        Assert.Equal("duplicate key `a`", d.Message);
        Assert.Equal(new SourcePosition(3, 1), d.Span.Start);
    }

    [Fact]
    public void When_FileHoldsOnlyComments_ItIsReportedAsEmpty()
    {
        var (root, diagnostics) = Read("# nothing here\n");

        Assert.Null(root);
        Assert.Equal("the scenario file is empty", Assert.Single(diagnostics).Message);
    }

    [Fact]
    public void When_TextHoldsNulBytes_ItIsRefusedAsNotText()
    {
        var (root, diagnostics) = Read("name: x\0y\n");

        Assert.Null(root);
        Assert.Contains("NUL", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_BillionLaughsIsRead_AnchorsAreRefusedAtOnce()
    {
        var sb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < 10; i++)
        {
            var prev = (char)('a' + i - 1);
            var name = (char)('a' + i);
            sb.Append(name).Append(": &").Append(name).Append(" [")
              .AppendJoin(',', Enumerable.Repeat("*" + prev, 9)).Append("]\n");
        }
        var sw = Stopwatch.StartNew();

        var (root, diagnostics) = Read(sb.ToString());

        sw.Stop();
        Assert.Null(root);
        var d = Assert.Single(diagnostics);
        Assert.Contains("anchors (`&a`) and aliases are not supported", d.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
    }

    [Fact]
    public void When_AliasHasNoAnchor_ItIsReportedNotThrown()
    {
        var (root, diagnostics) = Read("a: *nowhere\n");

        Assert.Null(root);
        Assert.StartsWith("invalid YAML:", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_FlowNestingIsHalfAMillionDeep_OneDiagnosticComesQuickly()
    {
        var sw = Stopwatch.StartNew();

        var (root, diagnostics) = Read(new string('[', 500_000));

        sw.Stop();
        Assert.Null(root);
        Assert.Equal($"invalid YAML: nesting deeper than {YamlTreeReader.MaxDepth} levels", Assert.Single(diagnostics).Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }

    [Theory]
    [InlineData(YamlTreeReader.MaxDepth - 1, true)]
    [InlineData(YamlTreeReader.MaxDepth, false)]
    public void When_NestingReachesTheLimit_DeeperIsRefused(int mappings, bool accepted)
    {
        // The root mapping is depth 0 and every nested node one more: `mappings` nested keys, then a scalar.
        var yaml = string.Concat(Enumerable.Range(0, mappings).Select(i => new string(' ', 2 * i) + "k:\n")) +
            new string(' ', 2 * mappings) + "v: 1\n";

        var (root, diagnostics) = Read(yaml);

        Assert.Equal(accepted, diagnostics.Count == 0);
        Assert.Equal(accepted, root is not null);
    }

    [Fact]
    public void When_TextIsOverTheLimit_OneDiagnosticWithoutParsing()
    {
        var text = "a: " + new string('x', YamlTreeReader.MaxBytes) + "\n";

        var (root, diagnostics) = Read(text);

        Assert.Null(root);
        Assert.Contains("too large", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_FlowMappingIsLeftOpen_ADiagnosticIsReportedNotAnException()
    {
        var (root, diagnostics) = Read("name: x\nserver: { host: mx.example.test, port: 25\nsteps:\n  - ehlo\n");

        Assert.Null(root);
        var d = Assert.Single(diagnostics);
        Assert.StartsWith("invalid YAML", d.Message, StringComparison.Ordinal);
        Assert.True(d.Span.Start.Line >= 2, $"points at {d.Span}");
    }

    [Fact]
    public void When_LineIsIndentedWithATab_DiagnosticPointsAtTheTabWithAHint()
    {
        var (_, diagnostics) = Read("name: tab indentation\nserver:\n\thost: mx.example.test\n");

        var d = Assert.Single(diagnostics);
        Assert.Equal(3, d.Span.Start.Line);
        Assert.Equal("YAML does not allow tabs for indentation; use spaces", d.Hint);
    }

    [Fact]
    public void When_PlainValueContainsColonSpace_HintSaysToQuoteIt()
    {
        var (_, diagnostics) = Read("name: smtp check: port 25\n");

        Assert.StartsWith("a value containing `: ` must be quoted", Assert.Single(diagnostics).Hint, StringComparison.Ordinal);
    }
}
