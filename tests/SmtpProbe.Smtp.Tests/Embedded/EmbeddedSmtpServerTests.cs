using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SmtpProbe.Smtp.Embedded;
using Xunit;

namespace SmtpProbe.Smtp.Tests.Embedded;

public sealed class EmbeddedSmtpServerTests : IAsyncLifetime
{
    private const string Banner = "220 mx.example.test ESMTP smtp-probe embedded server";

    private readonly CancellationTokenSource _timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
    private EmbeddedSmtpServer _server = null!;

    private CancellationToken Ct => _timeout.Token;

    public async ValueTask InitializeAsync()
    {
        // A safety net so a server bug shows up as a failed test instead of a hung run.
        _timeout.CancelAfter(TimeSpan.FromSeconds(30));
        _server = await EmbeddedSmtpServer.StartAsync(new EmbeddedServerOptions(), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Greets_with_postfix_style_banner_on_every_plain_port()
    {
        foreach (var port in new[] { _server.MxPort, _server.SubmissionPort })
        {
            await using var client = await SmtpTestClient.ConnectAsync(_server.Address, port, Ct);
            Assert.Equal(Banner, await client.ReadReplyAsync());
            Assert.Equal("221 2.0.0 Bye", await client.CommandAsync("QUIT"));
            Assert.True(await client.IsClosedByServerAsync());
        }
        Assert.Equal(IPAddress.Loopback, _server.Address);
        Assert.Equal(3, new[] { _server.MxPort, _server.SubmissionPort, _server.SmtpsPort }.Distinct().Count());
    }

    [Fact]
    public async Task Ehlo_on_mx_port_offers_starttls_but_never_auth()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        Assert.Equal(
            "250-mx.example.test\n250-PIPELINING\n250-SIZE 10240000\n250-STARTTLS\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250 SMTPUTF8",
            await client.CommandAsync("EHLO client.example"));
        Assert.Equal("503 5.5.1 Error: authentication not enabled", await client.CommandAsync("AUTH PLAIN AHByb2JlAHg="));

        await client.StartTlsAsync(_server.CaCertificatePem);
        var afterTls = await client.CommandAsync("EHLO client.example");
        Assert.DoesNotContain("AUTH", afterTls);
        Assert.DoesNotContain("STARTTLS", afterTls);
    }

    [Fact]
    public async Task Helo_and_ehlo_without_argument_are_syntax_errors()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        Assert.Equal("501 5.5.4 Syntax: EHLO hostname", await client.CommandAsync("EHLO"));
        Assert.Equal("501 5.5.4 Syntax: HELO hostname", await client.CommandAsync("HELO"));
        Assert.Equal("250 mx.example.test", await client.CommandAsync("HELO client.example"));
    }

    [Fact]
    public async Task Starttls_on_submission_verifies_with_ca_pem_and_second_ehlo_offers_auth()
    {
        await using var client = await ConnectAsync(_server.SubmissionPort);
        var before = await client.CommandAsync("EHLO client.example");
        Assert.Contains("250-STARTTLS", before);
        Assert.DoesNotContain("AUTH", before);

        Assert.Equal("220 2.0.0 Ready to start TLS", await client.StartTlsAsync(_server.CaCertificatePem));
        Assert.True(client.IsTls);

        // RFC 3207: the pre-TLS EHLO is forgotten.
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", await client.CommandAsync("MAIL FROM:<probe@example.test>"));
        Assert.Equal(
            "250-mx.example.test\n250-PIPELINING\n250-SIZE 10240000\n250-AUTH PLAIN LOGIN\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250 SMTPUTF8",
            await client.CommandAsync("EHLO client.example"));
        Assert.Equal("554 5.5.1 Error: TLS already active", await client.CommandAsync("STARTTLS"));
    }

    [Fact]
    public async Task Ca_pem_describes_the_embedded_ca_that_issued_a_leaf_valid_for_loopback_names()
    {
        using var ca = X509Certificate2.CreateFromPem(_server.CaCertificatePem);
        Assert.Equal("CN=smtp-probe embedded CA", ca.Subject);
        Assert.DoesNotContain("PRIVATE KEY", _server.CaCertificatePem);

        X509Certificate2? leaf = null;
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(_server.Address, _server.SmtpsPort, Ct);
        await using var ssl = new System.Net.Security.SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(
            new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    leaf = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                    return true;
                },
            },
            Ct);
        Assert.NotNull(leaf);
        using (leaf)
        {
            Assert.Equal("CN=mx.example.test", leaf.Subject);
            Assert.Equal(ca.Subject, leaf.Issuer);
            Assert.True(leaf.MatchesHostname("mx.example.test"));
            Assert.True(leaf.MatchesHostname("localhost"));
            Assert.True(leaf.MatchesHostname("127.0.0.1"));
            Assert.True(leaf.MatchesHostname("::1"));
            Assert.InRange(leaf.NotAfter - leaf.NotBefore, TimeSpan.FromDays(90), TimeSpan.FromDays(90.1));
        }
    }

    [Fact]
    public async Task Auth_plain_with_good_credentials_returns_235_and_bad_returns_535()
    {
        await using var client = await ConnectSubmissionWithTlsAsync();
        Assert.Equal(
            "535 5.7.8 Error: authentication failed: authentication failure",
            await client.CommandAsync("AUTH PLAIN " + Plain("probe@example.test", "wrong")));
        Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync("AUTH PLAIN " + Plain("probe@example.test", "probe-secret-42")));
        Assert.Equal("503 5.5.1 Error: already authenticated", await client.CommandAsync("AUTH PLAIN " + Plain("probe@example.test", "probe-secret-42")));
    }

    [Fact]
    public async Task Auth_plain_with_empty_challenge_and_auth_login_both_work_and_star_aborts()
    {
        await using var client = await ConnectAsync(_server.SmtpsPort, implicitTls: true);
        await client.CommandAsync("EHLO client.example");
        Assert.Equal("334 ", await client.CommandAsync("AUTH PLAIN"));
        Assert.Equal("501 5.7.0 Authentication aborted", await client.CommandAsync("*"));
        Assert.Equal("334 ", await client.CommandAsync("AUTH PLAIN"));
        Assert.Equal("501 5.5.2 Cannot decode response", await client.CommandAsync("not base64!"));
        Assert.Equal("504 5.5.4 Unrecognized authentication type", await client.CommandAsync("AUTH CRAM-MD5"));

        Assert.Equal("334 VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await client.CommandAsync(B64("probe@example.test")));
        Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync(B64("probe-secret-42")));
    }

    [Fact]
    public async Task Mail_or_auth_before_starttls_on_submission_is_refused_with_530()
    {
        await using var client = await ConnectAsync(_server.SubmissionPort);
        await client.CommandAsync("EHLO client.example");
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", await client.CommandAsync("MAIL FROM:<probe@example.test>"));
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", await client.CommandAsync("AUTH PLAIN " + Plain("probe@example.test", "probe-secret-42")));
        Assert.Equal("250 2.0.0 Ok", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Rcpt_to_foreign_domain_is_relay_denied_unless_authenticated()
    {
        await using (var client = await ConnectAsync(_server.MxPort))
        {
            await client.CommandAsync("EHLO client.example");
            Assert.Equal("503 5.5.1 Error: need MAIL command", await client.CommandAsync("RCPT TO:<probe@example.test>"));
            Assert.Equal("250 2.1.0 Ok", await client.CommandAsync("MAIL FROM:<sender@outside.example>"));
            Assert.Equal("554 5.7.1 <someone@outside.example>: Relay access denied", await client.CommandAsync("RCPT TO:<someone@outside.example>"));
            Assert.Equal(
                "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table",
                await client.CommandAsync("RCPT TO:<nobody@example.test>"));
            Assert.Equal("250 2.1.5 Ok", await client.CommandAsync("RCPT TO:<Postmaster@EXAMPLE.test>"));
            Assert.Equal("503 5.5.1 Error: nested MAIL command", await client.CommandAsync("MAIL FROM:<x@outside.example>"));
        }

        await using (var client = await ConnectAsync(_server.SmtpsPort, implicitTls: true))
        {
            await client.CommandAsync("EHLO client.example");
            await client.CommandAsync("AUTH PLAIN " + Plain("probe@example.test", "probe-secret-42"));
            await client.CommandAsync("MAIL FROM:<probe@example.test>");
            Assert.Equal("250 2.1.5 Ok", await client.CommandAsync("RCPT TO:<someone@outside.example>"));
        }
    }

    [Fact]
    public async Task Data_is_queued_with_deterministic_id_and_stored_unstuffed()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        await client.CommandAsync("EHLO client.example");
        Assert.Equal("503 5.5.1 Error: need RCPT command", await client.CommandAsync("DATA"));
        Assert.Equal("250 2.1.0 Ok", await client.CommandAsync("MAIL FROM:<sender@outside.example> SIZE=120 BODY=8BITMIME"));
        Assert.Equal("250 2.1.5 Ok", await client.CommandAsync("RCPT TO:<probe@example.test>"));
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>", await client.CommandAsync("DATA"));
        await client.SendRawAsync("Subject: hi\r\n\r\n..leading dot\r\n.\r\n");
        var queued = await client.ReadReplyAsync();

        var expectedId = await FirstQueueIdOfAFreshServerAsync();
        Assert.Equal("250 2.0.0 Ok: queued as " + expectedId, queued);
        Assert.Matches("^[0-9A-F]{10}$", expectedId);

        var message = Assert.Single(_server.Messages);
        Assert.Equal(expectedId, message.QueueId);
        Assert.Equal("sender@outside.example", message.EnvelopeFrom);
        Assert.Equal(["probe@example.test"], message.Recipients);
        Assert.Equal("Subject: hi\r\n\r\n.leading dot\r\n", Encoding.UTF8.GetString(message.Data.Span));
        Assert.False(message.Tls);
        Assert.False(message.Authenticated);

        // The transaction is over: a new one needs MAIL again.
        Assert.Equal("503 5.5.1 Error: need MAIL command", await client.CommandAsync("RCPT TO:<probe@example.test>"));
    }

    [Fact]
    public async Task Declared_size_over_limit_is_rejected_with_552()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        await client.CommandAsync("EHLO client.example");
        Assert.Equal("552 5.3.4 Message size exceeds fixed limit", await client.CommandAsync("MAIL FROM:<a@outside.example> SIZE=10240001"));
        Assert.Equal("501 5.5.4 Syntax: MAIL FROM:<address>", await client.CommandAsync("MAIL FROM:<a@outside.example"));
        await using var fresh = await ConnectAsync(_server.MxPort);
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", await fresh.CommandAsync("MAIL FROM:<a@b.example>"));
    }

    [Fact]
    public async Task Data_over_the_size_limit_is_read_to_the_end_then_rejected_with_552()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<a@outside.example>");
        await client.CommandAsync("RCPT TO:<probe@example.test>");
        await client.CommandAsync("DATA");
        var line = new string('x', 998) + "\r\n";
        var lines = (int)(EmbeddedSmtpServer.MessageSizeLimit / line.Length) + 1;
        await client.SendRawAsync(string.Concat(Enumerable.Repeat(line, lines)) + ".\r\n");
        Assert.Equal("552 5.3.4 Message size exceeds fixed limit", await client.ReadReplyAsync());
        Assert.Empty(_server.Messages);
        // The session survives and is back outside a transaction.
        Assert.Equal("250 2.1.0 Ok", await client.CommandAsync("MAIL FROM:<a@outside.example>"));
    }

    [Fact]
    public async Task Data_lines_longer_than_the_read_segment_are_stored_whole()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<a@outside.example>");
        await client.CommandAsync("RCPT TO:<probe@example.test>");
        await client.CommandAsync("DATA");
        // A dot that lands at the start of a later read segment is content, not end-of-data or stuffing.
        var longLine = new string('y', SmtpProbe.Smtp.Embedded.SmtpSession.DataSegmentLength) + "." + new string('z', 20_000);
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await client.CommandAsync(longLine + "\r\n."));
        Assert.Equal(longLine + "\r\n", Encoding.ASCII.GetString(Assert.Single(_server.Messages).Data.Span));
    }

    [Fact]
    public async Task Concurrent_connections_are_served_independently()
    {
        var clients = new List<SmtpTestClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                clients.Add(await ConnectAsync(_server.MxPort));
            }
            // Interleave: every connection is mid-transaction at the same time.
            foreach (var c in clients)
            {
                await c.CommandAsync("HELO client.example");
                await c.CommandAsync("MAIL FROM:<a@outside.example>");
            }
            foreach (var c in clients)
            {
                Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<probe@example.test>"));
            }
            foreach (var c in clients)
            {
                await c.CommandAsync("DATA");
                Assert.StartsWith("250 2.0.0 Ok: queued as ", await c.CommandAsync("hello\r\n."));
            }
            Assert.Equal(5, _server.Messages.Select(m => m.QueueId).Distinct().Count());
            Assert.Equal(5, _server.LoggedConnections.Count);
        }
        finally
        {
            foreach (var c in clients)
            {
                await c.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Implicit_tls_port_handshakes_immediately_and_offers_auth()
    {
        await using var client = await SmtpTestClient.ConnectAsync(_server.Address, _server.SmtpsPort, Ct, implicitTlsCaPem: _server.CaCertificatePem);
        Assert.Equal(Banner, await client.ReadReplyAsync());
        var ehlo = await client.CommandAsync("EHLO client.example");
        Assert.Contains("250-AUTH PLAIN LOGIN", ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo);
        Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync("AUTH PLAIN " + Plain("probe@example.test", "probe-secret-42")));
        await client.CommandAsync("MAIL FROM:<probe@example.test>");
        await client.CommandAsync("RCPT TO:<probe@example.test>");
        await client.CommandAsync("DATA");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await client.CommandAsync("x\r\n."));
        var message = Assert.Single(_server.Messages);
        Assert.True(message.Tls);
        Assert.Equal("probe@example.test", message.AuthenticatedUser);
    }

    [Fact]
    public async Task Vrfy_expn_help_and_unknown_commands_get_postfix_replies()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        Assert.Equal("502 5.5.1 VRFY command is disabled", await client.CommandAsync("VRFY probe"));
        Assert.Equal("502 5.5.2 Error: command not recognized", await client.CommandAsync("EXPN staff"));
        Assert.Equal("214 2.0.0 See RFC 5321", await client.CommandAsync("HELP"));
        Assert.Equal("502 5.5.2 Error: command not recognized", await client.CommandAsync("XYZZY"));
        Assert.Equal("250 2.0.0 Ok", await client.CommandAsync("RSET"));
        Assert.Equal("500 5.5.0 Error: line too long", await client.CommandAsync("NOOP " + new string('x', 5000)));
        Assert.Equal("250 2.0.0 Ok", await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Twenty_errors_end_the_connection_with_421()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        // Pipelined in one write: the server must still answer each command in order.
        await client.SendRawAsync(string.Concat(Enumerable.Repeat("XYZZY\r\n", 21)));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("502 5.5.2 Error: command not recognized", await client.ReadReplyAsync());
        }
        Assert.Equal("421 4.7.0 mx.example.test Error: too many errors", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Bound_source_address_appears_in_logged_connections()
    {
        var source = IPAddress.Parse("127.0.0.2");
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            tcp.Client.Bind(new IPEndPoint(source, 0));
        }
        catch (SocketException)
        {
            tcp.Dispose();
            Assert.Skip("127.0.0.2 is not a loopback address on this OS (Linux routes all of 127/8, macOS does not)");
        }
        await using var client = await SmtpTestClient.ConnectAsync(_server.Address, _server.MxPort, Ct, tcp: tcp);
        Assert.Equal(Banner, await client.ReadReplyAsync());
        var localPort = ((IPEndPoint)tcp.Client.LocalEndPoint!).Port;
        Assert.Contains($"connect from 127.0.0.2:{localPort} to port {_server.MxPort}", _server.LoggedConnections);
    }

    [Fact]
    public async Task Plaintext_pipelined_after_starttls_is_discarded()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        await client.CommandAsync("EHLO client.example");
        // A man-in-the-middle would append commands to the client's STARTTLS in the same packet.
        await client.SendRawAsync("STARTTLS\r\nMAIL FROM:<injected@outside.example>\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await client.ReadReplyAsync());
        await client.HandshakeAsync(_server.CaCertificatePem);

        // Had the injected MAIL run inside TLS, its "250 2.1.0 Ok" would come before the EHLO reply.
        Assert.StartsWith("250-mx.example.test\n", await client.CommandAsync("EHLO client.example"));
        Assert.Equal("250 2.1.0 Ok", await client.CommandAsync("MAIL FROM:<probe@example.test>"));
    }

    [Fact]
    public async Task Bare_lf_in_data_is_rejected_so_smuggled_end_of_data_cannot_work()
    {
        await using var client = await ConnectAsync(_server.MxPort);
        await client.CommandAsync("EHLO client.example");
        await client.CommandAsync("MAIL FROM:<a@outside.example>");
        await client.CommandAsync("RCPT TO:<probe@example.test>");
        await client.CommandAsync("DATA");
        await client.SendRawAsync("Subject: x\r\n\r\nbody\n.\nMAIL FROM:<evil@outside.example>\r\n");
        Assert.Equal("521 5.5.2 mx.example.test Error: bare <LF> received", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedByServerAsync());
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task Idle_connection_times_out_after_five_minutes_on_the_injected_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await EmbeddedSmtpServer.StartAsync(new EmbeddedServerOptions(Time: time), Ct);
        await using var client = await SmtpTestClient.ConnectAsync(server.Address, server.MxPort, Ct);
        Assert.Equal(Banner, await client.ReadReplyAsync());

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal("250 2.0.0 Ok", await client.CommandAsync("NOOP"));

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("421 4.4.2 mx.example.test Error: timeout exceeded", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedByServerAsync());
    }

    private async Task<SmtpTestClient> ConnectAsync(int port, bool implicitTls = false)
    {
        var client = await SmtpTestClient.ConnectAsync(_server.Address, port, Ct, implicitTls ? _server.CaCertificatePem : null);
        Assert.Equal(Banner, await client.ReadReplyAsync());
        return client;
    }

    private async Task<SmtpTestClient> ConnectSubmissionWithTlsAsync()
    {
        var client = await ConnectAsync(_server.SubmissionPort);
        await client.CommandAsync("EHLO client.example");
        await client.StartTlsAsync(_server.CaCertificatePem);
        await client.CommandAsync("EHLO client.example");
        return client;
    }

    private async Task<string> FirstQueueIdOfAFreshServerAsync()
    {
        await using var other = await EmbeddedSmtpServer.StartAsync(new EmbeddedServerOptions(), Ct);
        await using var client = await SmtpTestClient.ConnectAsync(other.Address, other.MxPort, Ct);
        await client.ReadReplyAsync();
        await client.CommandAsync("HELO client.example");
        await client.CommandAsync("MAIL FROM:<>");
        await client.CommandAsync("RCPT TO:<postmaster>");
        await client.CommandAsync("DATA");
        var reply = await client.CommandAsync(".");
        return reply["250 2.0.0 Ok: queued as ".Length..];
    }

    private static string Plain(string user, string password) => B64("\0" + user + "\0" + password);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
