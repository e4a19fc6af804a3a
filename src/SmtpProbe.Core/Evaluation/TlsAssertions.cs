using System.Globalization;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Evaluation;

/// <summary>Pure evaluation of a `tls` expectation against recorded TLS facts; every check quotes the actual value.</summary>
public static class TlsAssertions
{
    public static IReadOnlyList<CheckResult> Evaluate(TlsExpectation expect, TlsFacts facts, DateTimeOffset now)
    {
        var checks = new List<CheckResult>();
        if (expect.MinVersion is { } min)
        {
            checks.Add(new CheckResult($"TLS version ≥ {min}", facts.Protocol, VersionOf(facts.Protocol) >= VersionOf(min)));
        }
        if (expect.ForwardSecrecy is { } fs)
        {
            checks.Add(new CheckResult(fs ? "forward secrecy" : "no forward secrecy",
                $"{(facts.ForwardSecrecy ? "forward secret" : "not forward secret")} ({facts.Protocol} {facts.CipherSuite})",
                facts.ForwardSecrecy == fs));
        }
        if (expect.Cipher is { } cipher)
        {
            checks.Add(new CheckResult($"cipher suite matches /{cipher}/", facts.CipherSuite, cipher.IsMatch(facts.CipherSuite)));
        }
        var leaf = facts.Chain.Count > 0 ? facts.Chain[0] : null;
        if (expect.DaysLeft is { } days)
        {
            if (leaf is null)
            {
                checks.Add(new CheckResult($"certificate valid ≥ {days} more days", "no certificate", false));
            }
            else
            {
                var left = DaysLeft(leaf, now);
                checks.Add(new CheckResult($"certificate valid ≥ {days} more days", DescribeExpiry(leaf, now), left >= days));
            }
        }
        foreach (var name in expect.San)
        {
            var sans = leaf?.SubjectAlternativeNames ?? [];
            var found = sans.Any(s => string.Equals(s[(s.IndexOf(':', StringComparison.Ordinal) + 1)..], name, StringComparison.OrdinalIgnoreCase));
            checks.Add(new CheckResult($"certificate SAN contains {name}", sans.Count == 0 ? "no SAN" : string.Join(", ", sans), found));
        }
        if (expect.Verified is { } verified)
        {
            var actual = facts.VerificationError is null ? "verified" : $"not verified: {facts.VerificationError}";
            checks.Add(new CheckResult(verified ? "certificate verified" : "certificate not verified", actual, (facts.VerificationError is null) == verified));
        }
        if (expect.Pins.Count > 0)
        {
            var actual = leaf is null ? "no certificate" : $"spki-sha256:{leaf.SpkiSha256}, cert-sha256:{leaf.Sha256Fingerprint}";
            checks.Add(new CheckResult($"certificate pinned ({string.Join(" or ", expect.Pins)})", actual, leaf is not null && MatchesPin(leaf, expect.Pins)));
        }
        return checks;
    }

    public static bool MatchesPin(CertificateFacts leaf, IReadOnlyList<string> pins) =>
        pins.Any(p => p.StartsWith("spki-sha256:", StringComparison.Ordinal)
            ? string.Equals(p[12..], leaf.SpkiSha256, StringComparison.Ordinal)
            : string.Equals(p[12..], leaf.Sha256Fingerprint, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whole days until notAfter, rounded down (a certificate expiring in 13.9 days has 13 left).</summary>
    public static int DaysLeft(CertificateFacts leaf, DateTimeOffset now) => (int)Math.Floor((leaf.NotAfter - now).TotalDays);

    public static string DescribeExpiry(CertificateFacts leaf, DateTimeOffset now)
    {
        var left = DaysLeft(leaf, now);
        var date = leaf.NotAfter.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return left < 0 ? $"certificate expired {-left} days ago ({date})" : $"certificate expires in {left} days ({date})";
    }

    private static double VersionOf(string protocol)
    {
        var digits = protocol.TrimStart('T', 'L', 'S', 'v', 't', 'l', 's');
        return double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) ? v : 0;
    }
}
