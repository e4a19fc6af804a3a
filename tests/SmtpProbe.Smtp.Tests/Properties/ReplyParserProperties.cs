using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using SmtpProbe.Core.Results;
using SmtpProbe.Smtp.Protocol;

namespace SmtpProbe.Smtp.Tests.Properties;

/// <summary>
/// The reply parser is I/O-free, so the network's freedom to split bytes anywhere can be tried exhaustively
/// enough: valid replies parse to the same <see cref="Reply"/> whatever the split; any bytes at all yield
/// replies or a <see cref="SmtpProtocolException"/>, nothing else; and no more than
/// <see cref="ReplyParser.MaxLineLength"/> bytes of a line are ever held.
/// </summary>
public sealed partial class ReplyParserProperties(ITestOutputHelper output)
{
    public const int ValidIterations = 10_000;
    public const int HostileIterations = 20_000;

    private static readonly FieldInfo LineLengthField = typeof(ReplyParser).GetField("_lineLength", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("ReplyParser._lineLength not found; update this test to the parser's buffer field");

    /// <summary>One reply as a server would send it, with what the parser must make of it.</summary>
    public sealed record WireReply(int Code, string? Enhanced, string[] Texts, bool BareLf)
    {
        public string Wire => string.Concat(Texts.Select((t, i) =>
            $"{Code}{(i == Texts.Length - 1 ? ' ' : '-')}{(i == 0 && Enhanced is not null ? Enhanced + " " : string.Empty)}{t}{(BareLf ? "\n" : "\r\n")}"));

        public string[] ExpectedLines => [.. Texts.Select((t, i) => i == 0 && Enhanced is not null ? Enhanced + " " + t : t)];
    }

    /// <summary>Codes 200-559 that RFC 5321 allows (second digit 0-5), 1-20 lines of printable text, an optional RFC 3463 code.</summary>
    private static readonly Gen<WireReply> ReplyGen =
        from first in Gen.Int[2, 5]
        from second in Gen.Int[0, 5]
        from third in Gen.Int[0, 9]
        let code = (first * 100) + (second * 10) + third
        from hasEnhanced in Gen.Bool
        from subject in Gen.Int[0, 999]
        from detail in Gen.Int[0, 999]
        from texts in Gen.Char[' ', '~'].Array[0, 80].Select(a => new string(a)).Array[1, 20]
        from bareLf in Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true)))
        select new WireReply(code, hasEnhanced ? $"{first}.{subject}.{detail}" : null, texts, bareLf);

    /// <summary>Split points as fractions of the byte count: 0 to 12 cuts, duplicates allowed (an empty chunk).</summary>
    private static readonly Gen<double[]> CutsGen = Gen.Double.Unit.Array[0, 12];

    [Fact]
    public void When_ValidRepliesArriveInAnySplit_TheyParseToTheSameReplies()
    {
        Gen.Select(ReplyGen.Array[1, 4], CutsGen).Sample((replies, cuts) =>
        {
            var bytes = Encoding.UTF8.GetBytes(string.Concat(replies.Select(r => r.Wire)));

            var parsed = Feed(new ReplyParser(), Chunks(bytes, cuts), out _);

            Assert.Equal(replies.Length, parsed.Count);
            for (var i = 0; i < replies.Length; i++)
            {
                var (expected, actual) = (replies[i], parsed[i]);
                Assert.Equal(expected.Code, actual.Code);
                Assert.Equal(expected.ExpectedLines, actual.Lines);
                Assert.Equal(EnhancedOracle(expected.Code, expected.ExpectedLines[0]), actual.EnhancedCode);
                if (expected.Enhanced is not null)
                {
                    Assert.Equal(expected.Enhanced, actual.EnhancedCode);
                }
            }
        }, iter: ValidIterations, print: t => $"{string.Concat(t.Item1.Select(r => r.Wire)).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)} cut at [{string.Join(", ", t.Item2)}]", writeLine: output.WriteLine);
    }

    /// <summary>Pieces hostile servers send: valid lines, wrong codes, junk, bare CR/LF, NUL, high bytes, lines at and past the limit.</summary>
    private static readonly Gen<byte[]> PieceGen = Gen.Frequency(
        (6, ReplyGen.Select(r => Encoding.UTF8.GetBytes(r.Wire))),
        (2, Gen.Byte.Array[0, 40]),
        (2, Gen.OneOf("250-", "250 ", "550 ", "220", "600 x", "260 x", "2", "25", "250", "250x", "\r", "\n", "\r\n", "\0", "-", " ", "\u00ff", "\u2028", "354 go\r\n")
            .Select(s => Encoding.Latin1.GetBytes(s))),
        (1, Gen.OneOf(
            Gen.Int[ReplyParser.MaxLineLength - 8, ReplyParser.MaxLineLength + 8].Select(n => Encoding.ASCII.GetBytes("250 " + new string('x', Math.Max(0, n - 4)))),
            Gen.Int[ReplyParser.MaxLines - 2, ReplyParser.MaxLines + 2].Select(n => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("250-x\r\n", n)) + "250 end\r\n")))));

    [Fact]
    public void When_AnyBytesArriveInAnySplit_TheParserYieldsRepliesOrAProtocolErrorAndHoldsAtMostOneLine()
    {
        Gen.Select(PieceGen.Array[1, 12], CutsGen).Sample((pieces, cuts) =>
        {
            var bytes = pieces.SelectMany(p => p).ToArray();
            var parser = new ReplyParser();
            try
            {
                Feed(parser, Chunks(bytes, cuts), out var maxHeld);
                // The limit is on a line's content; one CR before the LF may sit in the buffer beyond it.
                Assert.True(maxHeld <= ReplyParser.MaxLineLength + 1, $"the parser held {maxHeld} bytes of one line");
                // Accepted input: no line of it (the unfinished last one included) was longer than the limit.
                Assert.True(LongestLine(bytes) <= ReplyParser.MaxLineLength, $"a {LongestLine(bytes)}-byte line was accepted");
            }
            catch (SmtpProtocolException e)
            {
                Assert.False(string.IsNullOrEmpty(e.Message));
                Assert.NotNull(e.Evidence);
                Assert.True(e.Evidence.Length <= (4 * ReplyParser.MaxLineLength) + 1, $"evidence of {e.Evidence.Length} characters");
            }
        }, iter: HostileIterations, print: t => $"{ReplyParser.Escape(t.Item1.SelectMany(p => p).ToArray())} cut at [{string.Join(", ", t.Item2)}]", writeLine: output.WriteLine);
    }

    [Fact]
    public void When_ALineIsOneByteOverTheLimit_ItIsRefusedWhateverTheSplit()
    {
        var line = Encoding.ASCII.GetBytes("250 " + new string('x', ReplyParser.MaxLineLength - 3));
        Gen.Select(CutsGen, Gen.Bool).Sample((cuts, withCrLf) =>
        {
            var bytes = withCrLf ? [.. line, (byte)'\r', (byte)'\n'] : line;
            Assert.Throws<SmtpProtocolException>(() => Feed(new ReplyParser(), Chunks(bytes, cuts), out _));
        }, iter: 2_000, writeLine: output.WriteLine);
    }

    /// <summary>Feeds the chunks as a socket would, re-feeding what a completed reply left over; returns the replies and the most bytes ever held.</summary>
    private static List<Reply> Feed(ReplyParser parser, IEnumerable<byte[]> chunks, out int maxHeld)
    {
        var replies = new List<Reply>();
        maxHeld = 0;
        foreach (var chunk in chunks)
        {
            var rest = chunk.AsSpan();
            do
            {
                var reply = parser.Feed(rest, out var used);
                Assert.InRange(used, 0, rest.Length);
                rest = rest[used..];
                maxHeld = Math.Max(maxHeld, (int)LineLengthField.GetValue(parser)!);
                if (reply is not null)
                {
                    replies.Add(reply);
                }
                else
                {
                    Assert.Equal(0, rest.Length);
                }
            }
            while (rest.Length > 0);
        }
        return replies;
    }

    private static IEnumerable<byte[]> Chunks(byte[] bytes, double[] cuts)
    {
        var points = cuts.Select(c => (int)(c * bytes.Length)).Append(0).Append(bytes.Length).Order().ToList();
        for (var i = 1; i < points.Count; i++)
        {
            yield return bytes[points[i - 1]..points[i]];
        }
    }

    /// <summary>The longest run of bytes without LF; a CR before the LF counts, as the parser buffers it.</summary>
    /// <summary>The longest line's content: a CR that ends a line (before its LF) is not content.</summary>
    private static int LongestLine(byte[] bytes)
    {
        var (longest, current) = (0, 0);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var endingCr = b == (byte)'\r' && (i + 1 == bytes.Length || bytes[i + 1] == (byte)'\n'); // a final CR may be half of a CRLF
            current = b == (byte)'\n' ? 0 : endingCr ? current : current + 1;
            longest = Math.Max(longest, current);
        }
        return longest;
    }

    /// <summary>RFC 3463, written independently of the parser: class.subject.detail at the start of the first line, class = the code's first digit.</summary>
    private static string? EnhancedOracle(int code, string firstLine)
    {
        var m = EnhancedRegex().Match(firstLine);
        return m.Success && m.Groups[1].Value[0] - '0' == code / 100 ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^([2-5]\.[0-9]{1,3}\.[0-9]{1,3})(?: |$)")]
    private static partial Regex EnhancedRegex();
}
