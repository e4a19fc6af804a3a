using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmtpProbe.Smtp.Tests.Embedded;

/// <summary>
/// A deliberately dumb SMTP client for the server tests: raw lines over TcpClient/SslStream, so the tests
/// check what goes over the wire rather than what a library makes of it.
/// </summary>
internal sealed class SmtpTestClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly CancellationToken _ct;
    private Stream _stream;
    private StreamReader _reader;

    private SmtpTestClient(TcpClient tcp, Stream stream, CancellationToken ct)
    {
        _tcp = tcp;
        _stream = stream;
        _reader = NewReader(stream);
        _ct = ct;
    }

    public bool IsTls => _stream is SslStream;

    /// <summary>Connects (optionally from a given local address) and, for implicit TLS, handshakes at once.</summary>
    public static async Task<SmtpTestClient> ConnectAsync(
        IPAddress address, int port, CancellationToken ct, string? implicitTlsCaPem = null, TcpClient? tcp = null)
    {
        tcp ??= new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(address, port, ct);
        var client = new SmtpTestClient(tcp, tcp.GetStream(), ct);
        if (implicitTlsCaPem is not null)
        {
            await client.HandshakeAsync(implicitTlsCaPem);
        }
        return client;
    }

    /// <summary>Sends one command line.</summary>
    public Task SendAsync(string line) => SendRawAsync(line + "\r\n");

    /// <summary>Sends bytes exactly as given, in a single write.</summary>
    public async Task SendRawAsync(string raw)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(raw), _ct);
        await _stream.FlushAsync(_ct);
    }

    /// <summary>Reads one (possibly multi-line) reply; lines joined with "\n".</summary>
    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(_ct)
                ?? throw new IOException("connection closed; got so far: " + string.Join("\n", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line);
        return await ReadReplyAsync();
    }

    /// <summary>True once the server has closed its side (or reset the connection).</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        try
        {
            return await _reader.ReadLineAsync(_ct) is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Sends STARTTLS, expects 220 and handshakes, verifying the server against <paramref name="caPem"/> only.</summary>
    public async Task<string> StartTlsAsync(string caPem)
    {
        var reply = await CommandAsync("STARTTLS");
        if (reply.StartsWith("220 ", StringComparison.Ordinal))
        {
            await HandshakeAsync(caPem);
        }
        return reply;
    }

    /// <summary>Handshakes with strict validation: the embedded CA as the only trust anchor, name mx.example.test.</summary>
    public async Task HandshakeAsync(string caPem)
    {
        using var ca = X509Certificate2.CreateFromPem(caPem);
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(ca);
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        // No validation callback: SslStream then fails the handshake on any chain or name error.
        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = "mx.example.test", CertificateChainPolicy = policy },
            _ct);
        _stream = ssl;
        _reader = NewReader(ssl);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private static StreamReader NewReader(Stream stream) =>
        new(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
}
