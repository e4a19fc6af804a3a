using Microsoft.Extensions.Time.Testing;
using SmtpProbe.Core.Results;
using SmtpProbe.Testing.Scripted;
using static SmtpProbe.Smtp.Tests.Running.ScenarioHarness;

namespace SmtpProbe.Smtp.Tests.Running;

/// <summary>The runner against scripted servers: one dialog file per behaviour, both sides, strict.</summary>
public class ScenarioRunnerTests
{
    private const string Plain = """
        name: plain
        server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
        helo: probe.test
        envelope: { from: from@probe.test, to: to@mx.test }
        """;

    private const string StartTls = """
        name: starttls
        server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
        tls: { mode: starttls, ca_file: "${CA_FILE}", server_name: localhost }
        helo: probe.test
        auth: { mechanism: plain, username: probe@probe.test, password: "${env:SECRET}" }
        envelope: { from: probe@probe.test, to: to@mx.test }
        """;


    [Fact]
    public async Task When_ServerIsPolite_StandardTransactionPasses()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("happy-plain"));
        var result = await RunAsync(Plain, server, Clock());
        Assert.Equal(Outcome.Passed, result.Outcome);
        Assert.Equal(["banner", "ehlo", "mail_from", "rcpt_to", "data", "quit"], result.Steps.Select(s => s.Kind));
        Assert.Equal([354, 250], result.Steps[4].Replies.Select(r => r.Code));
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_GreetingIs421_BannerStepFailsWithTheServersWords()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("banner-421"));
        var result = await RunAsync(Plain, server, Clock());
        Assert.Equal(Outcome.Failed, result.Outcome);
        var banner = result.Steps[0];
        Assert.Equal(Outcome.Failed, banner.Outcome);
        Assert.Contains("expected code 220, got 421", result.Message, StringComparison.Ordinal);
        Assert.Contains("server replied: 421 4.3.2 mx.test Service not available", result.Message, StringComparison.Ordinal);
        Assert.All(result.Steps.Skip(1), s => Assert.Equal(Outcome.Skipped, s.Outcome));
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_RcptIsRefused_StepFailsAndProbeQuitsPolitely()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("rcpt-550"));
        var result = await RunAsync(Plain, server, Clock());
        Assert.Equal(Outcome.Failed, result.Outcome);
        Assert.Equal(ErrorKind.None, result.ErrorKind);
        Assert.Equal("rcpt_to", result.Steps.First(s => s.Outcome == Outcome.Failed).Kind);
        Assert.Contains("expected code 250 or 251, got 550", result.Message, StringComparison.Ordinal);
        Assert.Contains("sent: RCPT TO:<to@mx.test>", result.Message, StringComparison.Ordinal);
        Assert.Contains("--> scenario.yaml:", result.Message, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_StartTlsIsRequiredButNotOffered_NothingOfTheTransactionIsSent()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("starttls-not-offered"));
        var result = await RunAsync(StartTls, server, Clock());
        Assert.Equal(Outcome.Failed, result.Outcome);
        Assert.Equal(ErrorKind.Tls, result.ErrorKind);
        Assert.Contains("does not advertise STARTTLS", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Transcript, l => l.StartsWith("C: STARTTLS", StringComparison.Ordinal) || l.StartsWith("C: AUTH", StringComparison.Ordinal) || l.StartsWith("C: MAIL", StringComparison.Ordinal));
        await server.AssertCompletedAsync(); // strict: any MAIL/AUTH line would have failed the dialog
    }

    [Fact]
    public async Task When_StartTlsIsRefusedWith454_ScenarioFailsWithoutDowngrading()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("starttls-454"));
        var result = await RunAsync(StartTls, server, Clock());
        Assert.Equal(Outcome.Failed, result.Outcome);
        Assert.Contains("expected code 220, got 454", result.Message, StringComparison.Ordinal);
        Assert.Empty(result.Tls);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_StartTlsSucceeds_TlsFactsAreRecordedAndSecretsNeverAppear()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("starttls-happy"));
        var live = new List<string>();
        var result = await RunAsync(StartTls, server, Clock(), live);
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        var tls = Assert.Single(result.Tls);
        Assert.True(tls.CertificateVerified, tls.VerificationError);
        Assert.StartsWith("TLSv1.", tls.Protocol, StringComparison.Ordinal);
        Assert.NotEmpty(tls.Chain);
        Assert.Contains(result.Transcript, l => l == "C: AUTH PLAIN ***");
        var everything = string.Join("\n", result.Transcript.Concat(live).Concat(result.Steps.Select(s => s.Sent ?? "")));
        Assert.DoesNotContain("s3cr3t-Pa55word!", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("AHByb2JlQHByb2JlLnRlc3QAczNjcjN0LVBhNTV3b3JkIQ==", everything, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_ServerSendsPlaintextAfterStartTls220_ItIsReportedNotAccepted()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("starttls-injection"));
        var result = await RunAsync(StartTls, server, Clock());
        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Equal(ErrorKind.Protocol, result.ErrorKind);
        Assert.Contains("plaintext after its 220 reply to STARTTLS", result.Message, StringComparison.Ordinal);
        Assert.Contains("250 2.0.0 injected", result.Message, StringComparison.Ordinal);
        Assert.Empty(result.Tls);
        // Not accepted: the probe said nothing more (no handshake bytes read as a reply, no second EHLO).
        Assert.Single(result.Transcript, l => l.StartsWith("C: EHLO", StringComparison.Ordinal));
        Assert.DoesNotContain((await server.Completion).Transcript, l => l.StartsWith("C(ignored", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_CertificateHasExpired_StartTlsErrorsWithThePlainReason()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("expired-cert"), new ScriptedServerOptions(Certificate: CertificateKind.Expired));
        var result = await RunAsync(StartTls, server, Clock());
        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Equal(ErrorKind.Tls, result.ErrorKind);
        Assert.Contains("certificate verification failed: certificate expired on", result.Message, StringComparison.Ordinal);
        // Nothing after the refused handshake: one EHLO (before STARTTLS), no AUTH, no MAIL.
        Assert.Single(result.Transcript, l => l.StartsWith("C: EHLO", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Transcript, l => l.StartsWith("C: AUTH", StringComparison.Ordinal) || l.StartsWith("C: MAIL", StringComparison.Ordinal));
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_ServerClosesMidReply_StepErrorsWithProtocolEvidence()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("disconnect-mid-reply"));
        var result = await RunAsync(Plain, server, Clock());
        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Equal(ErrorKind.Protocol, result.ErrorKind);
        Assert.Contains("server closed the connection in the middle of a reply", result.Message, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_ServerResetsMidReply_StepErrorsAndNothingHangs()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("reset-mid-reply"));
        var result = await RunAsync(Plain, server, Clock());
        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Equal(ErrorKind.Protocol, result.ErrorKind);
        Assert.Equal("ehlo", result.Steps.First(s => s.Outcome == Outcome.Error).Kind);
        Assert.Contains("waiting for the reply to EHLO", result.Message, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_ReplyIsNotSmtp_StepErrorsQuotingWhatTheServerSent()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("bad-code"));
        var result = await RunAsync(Plain, server, Clock());
        Assert.Equal(ErrorKind.Protocol, result.ErrorKind);
        Assert.Contains("server sent: hello, this is not smtp", result.Message, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_ServerStallsAfterEhlo_CommandTimeoutFiresOnTheInjectedClock()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("stall-after-ehlo"));
        var clock = Clock();
        var run = RunAsync(Plain, server, clock);
        await server.WhenStalled;
        clock.Advance(TimeSpan.FromSeconds(10));
        var result = await run;
        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Equal(ErrorKind.Timeout, result.ErrorKind);
        Assert.Contains("timed out after 10s waiting for the reply to EHLO", result.Message, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_ServerNeverGreets_BannerTimesOutOnTheInjectedClock()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("stall-banner"));
        var clock = Clock();
        // The server can stall before the client has finished connecting; advance only once both
        // are true, or the (fake) clock would fire the connect timeout instead of the greeting's.
        var connected = new TaskCompletionSource();
        var run = RunAsync(Plain, server, clock, onLine: l => { if (l.StartsWith("* connected", StringComparison.Ordinal)) { connected.TrySetResult(); } });
        await Task.WhenAll(server.WhenStalled, connected.Task);
        clock.Advance(TimeSpan.FromSeconds(20));
        var result = await run;
        Assert.Equal(ErrorKind.Timeout, result.ErrorKind);
        Assert.Contains("waiting for the greeting", result.Message, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_RepliesArriveOneBytePerWrite_TheyParseAsUsual()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("split-bytes"));
        var result = await RunAsync("""
            name: split
            server: { host: 127.0.0.1, port: "${PORT}" }
            helo: probe.test
            steps:
              - ehlo: probe.test
                expect: { has: [STARTTLS, "SIZE >= 1000000"] }
              - quit
            """, server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_ServerSendsAnExtraReply_ItIsAProtocolErrorNotTheNextCommandsReply()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Dialog("extra-reply"));
        var result = await RunAsync(Plain, server, Clock());
        Assert.Equal(ErrorKind.Protocol, result.ErrorKind);
        Assert.Equal("mail_from", result.Steps.First(s => s.Outcome == Outcome.Error).Kind);
        Assert.Contains("answers no command (before MAIL FROM was sent)", result.Message, StringComparison.Ordinal);
        Assert.Contains("250 2.0.0 surprise", result.Message, StringComparison.Ordinal);
    }
}
