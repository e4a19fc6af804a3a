using System.Text;
using SmtpProbe.Core.Results;
using SmtpProbe.Smtp.Protocol;

namespace SmtpProbe.Smtp.Tests.Protocol;

public class ReplyParserTests
{
    private const string Ehlo = "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n";

    public enum Split { Whole, PerLine, PerByte }

    private static List<Reply> Parse(string wire, Split split)
    {
        var parser = new ReplyParser();
        var bytes = Encoding.UTF8.GetBytes(wire);
        var chunks = split switch
        {
            Split.Whole => [bytes],
            Split.PerByte => bytes.Select(b => new[] { b }).ToList(),
            _ => wire.Split("\r\n").Where(l => l.Length > 0).Select(l => Encoding.UTF8.GetBytes(l + "\r\n")).ToList(),
        };
        var replies = new List<Reply>();
        foreach (var chunk in chunks)
        {
            var rest = chunk.AsSpan();
            while (rest.Length > 0)
            {
                var reply = parser.Feed(rest, out var used);
                rest = rest[used..];
                if (reply is not null)
                {
                    replies.Add(reply);
                }
            }
        }
        return replies;
    }

    [Theory]
    [InlineData(Split.Whole)]
    [InlineData(Split.PerLine)]
    [InlineData(Split.PerByte)]
    public void When_MultiLineReplyArrivesInAnySplit_ItParsesTheSame(Split split)
    {
        var reply = Assert.Single(Parse(Ehlo, split));
        Assert.Equal(250, reply.Code);
        Assert.Equal(["mx.example.test", "PIPELINING", "SIZE 10240000", "STARTTLS"], reply.Lines);
        Assert.Equal(Ehlo.Split("\r\n")[..4], reply.RawLines);
    }

    [Theory]
    [InlineData(Split.Whole)]
    [InlineData(Split.PerByte)]
    public void When_TwoRepliesArriveTogether_BothAreReturnedInOrder(Split split)
    {
        var replies = Parse("250 2.1.0 Ok\r\n550 5.1.1 <x@y>: User unknown\r\n", split);
        Assert.Equal([250, 550], replies.Select(r => r.Code));
        Assert.Equal(["2.1.0", "5.1.1"], replies.Select(r => r.EnhancedCode));
    }

    [Theory]
    [InlineData("250 2.1.5 Ok", "2.1.5")]
    [InlineData("550 5.7.1 Relay access denied", "5.7.1")]
    [InlineData("250 Ok", null)]
    [InlineData("550 2.1.5 class disagrees with code", null)]
    [InlineData("250 2.1 too short", null)]
    [InlineData("221 2.0.0", "2.0.0")]
    public void EnhancedStatusCode_IsTakenOnlyWhenWellFormedAndOfTheSameClass(string line, string? expected)
    {
        Assert.Equal(expected, Assert.Single(Parse(line + "\r\n", Split.Whole)).EnhancedCode);
    }

    [Fact]
    public void When_LineEndsWithBareLf_ItIsStillALine()
    {
        Assert.Equal(220, Assert.Single(Parse("220 hi\n", Split.Whole)).Code);
    }

    [Fact]
    public void When_CodeIsBareWithoutText_ReplyHasOneEmptyLine()
    {
        Assert.Equal([string.Empty], Assert.Single(Parse("250\r\n", Split.Whole)).Lines);
    }

    [Theory]
    [InlineData("hello there\r\n", "does not start with a three-digit code")]
    [InlineData("25\r\n", "does not start with a three-digit code")]
    [InlineData("600 too high\r\n", "is not a valid SMTP code")]
    [InlineData("099 too low\r\n", "is not a valid SMTP code")]
    [InlineData("260 second digit\r\n", "is not a valid SMTP code")]
    [InlineData("250-first\r\n251 second\r\n", "changes its code from 250 to 251")]
    [InlineData("250_odd separator\r\n", "neither a space nor a hyphen")]
    public void When_ReplyBreaksTheGrammar_ProtocolErrorQuotesTheLine(string wire, string expected)
    {
        var e = Assert.Throws<SmtpProtocolException>(() => Parse(wire, Split.PerByte));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(e.Evidence));
    }

    [Fact]
    public void When_ReplyLineHasNoEnd_ParserStopsAtItsLimitWithoutGrowing()
    {
        var parser = new ReplyParser();
        var chunk = Encoding.ASCII.GetBytes(new string('A', 1024));
        var fed = 0;
        var e = Assert.Throws<SmtpProtocolException>((Action)(() =>
        {
            while (true)
            {
                parser.Feed(chunk, out var used);
                fed += used;
            }
        }));
        Assert.Contains($"longer than {ReplyParser.MaxLineLength} bytes", e.Message, StringComparison.Ordinal);
        Assert.True(fed <= ReplyParser.MaxLineLength, $"fed {fed} bytes before stopping");
    }

    [Fact]
    public void When_MultiLineReplyNeverEnds_LineCountLimitStopsIt()
    {
        var wire = string.Concat(Enumerable.Repeat("250-again\r\n", ReplyParser.MaxLines + 1));
        var e = Assert.Throws<SmtpProtocolException>(() => Parse(wire, Split.Whole));
        Assert.Contains($"more than {ReplyParser.MaxLines} lines", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_TextHasInvalidUtf8AndControlBytes_ItDecodesWithoutThrowing()
    {
        var parser = new ReplyParser();
        var reply = parser.Feed(new byte[] { (byte)'2', (byte)'5', (byte)'0', (byte)' ', 0xff, 0x00, 0x1b, (byte)'x', 13, 10 }, out _);
        Assert.NotNull(reply);
        Assert.Equal("\uFFFD\0\u001bx", reply.Lines[0]);
    }

    [Fact]
    public void Escape_ShowsNonPrintableBytesAsHex()
    {
        Assert.Equal("25\\x00\\xff ok\\x0d\\x0a", ReplyParser.Escape([(byte)'2', (byte)'5', 0, 0xff, (byte)' ', (byte)'o', (byte)'k', 13, 10]));
    }
}
