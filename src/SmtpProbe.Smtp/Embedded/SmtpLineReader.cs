namespace SmtpProbe.Smtp.Embedded;

/// <summary>How a segment returned by <see cref="SmtpLineReader"/> ended.</summary>
internal enum LineEnd
{
    /// <summary>The segment is a whole line terminated by CRLF.</summary>
    CrLf,

    /// <summary>The line ended with LF not preceded by CR.</summary>
    BareLf,

    /// <summary>The line was longer than the requested maximum; more of it follows.</summary>
    Partial,

    /// <summary>The peer closed the connection (any incomplete line is dropped).</summary>
    Eof,
}

/// <summary>A line or line fragment; <see cref="Content"/> excludes the terminator and is valid until the next read.</summary>
internal readonly record struct LineSegment(ReadOnlyMemory<byte> Content, LineEnd End);

/// <summary>
/// Reads SMTP lines with a hard bound on memory: a line longer than the caller's limit comes back in
/// <see cref="LineEnd.Partial"/> pieces instead of growing a buffer.
/// </summary>
internal sealed class SmtpLineReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    public SmtpLineReader(Stream stream, int bufferSize = 16 * 1024)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Drops bytes read from the socket but not yet consumed (used at STARTTLS).</summary>
    public void DiscardBuffered()
    {
        _start = 0;
        _end = 0;
    }

    /// <summary>Returns the next line, or its first <paramref name="maxLength"/> bytes as a partial segment.</summary>
    public async ValueTask<LineSegment> ReadAsync(int maxLength, CancellationToken ct)
    {
        // Room for maxLength content bytes plus CRLF must fit, or a long line could never be split.
        if (maxLength < 2 || maxLength + 2 > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength));
        }
        while (true)
        {
            var available = _end - _start;
            var window = Math.Min(available, maxLength + 2);
            var lf = _buffer.AsSpan(_start, window).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var crlf = lf > 0 && _buffer[_start + lf - 1] == (byte)'\r';
                var length = crlf ? lf - 1 : lf;
                if (length <= maxLength)
                {
                    var line = new LineSegment(_buffer.AsMemory(_start, length), crlf ? LineEnd.CrLf : LineEnd.BareLf);
                    _start += lf + 1;
                    return line;
                }
            }
            if (available >= maxLength + 2 || lf >= 0)
            {
                // Keep a trailing CR back so a CRLF split across segments is still seen as CRLF.
                var take = _buffer[_start + maxLength - 1] == (byte)'\r' ? maxLength - 1 : maxLength;
                var part = new LineSegment(_buffer.AsMemory(_start, take), LineEnd.Partial);
                _start += take;
                return part;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, available);
                _start = 0;
                _end = available;
            }
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0)
            {
                return new LineSegment(ReadOnlyMemory<byte>.Empty, LineEnd.Eof);
            }
            _end += read;
        }
    }
}
