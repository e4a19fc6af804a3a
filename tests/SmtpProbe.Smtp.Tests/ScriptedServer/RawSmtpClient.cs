using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmtpProbe.Testing.Scripted;
using Xunit;

namespace SmtpProbe.Smtp.Tests.ScriptedServer;

/// <summary>
/// A deliberately dumb client (TcpClient + SslStream) for the scripted server's self-tests:
/// testing the test server with our own SMTP client would make a bug in either invisible.
/// </summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        Stream = tcp.GetStream();
    }

    public Stream Stream { get; private set; }

    public Socket Socket => _tcp.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<RawSmtpClient> ConnectAsync(ScriptedSmtpServer server)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(server.EndPoint, Ct);
        return new RawSmtpClient(tcp);
    }

    /// <summary>Reads up to CRLF (returned without it); throws <see cref="EndOfStreamException"/> on EOF.</summary>
    public async Task<string> ReadLineAsync()
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await Stream.ReadAsync(one, Ct) == 0)
            {
                throw new EndOfStreamException($"server closed after {Encoding.UTF8.GetString([.. bytes])}");
            }
            bytes.Add(one[0]);
            if (bytes.Count >= 2 && bytes[^2] == '\r' && bytes[^1] == '\n')
            {
                return Encoding.UTF8.GetString(bytes.ToArray(), 0, bytes.Count - 2);
            }
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public async Task<byte[]> ReadBytesAsync(int count)
    {
        var buffer = new byte[count];
        await Stream.ReadExactlyAsync(buffer, Ct);
        return buffer;
    }

    public async Task SendAsync(string text)
    {
        await Stream.WriteAsync(Encoding.UTF8.GetBytes(text), Ct);
        await Stream.FlushAsync(Ct);
    }

    public Task SendLineAsync(string line) => SendAsync(line + "\r\n");

    /// <summary>Client TLS handshake trusting only <paramref name="trustedPem"/> (no system roots).</summary>
    public async Task StartTlsAsync(string trustedPem, string targetHost = "localhost")
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(trustedPem));
        var tls = new SslStream(Stream, leaveInnerStreamOpen: false);
        Stream = tls;
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                CertificateChainPolicy = policy,
            },
            Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        _tcp.Dispose();
    }
}
