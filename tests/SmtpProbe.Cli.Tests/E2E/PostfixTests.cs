using System.Text.Json;
using static SmtpProbe.Cli.Tests.CliHarness;

namespace SmtpProbe.Cli.Tests.E2E;

/// <summary>smtp-probe against a real Postfix (with Dovecot SASL) on loopback. No mail leaves the machine.</summary>
public class PostfixTests(PostfixFixture postfix) : IClassFixture<PostfixFixture>
{
    [Fact]
    public async Task Samples_PassAgainstRealPostfix()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", .. postfix.SampleVars(), Samples]);
        Assert.True(result.ExitCode == 0, result.All);
        // Every sample file ran (one PASS line each at least), and every scenario passed.
        foreach (var sample in Directory.GetFiles(Samples, "*.yaml"))
        {
            Assert.Contains($"PASS  samples/{Path.GetFileName(sample)} ›", Scrub(result.Stdout), StringComparison.Ordinal);
        }
        Assert.Matches(@"(\d+) scenarios: \1 passed, 0 failed, 0 errors", result.Stdout);
    }

    [Fact]
    public async Task When_BoundTo127_0_0_2_PostfixLogsTheConnectionFromThatAddressAndPort()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", "--json", "-", .. postfix.SampleVars(), Path.Combine(Samples, "source-ip.yaml")]);
        Assert.True(result.ExitCode == 0, result.All);
        using var json = JsonDocument.Parse(result.Stdout);
        var local = json.RootElement.GetProperty("files")[0].GetProperty("scenarios")[0].GetProperty("connection").GetProperty("localEndPoint").GetString();
        Assert.StartsWith("127.0.0.2:", local, StringComparison.Ordinal);
        var expected = $"connect from unknown[127.0.0.2]:{local!.Split(':')[1]}";
        // postlogd writes the log asynchronously; wait (bounded) for the external daemon, not for our code.
        var log = string.Empty;
        for (var i = 0; i < 100 && !log.Contains(expected, StringComparison.Ordinal); i++)
        {
            log = await File.ReadAllTextAsync(postfix["SMTP_E2E_MAILLOG"], TestContext.Current.CancellationToken);
            if (!log.Contains(expected, StringComparison.Ordinal))
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
        Assert.Contains(expected, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelayToForeignDomain_IsRefusedWith554()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", "--json", "-", .. postfix.SampleVars(), Path.Combine(Samples, "open-relay.yaml")]);
        Assert.True(result.ExitCode == 0, result.All);
        using var json = JsonDocument.Parse(result.Stdout);
        var rcpt = json.RootElement.GetProperty("files")[0].GetProperty("scenarios")[0].GetProperty("steps").EnumerateArray().First(s => s.GetProperty("kind").GetString() == "rcpt_to");
        var reply = rcpt.GetProperty("replies")[0];
        Assert.Equal(554, reply.GetProperty("code").GetInt32());
        Assert.Equal("5.7.1", reply.GetProperty("enhancedCode").GetString());
        Assert.Contains("Relay access denied", reply.GetProperty("lines")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImplicitTls_RecordsVerifiedTlsFacts()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", "--json", "-", .. postfix.SampleVars(), Path.Combine(Samples, "implicit-tls.yaml")]);
        Assert.True(result.ExitCode == 0, result.All);
        using var json = JsonDocument.Parse(result.Stdout);
        var tls = json.RootElement.GetProperty("files")[0].GetProperty("scenarios")[0].GetProperty("tls")[0];
        Assert.True(tls.GetProperty("certificateVerified").GetBoolean());
        Assert.StartsWith("TLSv1.", tls.GetProperty("protocol").GetString(), StringComparison.Ordinal);
        Assert.True(tls.GetProperty("forwardSecrecy").GetBoolean());
        Assert.Contains("mx.example.test", tls.GetProperty("chain")[0].GetProperty("subject").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPassword_Gets535AndTheRightOneStillWorks_WithoutLeakingEither()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", "--verbose", "--json", "-", .. postfix.SampleVars(), Path.Combine(Scenarios, "e2e", "wrong-password.yaml"), Path.Combine(Scenarios, "e2e", "cram-md5.yaml")]);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("535 5.7.8", result.Stdout, StringComparison.Ordinal);
        foreach (var secret in new[] { postfix["SMTP_E2E_PASSWORD"], "definitely-not-the-password" })
        {
            foreach (var form in SmtpProbe.Testing.Secrets.Forms(secret, postfix["SMTP_E2E_USER"]))
            {
                Assert.DoesNotContain(form, result.All, StringComparison.Ordinal);
            }
        }
    }

    private string[] Port(string key) => ["--var", $"SMTP_PORT={postfix[key]}"];

    [Fact]
    public async Task TlsPosture_PassesOnTheMainListener()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", "--json", "-", .. postfix.SampleVars(), Path.Combine(Samples, "tls-posture.yaml")]);
        Assert.True(result.ExitCode == 0, result.All);
        // The exit code alone would pass if TLS expectations were never evaluated: each check must be there and pass.
        using var json = JsonDocument.Parse(result.Stdout);
        var starttls = json.RootElement.GetProperty("files")[0].GetProperty("scenarios")[0].GetProperty("steps").EnumerateArray().First(s => s.GetProperty("kind").GetString() == "starttls");
        var checks = starttls.GetProperty("checks").EnumerateArray().ToList();
        foreach (var label in new[] { "TLS version ≥ 1.2", "forward secrecy", "certificate valid ≥ 14 more days", "certificate verified" })
        {
            Assert.True(checks.Single(c => c.GetProperty("expected").GetString() == label).GetProperty("passed").GetBoolean(), label);
        }
    }

    [Fact]
    public async Task TlsPosture_ReportsACertificateExpiringInFiveDaysWithDaysLeft()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", "--json", "-", .. postfix.SampleVars(), .. Port("SMTP_E2E_PORT_EXPIRING"), Path.Combine(Samples, "tls-posture.yaml")]);
        Assert.Equal(1, result.ExitCode);
        // Made 5 days long moments ago: 4 whole days are left.
        Assert.Contains("expected certificate valid ≥ 14 more days, got certificate expires in 4 days (", result.Stderr + result.Stdout, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Stdout);
        var leaf = json.RootElement.GetProperty("files")[0].GetProperty("scenarios")[0].GetProperty("tls")[0].GetProperty("chain")[0];
        Assert.True(DateTimeOffset.Parse(leaf.GetProperty("notAfter").GetString()!, System.Globalization.CultureInfo.InvariantCulture) < DateTimeOffset.UtcNow.AddDays(5.1));
    }

    [Fact]
    public async Task TlsPosture_WrongHostCertificateFailsVerificationWithAPlainReason()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", .. postfix.SampleVars(), .. Port("SMTP_E2E_PORT_WRONGHOST"), Path.Combine(Samples, "tls-posture.yaml")]);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("certificate verification failed: certificate is not valid for `127.0.0.1` (it names DNS:wrong.example.invalid)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsPosture_ServerWithoutForwardSecrecyIsRefusedByDefaultAndReportedWithLegacySuites()
    {
        postfix.Require();
        var strict = await RunAsync(postfix.PasswordEnvironment(), ["run", .. postfix.SampleVars(), .. Port("SMTP_E2E_PORT_TLS12"), Path.Combine(Samples, "tls-posture.yaml")]);
        Assert.Equal(3, strict.ExitCode);
        Assert.Contains("shares no cipher suite with smtp-probe", strict.Stdout, StringComparison.Ordinal);
        var legacy = await RunAsync(postfix.PasswordEnvironment(), ["run", .. postfix.SampleVars(), .. Port("SMTP_E2E_PORT_TLS12"), Path.Combine(Scenarios, "e2e", "posture-legacy.yaml")]);
        Assert.Equal(1, legacy.ExitCode);
        Assert.Contains("expected forward secrecy, got not forward secret (TLSv1.2 TLS_RSA_WITH_AES_256_GCM_SHA384)", legacy.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaslMechanisms_AllAuthenticateAgainstDovecot_AndAuthInClearIsRefused()
    {
        postfix.Require();
        var result = await RunAsync(postfix.PasswordEnvironment(), ["run", "--verbose", .. postfix.SampleVars(), Path.Combine(Scenarios, "e2e", "sasl-matrix.yaml")]);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("8 scenarios: 8 passed", result.Stdout, StringComparison.Ordinal);
        foreach (var mechanism in new[] { "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "LOGIN", "PLAIN" })
        {
            Assert.Contains($"C: AUTH {mechanism}", result.Stderr, StringComparison.Ordinal);
        }
        foreach (var form in SmtpProbe.Testing.Secrets.Forms(postfix["SMTP_E2E_PASSWORD"], postfix["SMTP_E2E_USER"]))
        {
            Assert.DoesNotContain(form, result.All, StringComparison.Ordinal);
        }
    }
}
