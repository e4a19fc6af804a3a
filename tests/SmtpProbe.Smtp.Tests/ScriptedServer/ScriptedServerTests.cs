using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SmtpProbe.Testing.Scripted;
using Xunit;
using Xunit.Sdk;

namespace SmtpProbe.Smtp.Tests.ScriptedServer;

/// <summary>Self-tests of <see cref="ScriptedSmtpServer"/>, driven by a raw socket client (no src/ code).</summary>
public sealed class ScriptedServerTests
{
    private const int TestTimeoutMs = 10_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string SelfTestDialog(string name) => Path.Combine(AppContext.BaseDirectory, "dialogs", "selftest", name);

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ClientFollowsDialogFile_DialogSucceeds()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(SelfTestDialog("ehlo-quit.dialog"));
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            Assert.Equal("220 mx.test ESMTP ready", await client.ReadLineAsync());
            await client.SendLineAsync("EHLO probe.test");
            Assert.Equal("250-mx.test", await client.ReadLineAsync());
            Assert.Equal("250 8BITMIME", await client.ReadLineAsync());
            await client.SendLineAsync("QUIT");
            Assert.Equal("221 2.0.0 bye", await client.ReadLineAsync());
        }

        await server.AssertCompletedAsync();
        var result = await server.Completion;
        Assert.Equal(
            ["S: 220 mx.test ESMTP ready", "C: EHLO probe.test", "S: 250-mx.test", "S: 250 8BITMIME", "C: QUIT", "S: 221 2.0.0 bye"],
            result.Transcript.Take(6));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ClientFollowsStartTlsDialogFile_DialogSucceedsOverTls()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(SelfTestDialog("starttls-data.dialog"));
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await client.SendLineAsync("EHLO probe.test");
            await client.ReadLineAsync();
            Assert.Equal("250 STARTTLS", await client.ReadLineAsync());
            await client.SendLineAsync("STARTTLS");
            Assert.Equal("220 2.0.0 go ahead", await client.ReadLineAsync());

            await client.StartTlsAsync(server.CaCertificatePem);

            await client.SendLineAsync("EHLO probe.test");
            Assert.Equal("250 mx.test", await client.ReadLineAsync());
            await client.SendLineAsync("MAIL FROM:<sender@probe.test>");
            Assert.Equal("250 2.1.0 ok", await client.ReadLineAsync());
            await client.SendLineAsync("RCPT TO:<rcpt@mx.test>");
            await client.ReadLineAsync();
            await client.SendLineAsync("DATA");
            Assert.Equal("354 go on", await client.ReadLineAsync());
            await client.SendAsync("Subject: hi\r\n\r\nbody\r\n..dot-stuffed\r\n.\r\n");
            Assert.Equal("250 2.0.0 queued", await client.ReadLineAsync());
            await client.SendLineAsync("QUIT");
            Assert.Equal("221 2.0.0 bye", await client.ReadLineAsync());
        }

        await server.AssertCompletedAsync();
        var transcript = (await server.Completion).Transcript;
        Assert.Contains(transcript, line => line.StartsWith("* tls established", StringComparison.Ordinal));
        Assert.Contains("C: ..dot-stuffed", transcript);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ClientSendsUnexpectedLine_DialogFails()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: EHLO probe.test\nS: 250 ok\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await client.SendLineAsync("HELO probe.test");

            var result = await server.Completion.WaitAsync(Ct);

            Assert.False(result.Succeeded);
            Assert.Contains("C: EHLO probe.test", result.Failure);
            Assert.Contains("C: HELO probe.test", result.Failure);
            Assert.Contains("line 2", result.Failure);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_DialogFails_AssertCompletedThrowsWithReasonAndTranscript()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: EHLO probe.test\n", name: "greeting");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await client.SendLineAsync("HELO x");

            var ex = await Assert.ThrowsAsync<FailException>(server.AssertCompletedAsync);

            Assert.Contains("scripted SMTP dialog 'greeting' failed", ex.Message);
            Assert.Contains("HELO x", ex.Message);
            Assert.Contains("  S: 220 hi", ex.Message);
        }
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ClientClosesEarly_DialogFails()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: EHLO probe.test\nS: 250 ok\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
        }

        var result = await server.Completion.WaitAsync(Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("client closed at line 2 while dialog expected: C: EHLO probe.test", result.Failure);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ClientSendsDataAfterEndOfDialog_DialogFails()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 221 bye\n");
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadLineAsync();
        await client.SendLineAsync("NOOP");

        var result = await server.Completion.WaitAsync(Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("unexpected client data after end of dialog: NOOP\\r\\n", result.Failure);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ClientSendsBareLf_DialogFails()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: EHLO probe.test\n");
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadLineAsync();
        await client.SendAsync("EHLO probe.test\n");

        var result = await server.Completion.WaitAsync(Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("client sent bare LF", result.Failure);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_LineDoesNotFullyMatchRegex_DialogFails()
    {
        // The pattern matches a prefix of the line; full-match semantics must still reject it.
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC~ MAIL FROM:<[^>]*>\n");
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadLineAsync();
        await client.SendLineAsync("MAIL FROM:<a@b.test> SIZE=10");

        var result = await server.Completion.WaitAsync(Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("C~ MAIL FROM:<[^>]*>", result.Failure);
        Assert.Contains("SIZE=10", result.Failure);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_DataBodyIsCollected_DialogConsumesLinesUntilTerminator()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 354 go\nC* .\nS: 250 queued\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await client.SendAsync("From: a@b.test\r\n\r\n.. \r\nline\r\n.\r\n");
            Assert.Equal("250 queued", await client.ReadLineAsync());
        }

        await server.AssertCompletedAsync();
        var transcript = (await server.Completion).Transcript;
        Assert.Equal(["C: From: a@b.test", "C: ", "C: .. ", "C: line", "C: ."], transcript.Skip(1).Take(5));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_Split_ClientStillReadsTheWholeLine()
    {
        await using var server = ScriptedSmtpServer.StartFromText("!split\nS: 250-first\n!raw 32 35 30 20 6f6b 0d0a\n!nosplit\nS: 250 whole\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            // How many bytes each client read returns depends on scheduling; the line content must not.
            Assert.Equal("250-first", await client.ReadLineAsync());
            Assert.Equal("250 ok", await client.ReadLineAsync());
            Assert.Equal("250 whole", await client.ReadLineAsync());
        }

        await server.AssertCompletedAsync();
        var transcript = (await server.Completion).Transcript;
        Assert.Equal(
            ["* split on (one byte per write)", "S(split): 250-first", "S(bytes, split): 250 ok\\r\\n", "* split off", "S: 250 whole"],
            transcript.Take(5));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_SplitOverTls_ClientStillReadsTheWholeLine()
    {
        // Over TLS each one-byte write becomes its own TLS record: the client must reassemble across records.
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\n!starttls\n!split\nS: 250 ok\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await client.StartTlsAsync(server.CaCertificatePem);

            Assert.Equal("250 ok", await client.ReadLineAsync());
        }

        await server.AssertCompletedAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_RawAndTextDirectives_ClientReceivesExactBytes()
    {
        await using var server = ScriptedSmtpServer.StartFromText("!raw 3235300d0a\n!text 2\\x35\\t0\\n\\0\\\\\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            Assert.Equal("250\r\n2\x35\t0\n\0\\"u8.ToArray(), await client.ReadBytesAsync(12));
        }

        await server.AssertCompletedAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_Stalled_WhenStalledCompletesAndClientCloseEndsDialog()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: EHLO probe.test\n!stall\n");
        var time = new FakeTimeProvider();
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await client.SendLineAsync("EHLO probe.test");
            // The intended use: a client whose timeout runs on a fake clock that the test advances.
            using var clientTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(5), time);
            var reply = client.Stream.ReadAsync(new byte[16], clientTimeout.Token).AsTask();

            await server.WhenStalled.WaitAsync(Ct);
            Assert.False(reply.IsCompleted);
            time.Advance(TimeSpan.FromMinutes(5));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reply);
        }

        await server.AssertCompletedAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_Reset_ClientReadFailsWithConnectionReset()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: QUIT\n!reset\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await client.SendLineAsync("QUIT");

            var ex = await Assert.ThrowsAsync<IOException>(() => client.Stream.ReadAsync(new byte[16], Ct).AsTask());

            Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(ex.InnerException).SocketErrorCode);
        }

        await server.AssertCompletedAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_Close_ClientReadsEndOfStream()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 421 going away\n!close\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            Assert.Equal("421 going away", await client.ReadLineAsync());
            Assert.Equal(0, await client.Stream.ReadAsync(new byte[16], Ct));
        }

        await server.AssertCompletedAsync();
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ExpectCloseButClientSendsData_DialogFails()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 554 go away\n!expect-close\n");
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadLineAsync();
        await client.SendLineAsync("QUIT");

        var result = await server.Completion.WaitAsync(Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("expected the client to close (!expect-close) but it sent: QUIT\\r\\n", result.Failure);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ClientPipelinesCommandBehindStartTls_DialogFails()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: STARTTLS\nS: 220 go\n!starttls\n");
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadLineAsync();
        await client.SendAsync("STARTTLS\r\nEHLO injected\r\n");

        var result = await server.Completion.WaitAsync(Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("client sent data after STARTTLS before the TLS handshake: EHLO injected", result.Failure);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_CertificateIsExpired_ClientRejectsAndStartTlsRejectedSucceeds()
    {
        await using var server = ScriptedSmtpServer.StartFromText(
            "S: 220 hi\n!starttls-rejected\n", options: new ScriptedServerOptions(Certificate: CertificateKind.Expired));
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await Assert.ThrowsAsync<AuthenticationException>(() => client.StartTlsAsync(server.CaCertificatePem));
        }

        await server.AssertCompletedAsync();
        Assert.True(server.Certificate.NotAfter < DateTime.Now);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_CertificateIsForWrongHost_ClientValidationFails()
    {
        await using var server = ScriptedSmtpServer.StartFromText(
            "S: 220 hi\n!starttls-rejected\n", options: new ScriptedServerOptions(Certificate: CertificateKind.WrongHost));
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
            await Assert.ThrowsAsync<AuthenticationException>(() => client.StartTlsAsync(server.CaCertificatePem));
        }

        await server.AssertCompletedAsync();
        Assert.Contains("wrong.example.invalid", server.Certificate.Subject);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_CertificateIsSelfSigned_ClientTrustingItsPemConnects()
    {
        await using var server = ScriptedSmtpServer.StartFromText(
            "!starttls\nS: 220 over tls\n", options: new ScriptedServerOptions(Certificate: CertificateKind.SelfSigned, CertificateHost: "mx.probe.test"));
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.StartTlsAsync(server.CaCertificatePem, targetHost: "mx.probe.test");
            Assert.Equal("220 over tls", await client.ReadLineAsync());
        }

        await server.AssertCompletedAsync();
        Assert.Equal(server.Certificate.Subject, server.Certificate.Issuer);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_TwoConnectionsExpected_CompletionCoversBoth()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: QUIT\n", options: new ScriptedServerOptions(Connections: 2));
        for (var i = 0; i < 2; i++)
        {
            await using var client = await RawSmtpClient.ConnectAsync(server);
            await client.ReadLineAsync();
            if (i == 0)
            {
                Assert.False(server.Completion.IsCompleted);
            }
            await client.SendLineAsync("QUIT");
        }

        await server.AssertCompletedAsync();
        var transcript = (await server.Completion).Transcript;
        Assert.Contains("=== connection 2 ===", transcript);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ClientStaysSilent_SafetyTimeoutFailsDialog()
    {
        // The only test that waits on a real clock, and only for 100 ms: the timeout is the behaviour under test.
        await using var server = ScriptedSmtpServer.StartFromText(
            "S: 220 hi\nC: EHLO probe.test\n", options: new ScriptedServerOptions(SafetyTimeout: TimeSpan.FromMilliseconds(100)));
        await using var client = await RawSmtpClient.ConnectAsync(server);

        var result = await server.Completion.WaitAsync(Ct);

        Assert.False(result.Succeeded);
        Assert.Contains("no data from the client within the safety timeout (100ms) while dialog expected: C: EHLO probe.test", result.Failure);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_DialogEndsWithoutStall_WhenStalledFaults()
    {
        await using var server = ScriptedSmtpServer.StartFromText("S: 221 bye\n");
        await using (var client = await RawSmtpClient.ConnectAsync(server))
        {
            await client.ReadLineAsync();
        }

        await server.AssertCompletedAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.WhenStalled);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task When_ServerIsDisposedMidDialog_CompletionReportsFailure()
    {
        var server = ScriptedSmtpServer.StartFromText("S: 220 hi\nC: EHLO probe.test\n");
        await using var client = await RawSmtpClient.ConnectAsync(server);
        await client.ReadLineAsync();

        await server.DisposeAsync();

        var result = await server.Completion.WaitAsync(Ct);
        Assert.False(result.Succeeded);
        Assert.Contains("disposed", result.Failure);
    }

    [Fact]
    public void When_DialogFileIsMalformed_StartThrowsNamingFileAndLine()
    {
        var dir = Directory.CreateTempSubdirectory("smtp-probe-dialog-");
        try
        {
            var path = Path.Combine(dir.FullName, "malformed.dialog");
            File.WriteAllText(path, "# greeting\nS: 220 hi\n!bogus\n");

            var ex = Assert.Throws<DialogFormatException>(() => ScriptedSmtpServer.StartFromFile(path));

            Assert.StartsWith($"{path}:3: unknown directive !bogus", ex.Message);
            Assert.Equal(3, ex.LineNumber);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("S: 220 hi\nC~ MAIL FROM:(\n", "inline:2: invalid regular expression")]
    [InlineData("!close\nS: 220 too late\n", "inline:2: unreachable step: the dialog already ends at line 1")]
    [InlineData("!raw 2\n", "inline:1: !raw hex run '2' has an odd number of digits")]
    [InlineData("!text a\\q\n", "inline:1: !text: unknown escape \\q")]
    [InlineData("\n\nS:220 hi\n", "inline:3: 'S:' must be followed by a space")]
    [InlineData("C*\n", "inline:1: C* needs a terminator line")]
    [InlineData("!stall now\n", "inline:1: !stall takes no argument")]
    [InlineData("EHLO x\n", "inline:1: expected 'S:', 'C:'")]
    public void When_DialogTextIsMalformed_StartThrowsNamingLine(string dialog, string expectedStart)
    {
        var ex = Assert.Throws<DialogFormatException>(() => ScriptedSmtpServer.StartFromText(dialog));

        Assert.StartsWith(expectedStart, ex.Message);
    }
}
