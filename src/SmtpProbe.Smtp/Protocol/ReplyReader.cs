using SmtpProbe.Core.Results;

namespace SmtpProbe.Smtp.Protocol;

/// <summary>A thin reader feeding a stream's bytes to the <see cref="ReplyParser"/>; keeps leftovers for the next reply.</summary>
public sealed class ReplyReader
{
    private readonly ReplyParser _parser = new();
    // Larger than a TLS record's plaintext (16 KiB), so one read drains a record: bytes of an extra reply
    // can then never hide inside SslStream where the unsolicited-reply check cannot see them.
    private readonly byte[] _buffer = new byte[(16 * 1024) + 1];
    private int _start;
    private int _end;
    private Stream _stream;

    public ReplyReader(Stream stream) => _stream = stream;

    /// <summary>Bytes received but not yet part of a reply: after STARTTLS's 220 these must be empty (RFC 3207).</summary>
    public int Buffered => _end - _start;

    public ReadOnlySpan<byte> BufferedBytes => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Half a reply received so far (escaped), or null.</summary>
    public string? Pending => _parser.InReply ? _parser.Pending : null;

    /// <summary>Switches to the TLS stream after STARTTLS; anything still buffered is discarded.</summary>
    public void Reset(Stream stream)
    {
        _stream = stream;
        _start = _end = 0;
    }

    /// <summary>Reads one whole reply. Throws <see cref="SmtpProtocolException"/> on a grammar violation or a close mid-reply.</summary>
    public async Task<Reply> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            if (_start < _end)
            {
                var reply = _parser.Feed(_buffer.AsSpan(_start, _end - _start), out var used);
                _start += used;
                if (reply is not null)
                {
                    return reply;
                }
            }
            _start = _end = 0;
            var n = await _stream.ReadAsync(_buffer, ct).ConfigureAwait(false);
            if (n == 0)
            {
                throw new SmtpProbeException(
                    ErrorKind.Protocol,
                    _parser.InReply ? "server closed the connection in the middle of a reply" : "server closed the connection without replying")
                {
                    Evidence = Pending,
                };
            }
            _end = n;
        }
    }
}
