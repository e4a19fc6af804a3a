using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Core.Text;
using SmtpProbe.Smtp.Protocol;
using SmtpProbe.Smtp.Tls;

namespace SmtpProbe.Smtp.Session;

/// <summary>
/// One SMTP connection: the only place bytes meet the network. Writes whole CRLF lines, reads
/// replies through the I/O-free parser, upgrades to TLS, and records a redacted transcript.
/// Every wait has a deadline from the injected <see cref="TimeProvider"/>, armed *before* the action
/// the server could observe, so a fake clock can fire it deterministically in tests.
/// </summary>
public sealed class SmtpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly Transcript _transcript;
    private readonly ServerSpec _server;
    private readonly ReplyReader _reader;
    private Stream _stream;
    private CancellationTokenSource? _bannerDeadline;

    private SmtpConnection(Socket socket, Stream stream, ServerSpec server, TimeProvider time, Transcript transcript, CancellationTokenSource bannerDeadline)
    {
        _socket = socket;
        _stream = stream;
        _server = server;
        _time = time;
        _transcript = transcript;
        _reader = new ReplyReader(stream);
        _bannerDeadline = bannerDeadline;
        Facts = new ConnectionFacts(server.Host, server.Port, EndPointOf(() => socket.RemoteEndPoint), EndPointOf(() => socket.LocalEndPoint), "none");
    }

    public ConnectionFacts Facts { get; private set; }

    public bool IsTls => _stream is SslStream;

    public TlsFacts? Tls { get; private set; }

    /// <summary>Connects (bound to the scenario's source address if any), retrying refused connects with Polly.</summary>
    public static async Task<SmtpConnection> OpenAsync(ServerSpec server, TlsSpec tls, TimeProvider time, Transcript transcript, CancellationToken ct)
    {
        // The greeting's deadline starts now, before the server can see us (see class comment).
        var bannerDeadline = new CancellationTokenSource(server.CommandTimeout + server.ConnectTimeout, time);
        Socket? socket = null;
        try
        {
            var addresses = await ResolveAsync(server, ct).ConfigureAwait(false);
            socket = await ConnectWithRetriesAsync(server, addresses, time, transcript, ct).ConfigureAwait(false);
            var connection = new SmtpConnection(socket, new QuickAckStream(socket, new NetworkStream(socket, ownsSocket: true)), server, time, transcript, bannerDeadline);
            transcript.Note($"connected to {connection.Facts.RemoteEndPoint ?? "(reset)"} from {connection.Facts.LocalEndPoint ?? "(unknown)"}");
            if (tls.Mode == TlsMode.Implicit)
            {
                await connection.UpgradeAsync(tls, ct).ConfigureAwait(false);
            }
            connection.Facts = connection.Facts with { TlsMode = tls.Mode.ToString().ToLowerInvariant() };
            return connection;
        }
        catch
        {
            socket?.Dispose();
            bannerDeadline.Dispose();
            throw;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(ServerSpec server, CancellationToken ct)
    {
        var family = server.Bind?.AddressFamily ?? server.Family switch
        {
            AddressFamilyPreference.IPv4 => AddressFamily.InterNetwork,
            AddressFamilyPreference.IPv6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unspecified,
        };
        IPAddress[] addresses;
        if (IPAddress.TryParse(server.Host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(server.Host, family, ct).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new SmtpProbeException(ErrorKind.Connect, $"cannot resolve host `{server.Host}`: {e.Message}", e);
            }
        }
        var usable = family == AddressFamily.Unspecified ? addresses : addresses.Where(a => a.AddressFamily == family).ToArray();
        if (usable.Length == 0)
        {
            throw new SmtpProbeException(ErrorKind.Connect, $"host `{server.Host}` has no {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address{(server.Bind is null ? "" : $" to reach from {server.Bind}")}");
        }
        return usable;
    }

    private static async Task<Socket> ConnectWithRetriesAsync(ServerSpec server, IPAddress[] addresses, TimeProvider time, Transcript transcript, CancellationToken ct)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (server.ConnectRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = server.ConnectRetries,
                Delay = server.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder().Handle<SmtpProbeException>(e => e.Kind is ErrorKind.Connect or ErrorKind.Timeout),
                OnRetry = args =>
                {
                    transcript.Note($"connect attempt {args.AttemptNumber + 1} failed ({args.Outcome.Exception?.Message}); retrying in {args.RetryDelay.TotalMilliseconds:0} ms");
                    return default;
                },
            });
        }
        var pipeline = builder.AddTimeout(server.ConnectTimeout).Build();
        try
        {
            return await pipeline.ExecuteAsync(async token => await ConnectOnceAsync(server, addresses, token).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new SmtpProbeException(ErrorKind.Timeout, $"could not connect to {server.Host}:{server.Port} within {Durations.Format(server.ConnectTimeout)}", e);
        }
    }

    private static async Task<Socket> ConnectOnceAsync(ServerSpec server, IPAddress[] addresses, CancellationToken ct)
    {
        SmtpProbeException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (server.Bind is { } bind)
                {
                    try
                    {
                        socket.Bind(new IPEndPoint(bind, 0));
                    }
                    catch (SocketException e)
                    {
                        throw new SmtpProbeException(ErrorKind.Connect, e.SocketErrorCode == SocketError.AddressNotAvailable
                            ? $"cannot send from {bind}: it is not an address of this machine"
                            : $"cannot bind the source address {bind}: {e.Message}", e);
                    }
                }
                await socket.ConnectAsync(new IPEndPoint(address, server.Port), ct).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = new SmtpProbeException(ErrorKind.Connect, e.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => $"connection refused by {Endpoint(address, server.Port)}",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"{Endpoint(address, server.Port)} is unreachable",
                    _ => $"cannot connect to {Endpoint(address, server.Port)}: {e.Message}",
                }, e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>Reads the greeting under the deadline armed when connecting began.</summary>
    public async Task<Reply> ReadBannerAsync(CancellationToken ct)
    {
        // The greeting's deadline was armed before connecting, so it covers the connect too. The binder
        // allows `banner` only as the first step, so it is read once.
        using var deadline = _bannerDeadline ?? throw new InvalidOperationException("the greeting is read once");
        _bannerDeadline = null;
        return await ReadUnderAsync(deadline, _server.CommandTimeout + _server.ConnectTimeout, "the greeting", ct).ConfigureAwait(false);
    }

    /// <summary>Sends one command line and reads its reply. <paramref name="shown"/> replaces the line in the transcript (AUTH payloads).</summary>
    public async Task<Reply> CommandAsync(string line, string? shown, CancellationToken ct, string? label = null)
    {
        // `label` names a masked line in messages ("the AUTH PLAIN response"), never its content.
        var what = label ?? Verb(shown ?? line);
        RejectUnsolicited(what);
        using var deadline = new CancellationTokenSource(_server.CommandTimeout, _time);
        await WriteUnderAsync(Encoding.UTF8.GetBytes(line + "\r\n"), deadline, ct).ConfigureAwait(false);
        _transcript.Client(shown ?? line);
        return await ReadUnderAsync(deadline, _server.CommandTimeout, $"the reply to {what}", ct).ConfigureAwait(false);
    }

    /// <summary>Sends a whole message body (already dot-stuffed and ended by CRLF.CRLF) in one write, then reads the final reply.</summary>
    public async Task<Reply> SendMessageAsync(byte[] payload, string shown, CancellationToken ct)
    {
        // One write: a body and its final "." in two writes stalls ~40 ms on Nagle x delayed ACK.
        using var deadline = new CancellationTokenSource(_server.CommandTimeout, _time);
        await WriteUnderAsync(payload, deadline, ct).ConfigureAwait(false);
        _transcript.Client(shown);
        _transcript.Client(".");
        return await ReadUnderAsync(deadline, _server.CommandTimeout, "the reply to the end of DATA", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Bytes that arrived before we sent a command are a reply to nothing: an extra reply to the
    /// previous command or an unsolicited one. Reading them as the next reply would pair every
    /// later command with the wrong answer, so the scenario stops with the evidence instead.
    /// </summary>
    private void RejectUnsolicited(string verb)
    {
        var buffered = _reader.Buffered;
        var pending = _stream is SslStream ? 0 : SafeAvailable();
        if (buffered == 0 && pending == 0)
        {
            return;
        }
        var evidence = buffered > 0 ? BufferedEvidence() : PeekWaiting() ?? $"{pending} bytes waiting on the socket";
        throw new SmtpProtocolException($"server sent data that answers no command (before {verb} was sent): an extra or unsolicited reply", evidence);
    }

    /// <summary>
    /// Bytes that arrived but were not read when the deadline fired (half a reply line, say): peeked,
    /// not consumed, so the timeout message can quote them. Only for plain TCP; TLS bytes need decrypting.
    /// </summary>
    private string? PeekWaiting()
    {
        if (_stream is SslStream || SafeAvailable() is var available && available == 0)
        {
            return null;
        }
        try
        {
            var buffer = new byte[Math.Min(available, 200)];
            var n = _socket.Receive(buffer, SocketFlags.Peek);
            return n > 0 ? ReplyParser.Escape(buffer.AsSpan(0, n)) : null;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>A server that resets right after accepting makes Socket.RemoteEndPoint throw; that is the next read's story to tell.</summary>
    private static string? EndPointOf(Func<EndPoint?> endPoint)
    {
        try
        {
            return endPoint()?.ToString();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    private string BufferedEvidence() => ReplyParser.Escape(_reader.BufferedBytes[..Math.Min(_reader.Buffered, 120)]);

    private int SafeAvailable()
    {
        try
        {
            return _socket.Available;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>
    /// After a 220 to STARTTLS: refuses plaintext the server sent after its 220 (RFC 3207 says it
    /// must be discarded; a server that sends it is broken or hostile), then upgrades.
    /// </summary>
    public async Task UpgradeAfterStartTlsAsync(TlsSpec tls, CancellationToken ct)
    {
        if (_reader.Buffered > 0)
        {
            throw new SmtpProtocolException($"server sent {_reader.Buffered} bytes of plaintext after its 220 reply to STARTTLS (they could be mistaken for replies inside TLS: the STARTTLS injection class)", BufferedEvidence());
        }
        await UpgradeAsync(tls, ct).ConfigureAwait(false);
    }

    private async Task UpgradeAsync(TlsSpec tls, CancellationToken ct)
    {
        using var timer = new CancellationTokenSource(_server.CommandTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        var raw = _stream as QuickAckStream;
        raw?.StartCapture();
        try
        {
            (SslStream ssl, TlsFacts facts) handshake;
            try
            {
                handshake = await TlsHandshake.AuthenticateAsync(_stream, tls, _time, linked.Token).ConfigureAwait(false);
            }
            catch (SmtpProbeException e) when (e.Kind == ErrorKind.Tls && raw is not null && NotTls(raw.StopCapture()) is { } garbage)
            {
                // Quote what came instead of a ServerHello: a middlebox, an HTTP server, a plaintext reply.
                throw new SmtpProbeException(ErrorKind.Tls, $"TLS handshake failed: the server answered with data that is not TLS: \"{garbage}\"", e);
            }
            raw?.StopCapture();
            var (ssl, facts) = handshake;
            _stream = ssl;
            _reader.Reset(ssl);
            Tls = facts;
            _transcript.Note($"TLS established: {facts.Protocol} {facts.CipherSuite}; certificate {(facts.CertificateVerified ? "verified" : $"NOT verified ({facts.VerificationError})")} for {facts.TargetHost}");
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new SmtpProbeException(ErrorKind.Timeout, $"TLS handshake did not finish within {Durations.Format(_server.CommandTimeout)}");
        }
    }

    /// <summary>TLS records start with a content type 20-23 and version 3.x; anything else is quoted as text.</summary>
    private static string? NotTls(ReadOnlySpan<byte> first) =>
        first.Length == 0 || (first[0] is >= 20 and <= 23 && (first.Length < 2 || first[1] == 3)) ? null : ReplyParser.Escape(first);

    /// <summary>Best-effort polite close after a failed assertion; never throws.</summary>
    public async Task TryQuitAsync(CancellationToken ct)
    {
        try
        {
            RecordReply(await CommandAsync("QUIT", null, ct).ConfigureAwait(false));
        }
        catch (Exception e) when (e is SmtpProbeException or IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    public void RecordReply(Reply reply)
    {
        foreach (var raw in reply.RawLines)
        {
            _transcript.Server(raw);
        }
    }

    private async Task WriteUnderAsync(byte[] bytes, CancellationTokenSource deadline, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            await _stream.WriteAsync(bytes, linked.Token).ConfigureAwait(false);
            await _stream.FlushAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new SmtpProbeException(ErrorKind.Timeout, $"could not send within {Durations.Format(_server.CommandTimeout)}");
        }
        catch (IOException e)
        {
            throw new SmtpProbeException(ErrorKind.Protocol, $"connection lost while sending: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    private async Task<Reply> ReadUnderAsync(CancellationTokenSource deadline, TimeSpan timeout, string what, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            return await _reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new SmtpProbeException(ErrorKind.Timeout, $"timed out after {Durations.Format(timeout)} waiting for {what}") { Evidence = _reader.Pending ?? PeekWaiting() };
        }
        catch (IOException e)
        {
            var reset = e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset };
            throw new SmtpProbeException(ErrorKind.Protocol, reset
                ? $"connection reset by the server while waiting for {what}"
                : $"connection lost while waiting for {what}: {e.InnerException?.Message ?? e.Message}", e) { Evidence = _reader.Pending };
        }
    }

    public async ValueTask DisposeAsync()
    {
        _bannerDeadline?.Dispose();
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // A TLS close_notify to a dead peer can fail; the socket is released below either way.
        }
        _socket.Dispose();
    }

    private static string Verb(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var end = colon > 0 && (space < 0 || colon < space + 6) ? colon : space;
        return end > 0 ? line[..end] : line;
    }

    private static string Endpoint(IPAddress a, int port) => a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]:{port}" : $"{a}:{port}";

}
