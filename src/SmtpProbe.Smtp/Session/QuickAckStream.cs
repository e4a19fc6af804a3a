using System.Net.Sockets;

namespace SmtpProbe.Smtp.Session;

/// <summary>
/// Pass-through stream under the SslStream that re-arms Linux TCP_QUICKACK after every read that
/// returned data. Why: with Nagle on one side and delayed ACKs on the other, the server's reply
/// after TLS 1.3 session tickets (or after a resumed handshake) waits ~40 ms for our ACK; the
/// option is not sticky, so it must be set again after each read (measured: see docs/performance.md).
/// </summary>
internal sealed class QuickAckStream(Socket socket, Stream inner) : Stream
{
    private const int IpProtoTcp = 6;
    private const int TcpQuickAck = 12;
    private static readonly bool Supported = OperatingSystem.IsLinux();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    private byte[]? _capture;
    private int _captured;

    /// <summary>Keeps the first bytes read from now on, so a failed TLS handshake can quote what the server really sent.</summary>
    public void StartCapture(int bytes = 64)
    {
        _capture = new byte[bytes];
        _captured = 0;
    }

    /// <summary>The captured bytes; capturing stops.</summary>
    public ReadOnlySpan<byte> StopCapture()
    {
        var result = _capture is null ? [] : _capture.AsSpan(0, _captured);
        _capture = null;
        return result;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0)
        {
            QuickAck();
            if (_capture is not null && _captured < _capture.Length)
            {
                var take = Math.Min(n, _capture.Length - _captured);
                buffer.Span[..take].CopyTo(_capture.AsSpan(_captured));
                _captured += take;
            }
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        if (n > 0)
        {
            QuickAck();
        }
        return n;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private void QuickAck()
    {
        if (!Supported)
        {
            return;
        }
        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, [1, 0, 0, 0]);
        }
        catch (SocketException)
        {
            // A closed or reset socket: the next read reports it properly.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
