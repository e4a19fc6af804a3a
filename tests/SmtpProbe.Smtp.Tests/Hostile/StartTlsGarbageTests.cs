using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Text;
using SmtpProbe.Smtp.Running;

namespace SmtpProbe.Smtp.Tests.Hostile;

/// <summary>
/// STARTTLS answered with 220, then non-TLS bytes (an HTTP error page) in place of the ServerHello. A dialog
/// file cannot say "wait for the ClientHello, then send garbage" (a C: line needs a CRLF the ClientHello lacks),
/// and sending the garbage right behind the 220 races with the client's plaintext check, so this server is
/// hand-written: it sends the garbage only after the first ClientHello byte has arrived, then records every
/// byte the client sends afterwards.
/// </summary>
public class StartTlsGarbageTests
{
    private static readonly byte[] Garbage = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n"u8.ToArray();

    private const string Scenario = """
        name: starttls garbage
        server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
        tls: { mode: starttls, server_name: localhost }
        helo: probe.test
        auth: { mechanism: plain, username: probe@probe.test, password: secret-password-1 }
        envelope: { from: probe@probe.test, to: to@mx.test }
        """;

    [Fact]
    public async Task When_StartTls220IsFollowedByNonTlsGarbage_ScenarioErrorsWithTlsAndNothingIsSentAfter()
    {
        var (result, server) = await RunAgainstGarbageServerAsync();
        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Equal(ErrorKind.Tls, result.ErrorKind);
        Assert.Equal("starttls", result.Steps.First(s => s.Outcome == Outcome.Error).Kind);
        Assert.Contains("TLS handshake failed", result.Message, StringComparison.Ordinal);
        Assert.Empty(result.Tls);
        Assert.All(result.Steps.SkipWhile(s => s.Kind != "starttls").Skip(1), s => Assert.Equal(Outcome.Skipped, s.Outcome));

        // On the wire: the ClientHello began with a TLS handshake record, and after the garbage the client sent
        // at most TLS records (the rest of the hello, an alert), never a plaintext SMTP command.
        Assert.Equal(0x16, server.FirstByteAfterStartTls);
        var after = Encoding.Latin1.GetString(server.AfterGarbage);
        foreach (var verb in new[] { "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT", "RSET" })
        {
            Assert.DoesNotContain(verb, after, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(["EHLO probe.test", "STARTTLS"], server.CommandLines);
    }

    [Fact]
    public async Task When_StartTls220IsFollowedByNonTlsGarbage_MessageQuotesWhatTheServerSent()
    {
        var (result, _) = await RunAgainstGarbageServerAsync();
        Assert.Equal(ErrorKind.Tls, result.ErrorKind);
        Assert.Contains("HTTP/1.1 400 Bad Request", result.Message, StringComparison.Ordinal);
    }

    private static async Task<(ScenarioResult Result, GarbageServer Server)> RunAgainstGarbageServerAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = new GarbageServer();
        var serving = server.ServeAsync(listener, TestContext.Current.CancellationToken);

        var vars = new Dictionary<string, string> { ["PORT"] = port.ToString(CultureInfo.InvariantCulture) };
        var (file, diagnostics) = ScenarioBinder.Bind(new SourceText("scenario.yaml", Scenario), new Variables(vars, _ => null));
        Assert.True(file is not null, string.Join("\n", diagnostics.Select(SmtpProbe.Core.Diagnostics.DiagnosticRenderer.Render)));
        // A fake clock that is never advanced: only the server's behaviour can end the run, and a hang hits the cap.
        var runner = new ScenarioRunner(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var result = await runner.RunAsync(file, file.Scenarios[0], TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return (result, server);
    }

    private sealed class GarbageServer
    {
        public List<string> CommandLines { get; } = [];

        public int FirstByteAfterStartTls { get; private set; } = -1;

        public byte[] AfterGarbage { get; private set; } = [];

        public async Task ServeAsync(TcpListener listener, CancellationToken ct)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20)); // safety only: a well-behaved client ends this in milliseconds
            using var socket = await listener.AcceptSocketAsync(timeout.Token);
            socket.NoDelay = true;
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync("220 mx.test ESMTP\r\n"u8.ToArray(), timeout.Token);
            CommandLines.Add(await ReadLineAsync(stream, timeout.Token));
            await stream.WriteAsync("250-mx.test\r\n250 STARTTLS\r\n"u8.ToArray(), timeout.Token);
            CommandLines.Add(await ReadLineAsync(stream, timeout.Token));
            await stream.WriteAsync("220 2.0.0 Ready to start TLS\r\n"u8.ToArray(), timeout.Token);

            // Only once the ClientHello has begun is the client past its plaintext check and inside the handshake.
            var one = new byte[1];
            if (await stream.ReadAsync(one, timeout.Token) != 1)
            {
                return;
            }
            FirstByteAfterStartTls = one[0];
            await stream.WriteAsync(Garbage, timeout.Token);
            socket.Shutdown(SocketShutdown.Send);

            var rest = new MemoryStream();
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    rest.Write(buffer, 0, n);
                }
            }
            catch (IOException)
            {
                // The client may reset the connection after the failed handshake: that is still "closed".
            }
            AfterGarbage = rest.ToArray();
        }

        private static async Task<string> ReadLineAsync(Stream stream, CancellationToken ct)
        {
            var line = new List<byte>();
            var one = new byte[1];
            while (await stream.ReadAsync(one, ct) == 1)
            {
                if (one[0] == '\n')
                {
                    return Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
                }
                line.Add(one[0]);
            }
            throw new IOException("client closed before a full line");
        }
    }
}
