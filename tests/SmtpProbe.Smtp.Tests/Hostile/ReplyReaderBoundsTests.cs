using System.Text;
using Microsoft.Extensions.Time.Testing;
using SmtpProbe.Core.Results;
using SmtpProbe.Smtp.Protocol;
using SmtpProbe.Smtp.Tests.Running;
using SmtpProbe.Testing.Scripted;

namespace SmtpProbe.Smtp.Tests.Hostile;

/// <summary>
/// A hostile server cannot grow our memory or make us read without end: ReplyReader stops after one line
/// limit (plus one read buffer) of a line without CRLF, and after the line-count limit of an endless reply.
/// </summary>
public class ReplyReaderBoundsTests(ITestOutputHelper output)
{
    private const long OneGiB = 1L << 30;
    private const int ReadBuffer = (16 * 1024) + 1; // ReplyReader reads whole TLS records

    [Fact]
    public async Task When_ServerSendsOneGibibyteWithoutCrlf_ReaderStopsAfterOneLineLimitAndAllocatesAlmostNothing()
    {
        var stream = new EndlessStream(OneGiB, _ => (byte)'A');
        var reader = new ReplyReader(stream); // its two fixed buffers are allocated here, outside the measurement

        var before = GC.GetAllocatedBytesForCurrentThread();
        var beforeProcess = GC.GetTotalAllocatedBytes(precise: true);
        var e = await Assert.ThrowsAsync<SmtpProtocolException>(() => reader.ReadAsync(TestContext.Current.CancellationToken));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var allocatedProcess = GC.GetTotalAllocatedBytes(precise: true) - beforeProcess;

        output.WriteLine($"read {stream.Position:N0} of {OneGiB:N0} bytes in {stream.Reads} reads; allocated {allocated:N0} bytes on this thread, {allocatedProcess:N0} in the process (other tests included)");
        Assert.Contains($"reply line longer than {ReplyParser.MaxLineLength} bytes", e.Message, StringComparison.Ordinal);
        Assert.StartsWith(new string('A', 80), e.Evidence, StringComparison.Ordinal);
        Assert.True(e.Evidence!.Length < 100, "the evidence quotes a bounded prefix");
        Assert.True(stream.Position <= ReplyParser.MaxLineLength + ReadBuffer, $"read {stream.Position} bytes");
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes while reading a hostile line");
    }

    [Fact]
    public async Task When_ServerSendsOneGibibyteOfContinuationLines_ReaderStopsAtTheLineCountLimit()
    {
        var line = "250-A\r\n"u8.ToArray();
        var stream = new EndlessStream(OneGiB, position => line[(int)(position % line.Length)]);
        var reader = new ReplyReader(stream);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = await Assert.ThrowsAsync<SmtpProtocolException>(() => reader.ReadAsync(TestContext.Current.CancellationToken));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"read {stream.Position:N0} bytes in {stream.Reads} reads; allocated {allocated:N0} bytes on this thread");
        Assert.Contains($"reply has more than {ReplyParser.MaxLines} lines", e.Message, StringComparison.Ordinal);
        Assert.True(stream.Position <= ((ReplyParser.MaxLines + 1) * line.Length) + ReadBuffer, $"read {stream.Position} bytes");
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public async Task When_ServerSendsOneGibibyteOfBareLineFeeds_ReaderStopsAtTheFirstLine()
    {
        var stream = new EndlessStream(OneGiB, _ => (byte)'\n');
        var reader = new ReplyReader(stream);
        var e = await Assert.ThrowsAsync<SmtpProtocolException>(() => reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Contains("does not start with a three-digit code", e.Message, StringComparison.Ordinal);
        Assert.True(stream.Position <= ReadBuffer);
    }

    [Fact]
    public void When_LineIsExactlyAtTheLimit_ItIsAccepted_AndOneByteMoreIsNot()
    {
        // The limit counts the bytes before LF, CR included: "250 " + 4091 + CR = 4096.
        var fits = "250 " + new string('x', ReplyParser.MaxLineLength - 5) + "\r\n";
        Assert.Equal(250, Feed(fits).Code);
        var tooLong = "250 " + new string('x', ReplyParser.MaxLineLength - 3) + "\r\n";
        Assert.Throws<SmtpProtocolException>(() => Feed(tooLong));
    }

    [Fact]
    public void When_LineOfMaxLengthEndsWithCrlf_ItIsAcceptedLikeWithBareLf()
    {
        var text = "250 " + new string('x', ReplyParser.MaxLineLength - 4);
        Assert.Equal(250, Feed(text + "\n").Code); // passes today
        Assert.Equal(250, Feed(text + "\r\n").Code); // throws today
    }

    [Fact]
    public void When_ReplyHasExactlyTheMaximumLineCount_ItIsAccepted_AndOneMoreIsNot()
    {
        var lines = string.Concat(Enumerable.Repeat("250-x\r\n", ReplyParser.MaxLines - 1)) + "250 end\r\n";
        Assert.Equal(ReplyParser.MaxLines, Feed(lines).Lines.Count);
        var tooMany = string.Concat(Enumerable.Repeat("250-x\r\n", ReplyParser.MaxLines)) + "250 end\r\n";
        var e = Assert.Throws<SmtpProtocolException>(() => Feed(tooMany));
        Assert.Contains($"more than {ReplyParser.MaxLines} lines", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_ServerStreamsTenMegabytesOfContinuationLines_RunStopsAtTheLineLimitAndEnds()
    {
        // A generated dialog: one !text of ~10 MB (the server keeps writing; the probe must stop reading at 257 lines).
        var blob = string.Concat(Enumerable.Repeat("250-endless capability line\\r\\n", 350_000));
        var dialog = $"S: 220 mx.test ESMTP\nC: EHLO probe.test\n!text {blob}\n!expect-close\n";
        await using var server = ScriptedSmtpServer.StartFromText(dialog, "endless-10mb");
        var result = await ScenarioHarness.RunAsync(HostileScenarios.Yaml("plain"), server, new FakeTimeProvider(DateTimeOffset.UtcNow))
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Equal(ErrorKind.Protocol, result.ErrorKind);
        Assert.Contains($"reply has more than {ReplyParser.MaxLines} lines", result.Message, StringComparison.Ordinal);
        Assert.Equal("ehlo", result.Steps.First(s => s.Outcome == Outcome.Error).Kind);
        // Not strict: the server is still writing when the probe hangs up, so its own write fails by design.
    }

    private static Reply Feed(string wire)
    {
        var parser = new ReplyParser();
        var bytes = Encoding.ASCII.GetBytes(wire);
        var reply = parser.Feed(bytes, out var used);
        Assert.NotNull(reply);
        Assert.Equal(bytes.Length, used);
        return reply;
    }

    /// <summary>A read-only stream of <c>length</c> generated bytes: nothing is ever allocated for its content.</summary>
    private sealed class EndlessStream(long length, Func<long, byte> byteAt) : Stream
    {
        private long _position;

        public int Reads { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Reads++;
            var n = (int)Math.Min(buffer.Length, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[i] = byteAt(_position + i);
            }
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
