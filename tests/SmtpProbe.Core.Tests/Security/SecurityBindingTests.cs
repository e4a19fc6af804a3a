using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Tests.Security;

public class SecurityBindingTests
{
    private static (ScenarioFile? File, IReadOnlyList<Diagnostic> Diagnostics) Bind(string yaml) =>
        ScenarioBinder.Bind(new SourceText("s.yaml", yaml, Path.Combine(Path.GetTempPath(), "s.yaml")), new Variables(new Dictionary<string, string>(), n => n switch { "PW" => "pw-value-1", "PW2" => "p12-pw-2", _ => null }));

    private const string Head = "name: x\nserver: { host: mx.example.test }\n";

    [Fact]
    public void TlsOptions_BindIntoTheModel()
    {
        var pin = "spki-sha256:" + Convert.ToBase64String(new byte[32]);
        var (file, d) = Bind(Head + $"tls: {{ mode: starttls, verify: ca, server_name: mx1.example.com, sni: \"\", min_version: TLSv1.2, max_version: 1.3, pin: [\"{pin}\", \"cert-sha256:{new string('a', 64)}\"], allow_legacy_ciphers: true }}\nsteps: [ehlo, starttls, ehlo, quit]\n");
        Assert.True(file is not null, string.Join("\n", d.Select(DiagnosticRenderer.Render)));
        var tls = file.Scenarios[0].Tls;
        Assert.Equal(TlsVerify.Ca, tls.Verify);
        Assert.Equal("mx1.example.com", tls.ServerName);
        Assert.Equal("", tls.Sni);
        Assert.Equal(("1.2", "1.3"), (tls.MinVersion, tls.MaxVersion));
        Assert.Equal([pin, "cert-sha256:" + new string('A', 64)], tls.Pins);
        Assert.True(tls.AllowLegacyCiphers);
    }

    [Fact]
    public void AuthOptions_BindAndTheClientCertificatePasswordIsASecret()
    {
        var cert = Path.Combine(Path.GetTempPath(), $"smtp-probe-binding-{Guid.NewGuid():N}.p12");
        File.WriteAllBytes(cert, [0]); // the binder only checks that it exists; loading happens at the handshake
        var (file, d) = Bind(Head + $"tls: {{ mode: implicit, client_cert: {cert}, client_cert_password: \"${{env:PW2}}\" }}\nauth: {{ mechanism: scram-sha-256, username: u, password: \"${{env:PW}}\", authzid: admin, initial_response: false, required: false }}\n" +
            "envelope: { from: a@b.c, to: d@e.f }\n");
        Assert.True(file is not null, string.Join("\n", d.Select(DiagnosticRenderer.Render)));
        var auth = file.Scenarios[0].Auth!;
        Assert.Equal(("scram-sha-256", "admin", false, false), (auth.Mechanism, auth.AuthorizationId, auth.InitialResponse, auth.Required));
        Assert.Contains(file.Scenarios[0].Secrets, s => s.Value == "pw-value-1");
        Assert.Contains(file.Scenarios[0].Secrets, s => s.Value == "p12-pw-2");
    }

    [Fact]
    public void ExpectationWithoutCode_KeepsTheStepsDefaultCodes()
    {
        var (file, _) = Bind(Head + "tls: { mode: starttls }\nsteps:\n  - ehlo:\n    expect: { has: [STARTTLS] }\n  - starttls:\n    expect: { tls: { days_left: 14 } }\n  - ehlo\n  - quit\n");
        var steps = file!.Scenarios[0].Steps;
        Assert.Equal(["250"], steps[1].Expect.Codes.Select(c => c.Pattern));
        Assert.Equal(["220"], steps[2].Expect.Codes.Select(c => c.Pattern));
        Assert.Equal(14, steps[2].Expect.Tls!.DaysLeft);
    }

    [Theory]
    [InlineData("tls: { mode: starttls, pin: sha256-nope }\nsteps: [ehlo, starttls, quit]", "is not a pin")]
    [InlineData("tls: { mode: starttls, min_version: 1.1 }\nsteps: [ehlo, starttls, quit]", "must be 1.2 or 1.3")]
    [InlineData("tls: { mode: starttls, min_version: 1.3, max_version: 1.2 }\nsteps: [ehlo, starttls, quit]", "is below `tls.min_version`")]
    [InlineData("tls: { mode: starttls, verify: partial }\nsteps: [ehlo, starttls, quit]", "unknown verification mode")]
    [InlineData("tls: { mode: starttls, verify: full, insecure: true }\nsteps: [ehlo, starttls, quit]", "contradicts `tls.insecure: true`")]
    [InlineData("tls: { mode: starttls, client_key: nowhere.key }\nsteps: [ehlo, starttls, quit]", "does not exist")]
    [InlineData("tls: { mode: none, pin: \"cert-sha256:0000000000000000000000000000000000000000000000000000000000000000\" }\nsteps: [ehlo, quit]", "TLS options are given but `tls.mode` is none")]
    [InlineData("steps:\n  - ehlo:\n    expect: { tls: { min_version: 1.2 } }", "applies to `starttls` steps")]
    [InlineData("tls: { mode: starttls }\nsteps:\n  - banner:\n    expect: { tls: { verified: true } }\n  - ehlo\n  - starttls", "needs `tls.mode: implicit`")]
    [InlineData("tls: { mode: implicit }\nauth: { mechanism: digest-md5, username: u, password: p }\nsteps: [ehlo, auth]", "historic (RFC 6331)")]
    [InlineData("tls: { mode: implicit }\nauth: { mechanism: ntlm, username: u, password: p }\nsteps: [ehlo, auth]", "NTLM is not offered")]
    [InlineData("tls: { mode: starttls }\nsteps:\n  - starttls:\n    expect: { tls: { forward_secrecy: maybe } }", "must be true or false")]
    public void SecurityMistakes_AreReportedBeforeAnythingIsSent(string body, string expected)
    {
        var (file, d) = Bind(Head + body + "\n");
        Assert.Null(file);
        Assert.Contains(d, x => (x.Message + " " + x.Hint).Contains(expected, StringComparison.Ordinal));
    }
}
