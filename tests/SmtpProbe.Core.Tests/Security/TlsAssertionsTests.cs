using System.Text.RegularExpressions;
using SmtpProbe.Core.Evaluation;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Tests.Security;

public class TlsAssertionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static readonly CertificateFacts Leaf = new("CN=mx.example.test", "CN=test CA", ["DNS:mx.example.test", "IP:127.0.0.1"],
        Now.AddDays(-60), new DateTimeOffset(2026, 12, 12, 18, 0, 0, TimeSpan.Zero), "AB12")
    { SpkiSha256 = "key-hash=" };

    private static TlsFacts Facts(string protocol = "TLSv1.3", string suite = "TLS_AES_256_GCM_SHA384", bool fs = true, string? error = null) =>
        new(protocol, suite, fs, "mx.example.test", error is null, error, false, [Leaf]);

    private static TlsExpectation Expect(string? min = null, bool? fs = null, int? days = null, string[]? san = null, bool? verified = null, string[]? pins = null, string? cipher = null) =>
        new(min, fs, days, san ?? [], verified, pins ?? [], cipher is null ? null : new Regex(cipher));

    [Fact]
    public void DaysLeft_FailureQuotesTheDaysAndTheDate()
    {
        var check = Assert.Single(TlsAssertions.Evaluate(Expect(days: 14), Facts(), Now));
        Assert.False(check.Passed);
        Assert.Equal("certificate valid ≥ 14 more days", check.Expected);
        Assert.Equal("certificate expires in 9 days (2026-12-12)", check.Actual);
    }

    [Fact]
    public void DaysLeft_OfAnExpiredCertificateSaysHowLongAgo()
    {
        var check = Assert.Single(TlsAssertions.Evaluate(Expect(days: 0), Facts(), Now.AddDays(12)));
        Assert.False(check.Passed);
        Assert.Equal("certificate expired 3 days ago (2026-12-12)", check.Actual);
    }

    [Theory]
    [InlineData("TLSv1.3", "1.2", true)]
    [InlineData("TLSv1.3", "1.3", true)]
    [InlineData("TLSv1.2", "1.3", false)]
    [InlineData("TLSv1.2", "1.2", true)]
    public void MinVersion_ComparesNumerically(string negotiated, string min, bool passes)
    {
        var check = Assert.Single(TlsAssertions.Evaluate(Expect(min: min), Facts(protocol: negotiated), Now));
        Assert.Equal(passes, check.Passed);
        Assert.Equal(negotiated, check.Actual);
    }

    [Fact]
    public void ForwardSecrecy_FailureNamesTheSuite()
    {
        var check = Assert.Single(TlsAssertions.Evaluate(Expect(fs: true), Facts("TLSv1.2", "TLS_RSA_WITH_AES_256_GCM_SHA384", fs: false), Now));
        Assert.False(check.Passed);
        Assert.Equal("not forward secret (TLSv1.2 TLS_RSA_WITH_AES_256_GCM_SHA384)", check.Actual);
    }

    [Fact]
    public void San_MatchesDnsAndIpEntriesCaseInsensitively()
    {
        var checks = TlsAssertions.Evaluate(Expect(san: ["MX.example.test", "127.0.0.1", "other.example"]), Facts(), Now);
        Assert.Equal([true, true, false], checks.Select(c => c.Passed));
        Assert.Equal("DNS:mx.example.test, IP:127.0.0.1", checks[2].Actual);
    }

    [Fact]
    public void Verified_QuotesTheReasonWhenItDidNot()
    {
        var check = Assert.Single(TlsAssertions.Evaluate(Expect(verified: true), Facts(error: "certificate is self-signed (CN=x) and not trusted"), Now));
        Assert.False(check.Passed);
        Assert.Equal("not verified: certificate is self-signed (CN=x) and not trusted", check.Actual);
        Assert.True(Assert.Single(TlsAssertions.Evaluate(Expect(verified: false), Facts(error: "x"), Now)).Passed);
    }

    [Theory]
    [InlineData("spki-sha256:key-hash=", true)]
    [InlineData("cert-sha256:ab12", true)]
    [InlineData("spki-sha256:other=", false)]
    public void Pins_MatchThePublicKeyOrTheCertificate(string pin, bool passes)
    {
        var check = Assert.Single(TlsAssertions.Evaluate(Expect(pins: [pin]), Facts(), Now));
        Assert.Equal(passes, check.Passed);
        Assert.Equal("spki-sha256:key-hash=, cert-sha256:AB12", check.Actual);
    }

    [Fact]
    public void Cipher_IsARegularExpressionOnTheSuiteName()
    {
        Assert.True(Assert.Single(TlsAssertions.Evaluate(Expect(cipher: "AES_256|CHACHA"), Facts(), Now)).Passed);
        Assert.False(Assert.Single(TlsAssertions.Evaluate(Expect(cipher: "^TLS_ECDHE"), Facts(), Now)).Passed);
    }
}
