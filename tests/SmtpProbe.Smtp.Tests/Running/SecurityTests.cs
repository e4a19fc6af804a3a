using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using SmtpProbe.Core.Results;
using SmtpProbe.Testing.Scripted;
using static SmtpProbe.Smtp.Tests.Running.ScenarioHarness;

namespace SmtpProbe.Smtp.Tests.Running;

/// <summary>Transport security: TLS posture expectations, verification modes, pins, and SASL options, against scripted servers.</summary>
public class SecurityTests
{
    private static string Security(string name) => Path.Combine(AppContext.BaseDirectory, "dialogs", "security", name + ".dialog");


    private static string StartTls(string tls, string expectTls = "", string auth = "") => $$"""
        name: posture
        server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
        tls: { mode: starttls, server_name: localhost, {{tls}} }
        helo: probe.test
        {{auth}}
        steps:
          - ehlo: probe.test
          - starttls{{(expectTls.Length > 0 ? ":" : "")}}
            {{(expectTls.Length > 0 ? "expect: { tls: { " + expectTls + " } }" : "")}}
          - ehlo: probe.test
          - quit
        """;

    private static string Spki(ScriptedSmtpServer server) =>
        Convert.ToBase64String(SHA256.HashData(server.Certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    [Fact]
    public async Task When_TlsPostureHolds_AllTlsChecksPassWithTheirActualValues()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"));
        var result = await RunAsync(StartTls("ca_file: \"${CA_FILE}\"", "min_version: 1.2, forward_secrecy: true, days_left: 20, san: [localhost, 127.0.0.1], verified: true, pin: \"spki-sha256:${PIN}\""),
            server, Clock(), extraVars: new Dictionary<string, string> { ["PIN"] = Spki(server) });
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        var checks = result.Steps.Single(s => s.Kind == "starttls").Checks;
        // Every check the expectation names was made, passed, and quotes its actual value.
        foreach (var label in new[] { "TLS version ≥ 1.2", "forward secrecy", "certificate valid ≥ 20 more days", "certificate SAN contains localhost", "certificate SAN contains 127.0.0.1", "certificate verified" })
        {
            Assert.True(Assert.Single(checks, c => c.Expected == label).Passed, label);
        }
        Assert.True(Assert.Single(checks, c => c.Expected.StartsWith("certificate pinned (", StringComparison.Ordinal)).Passed);
        Assert.StartsWith("TLSv1.", checks.Single(c => c.Expected == "TLS version ≥ 1.2").Actual, StringComparison.Ordinal);
        Assert.StartsWith("certificate expires in 29 days", checks.Single(c => c.Expected == "certificate valid ≥ 20 more days").Actual, StringComparison.Ordinal);
        Assert.Equal(Spki(server), result.Tls[0].Chain[0].SpkiSha256);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_CertificateExpiresSoonerThanRequired_FailureQuotesTheDaysAndTheDate()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"));
        var clock = Clock();
        clock.Advance(TimeSpan.FromDays(21)); // the test certificate is valid 30 days from "now": 9 days are left
        var result = await RunAsync(StartTls("ca_file: \"${CA_FILE}\"", "days_left: 14"), server, clock);
        Assert.Equal(Outcome.Failed, result.Outcome);
        var notAfter = result.Tls[0].Chain[0].NotAfter.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"expected certificate valid ≥ 14 more days, got certificate expires in 8 days ({notAfter})", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_PinDoesNotMatch_HandshakeIsRefusedAndTheServersKeyIsQuoted()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit").Replace("starttls-then-quit", "starttls-then-quit"), new ScriptedServerOptions());
        var wrongPin = Convert.ToBase64String(new byte[32]);
        var result = await RunAsync(StartTls($"ca_file: \"${{CA_FILE}}\", pin: \"spki-sha256:{wrongPin}\""), server, Clock());
        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Equal(ErrorKind.Tls, result.ErrorKind);
        Assert.Contains($"matches no pin (its key is spki-sha256:{Spki(server)})", result.Message, StringComparison.Ordinal);
        Assert.NotEmpty(result.Tls); // the refused certificate is still reported
    }

    [Fact]
    public async Task When_VerificationIsOffAndTheCertificateIsBad_ScenarioPassesWithAWarningAndTheFacts()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"), new ScriptedServerOptions(Certificate: CertificateKind.SelfSigned));
        var result = await RunAsync(StartTls("verify: none", "verified: false"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("tls.verify: none", warning, StringComparison.Ordinal);
        Assert.Contains("self-signed", warning, StringComparison.Ordinal);
        Assert.True(result.Tls[0].VerificationRelaxed);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_VerifyIsCaOnlyAndTheNameIsWrong_ItPassesWithAWarning()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"), new ScriptedServerOptions(Certificate: CertificateKind.WrongHost));
        var result = await RunAsync(StartTls("ca_file: \"${CA_FILE}\", verify: ca"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Contains("is not valid for `localhost`", Assert.Single(result.Warnings), StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_TheNameIsWrongUnderFullVerification_HandshakeFailsWithAPlainReason()
    {
        await using var server = ScriptedSmtpServer.StartFromText(File.ReadAllText(Security("starttls-then-quit")).Replace("!starttls\n", "!starttls-rejected\n", StringComparison.Ordinal)[..^"C: EHLO probe.test\nS: 250 mx.test\nC: QUIT\nS: 221 2.0.0 Bye\n".Length], "wrong-host", new ScriptedServerOptions(Certificate: CertificateKind.WrongHost));
        var result = await RunAsync(StartTls("ca_file: \"${CA_FILE}\""), server, Clock());
        Assert.Equal(ErrorKind.Tls, result.ErrorKind);
        Assert.Contains("certificate is not valid for `localhost` (it names DNS:wrong.example.invalid)", result.Message, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_SniDiffersFromTheVerifiedName_TheVerifiedNameIsChecked()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"));
        var result = await RunAsync(StartTls("ca_file: \"${CA_FILE}\", sni: some-other-name.test", "verified: true"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Equal("localhost", result.Tls[0].TargetHost);
        Assert.Contains("* sni: some-other-name.test", (await server.Completion).Transcript); // what the server really received
    }

    [Fact]
    public async Task When_MinimumVersionIs13_TheSessionIsTls13()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"));
        var result = await RunAsync(StartTls("ca_file: \"${CA_FILE}\", min_version: 1.3", "min_version: 1.3"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Equal("TLSv1.3", result.Tls[0].Protocol);
    }

    [Fact]
    public async Task When_MinimumVersionIs13AndTheServerOnlySpeaks12_TheHandshakeIsRefused()
    {
        var dialog = File.ReadAllText(Security("starttls-then-quit"));
        dialog = dialog[..dialog.IndexOf("!starttls", StringComparison.Ordinal)] + "!starttls-rejected\n";
        await using var server = ScriptedSmtpServer.StartFromText(dialog, "tls12-only", new ScriptedServerOptions(Protocols: System.Security.Authentication.SslProtocols.Tls12));
        var result = await RunAsync(StartTls("ca_file: \"${CA_FILE}\", min_version: 1.3"), server, Clock());
        Assert.Equal(ErrorKind.Tls, result.ErrorKind);
        Assert.DoesNotContain(result.Tls, t => t.Protocol == "TLSv1.2");
        await server.AssertCompletedAsync();
    }

    private const string AuthSection = "auth: { mechanism: plain, username: probe@probe.test, password: \"${env:SECRET}\" }";

    private static string WithAuth(string authStep, string auth = AuthSection, string afterAuth = "") => $$"""
        name: auth
        server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
        tls: { mode: starttls, ca_file: "${CA_FILE}", server_name: localhost }
        helo: probe.test
        {{auth}}
        steps:
          - ehlo: probe.test
          - starttls
          - ehlo: probe.test
          - {{authStep}}
        {{afterAuth}}
          - quit
        """;

    [Fact]
    public async Task When_InitialResponseIsOff_PayloadFollowsTheEmptyChallenge()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("auth-plain-no-initial-response"));
        var result = await RunAsync(WithAuth("auth: { initial_response: false }"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Contains("C: AUTH PLAIN", result.Transcript);
        Assert.Contains("C: ***", result.Transcript);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_AuthzidIsGiven_PlainCarriesIt()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("auth-plain-authzid"));
        var result = await RunAsync(WithAuth("auth: { authzid: admin@probe.test }"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        await server.AssertCompletedAsync(); // strict: the dialog holds the exact payload with the authzid
    }

    [Fact]
    public async Task When_AuthIsOptionalAndNotOffered_StepIsSkippedWithAWarning()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("auth-optional-not-offered"));
        var result = await RunAsync(WithAuth("auth: { required: false }", afterAuth: "  - mail_from: probe@probe.test"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Contains("AUTH skipped", Assert.Single(result.Warnings), StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_MechanismIsXoauth2_TheTokenIsSentInTheXoauth2FormAndRedacted()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("auth-xoauth2"));
        var result = await RunAsync(WithAuth("auth: { mechanism: xoauth2 }"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Contains("C: AUTH XOAUTH2 ***", result.Transcript);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_MechanismIsOauthBearer_ItAuthenticates()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("auth-oauthbearer"));
        var result = await RunAsync(WithAuth("auth: { mechanism: oauthbearer }"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Contains("C: AUTH OAUTHBEARER ***", result.Transcript);
        await server.AssertCompletedAsync();
        // The dialog accepts any base64; what the server received must be the RFC 7628 message with the token.
        var line = (await server.Completion).Transcript.Single(l => l.StartsWith("C: AUTH OAUTHBEARER ", StringComparison.Ordinal));
        var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(line["C: AUTH OAUTHBEARER ".Length..]));
        Assert.Equal($"n,a=probe@probe.test,\u0001host=127.0.0.1\u0001port={server.Port}\u0001auth=Bearer s3cr3t-Pa55word!\u0001\u0001", decoded);
    }

    [Fact]
    public async Task When_ChallengeIsNotBase64_ExchangeIsCancelledAndTheChallengeQuoted()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("auth-not-base64-challenge"));
        var result = await RunAsync(WithAuth("auth: { mechanism: login }"), server, Clock());
        Assert.Equal(ErrorKind.Protocol, result.ErrorKind);
        Assert.Contains("334 this is not base64!!", result.Message, StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Theory]
    [InlineData("auth-plain-no-initial-response", "auth: { initial_response: false }")]
    [InlineData("auth-plain-authzid", "auth: { authzid: admin@probe.test }")]
    [InlineData("auth-xoauth2", "auth: { mechanism: xoauth2 }")]
    [InlineData("auth-oauthbearer", "auth: { mechanism: oauthbearer }")]
    public async Task NoSecretOrEncodingOfIt_AppearsInAnyRecordedText(string dialog, string step)
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security(dialog));
        var live = new List<string>();
        var result = await RunAsync(WithAuth(step), server, Clock(), live);
        var all = string.Join("\n", result.Transcript.Concat(live).Concat(result.Steps.Select(s => $"{s.Sent} {s.Message}")).Append(result.Message ?? ""));
        foreach (var form in SmtpProbe.Testing.Secrets.Forms("s3cr3t-Pa55word!", "probe@probe.test", authzid: "admin@probe.test"))
        {
            Assert.DoesNotContain(form, all, StringComparison.Ordinal);
        }
        // Whatever encoding a mechanism used, the payload the server received never shows up in our output.
        var payloads = (await server.Completion).Transcript
            .Where(l => l.StartsWith("C: AUTH ", StringComparison.Ordinal) || (l.StartsWith("C: ", StringComparison.Ordinal) && l.IndexOf(' ', 3) < 0))
            .Select(l => l.Split(' ').Last()).Where(p => p.Length > 8);
        Assert.All(payloads, p => Assert.DoesNotContain(p, all, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("p12")]
    public async Task When_ClientCertificateIsGiven_ItIsPresentedInTheHandshake(string format)
    {
        var dir = Directory.CreateTempSubdirectory("smtp-probe-client-cert-");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=smtp-probe client", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        string tlsOptions;
        if (format == "pem")
        {
            File.WriteAllText(Path.Combine(dir.FullName, "client.pem"), cert.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir.FullName, "client.key"), key.ExportPkcs8PrivateKeyPem());
            tlsOptions = $"client_cert: {dir.FullName}/client.pem, client_key: {dir.FullName}/client.key";
        }
        else
        {
            File.WriteAllBytes(Path.Combine(dir.FullName, "client.p12"), cert.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "p12-Secret-99"));
            tlsOptions = $"client_cert: {dir.FullName}/client.p12, client_cert_password: \"${{env:SECRET2}}\"";
        }
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"), new ScriptedServerOptions(RequestClientCertificate: true));
        var yaml = StartTls("ca_file: \"${CA_FILE}\", " + tlsOptions).Replace("${env:SECRET2}", "p12-Secret-99", StringComparison.Ordinal);
        var result = await RunAsync(yaml, server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        var dialog = await server.Completion;
        Assert.Contains("* client certificate: CN=smtp-probe client", dialog.Transcript);
    }

    [Fact]
    public async Task When_VerifyIsNameOnlyAndTheChainIsUntrusted_ItPassesWithAWarning()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"), new ScriptedServerOptions(Certificate: CertificateKind.SelfSigned));
        var result = await RunAsync(StartTls("verify: name"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Contains("self-signed", Assert.Single(result.Warnings), StringComparison.Ordinal);
        await server.AssertCompletedAsync();
    }

    [Fact]
    public async Task When_CaFileIsAFolder_EveryPemInItIsTrusted()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"));
        var folder = Directory.CreateTempSubdirectory("smtp-probe-ca-folder-");
        File.WriteAllText(Path.Combine(folder.FullName, "test-ca.pem"), server.CaCertificatePem);
        File.WriteAllText(Path.Combine(folder.FullName, "README.txt"), "not a certificate: ignored");
        var result = await RunAsync(StartTls($"ca_file: {folder.FullName}", "verified: true"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
    }

    [Fact]
    public async Task When_MaximumVersionIs12_TheSessionIsTls12()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"));
        var result = await RunAsync(StartTls("ca_file: \"${CA_FILE}\", max_version: 1.2", "forward_secrecy: true"), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        Assert.Equal("TLSv1.2", result.Tls[0].Protocol);
        Assert.Contains("ECDHE", result.Tls[0].CipherSuite, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_CertificatePinMatches_HandshakeAndExpectationPass()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("starttls-then-quit"));
        var pin = "cert-sha256:" + server.Certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var result = await RunAsync(StartTls($"ca_file: \"${{CA_FILE}}\", pin: \"{pin}\"", $"pin: \"{pin}\""), server, Clock());
        Assert.True(result.Outcome == Outcome.Passed, result.Message);
        var pinCheck = Assert.Single(result.Steps.Single(s => s.Kind == "starttls").Checks, c => c.Expected.StartsWith("certificate pinned (", StringComparison.Ordinal));
        Assert.True(pinCheck.Passed);
        Assert.Contains(pin["cert-sha256:".Length..], pinCheck.Actual, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task When_StartTlsSucceeds_CapabilitiesFromBeforeTlsAreForgotten()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Security("caps-discarded-after-starttls"));
        var result = await RunAsync("""
            name: stale capabilities
            server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
            tls: { mode: starttls, ca_file: "${CA_FILE}", server_name: localhost }
            auth: { mechanism: auto, username: probe@probe.test, password: "${env:SECRET}" }
            steps:
              - ehlo: probe.test
                expect: { has: ["AUTH PLAIN"] }
              - starttls
              - auth
            """, server, Clock());
        Assert.Equal(ErrorKind.Auth, result.ErrorKind);
        Assert.Contains("advertises no AUTH mechanisms", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Transcript, l => l.StartsWith("C: AUTH", StringComparison.Ordinal));
        await server.AssertCompletedAsync();
    }
}
