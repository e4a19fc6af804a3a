using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Smtp.Protocol;

namespace SmtpProbe.Smtp.Tls;

/// <summary>
/// Runs the client side of a TLS handshake (STARTTLS or implicit) and records what a mail operator
/// needs to judge it: protocol, cipher suite, forward secrecy, the chain, and the verification
/// result in plain words. Verification is on unless the scenario said `insecure: true`.
/// </summary>
public static class TlsHandshake
{
    public static async Task<(SslStream Stream, TlsFacts Facts)> AuthenticateAsync(
        Stream inner, TlsSpec spec, TimeProvider time, CancellationToken ct)
    {
        var observed = new Observation();
        var policy = new X509ChainPolicy
        {
            // Never go online: no OCSP/CRL fetches and no AIA downloads (probes and tests stay on their network).
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
            VerificationTime = time.GetUtcNow().UtcDateTime,
            VerificationTimeIgnored = false,
        };
        if (spec.CaFile is { } ca)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(LoadCertificates(ca));
        }
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = spec.ServerName,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = policy,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                observed.Record(certificate, chain, errors, spec.ServerName, time);
                return spec.Insecure || errors == SslPolicyErrors.None;
            },
        };
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, ct).ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            var reason = observed.Reason ?? $"TLS handshake failed: {Inner(e)}";
            throw new SmtpProbeException(ErrorKind.Tls, observed.Reason is null ? reason : $"certificate verification failed: {reason}", e);
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new SmtpProbeException(ErrorKind.Tls, $"TLS handshake failed: {Inner(e)}", e);
        }
        var suite = ssl.NegotiatedCipherSuite.ToString();
        var protocol = ssl.SslProtocol switch
        {
#pragma warning disable SYSLIB0039, CA5397 // Old protocols are named so a report can flag them, not used by choice.
            SslProtocols.Tls => "TLSv1.0",
            SslProtocols.Tls11 => "TLSv1.1",
#pragma warning restore SYSLIB0039, CA5397
            SslProtocols.Tls12 => "TLSv1.2",
            SslProtocols.Tls13 => "TLSv1.3",
            var p => p.ToString(),
        };
        var facts = new TlsFacts(
            protocol,
            suite,
            ForwardSecrecy: ssl.SslProtocol == SslProtocols.Tls13 || suite.Contains("_ECDHE_", StringComparison.Ordinal) || suite.Contains("_DHE_", StringComparison.Ordinal),
            TargetHost: spec.ServerName,
            CertificateVerified: observed.Errors == SslPolicyErrors.None,
            VerificationError: observed.Reason,
            VerificationRelaxed: spec.Insecure,
            Chain: observed.Chain);
        return (ssl, facts);
    }

    /// <summary>A PEM file, or every .pem/.crt file of a folder.</summary>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => f.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
            : new[] { path };
        foreach (var file in files)
        {
            try
            {
                collection.ImportFromPemFile(file);
            }
            catch (CryptographicException e)
            {
                throw new SmtpProbeException(ErrorKind.Tls, $"cannot read CA certificates from {file}: {e.Message}", e);
            }
        }
        if (collection.Count == 0)
        {
            throw new SmtpProbeException(ErrorKind.Tls, $"no PEM certificate found in {path}");
        }
        return collection;
    }

    public static CertificateFacts FactsOf(X509Certificate2 c)
    {
        var sans = new List<string>();
        foreach (var ext in c.Extensions)
        {
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                sans.AddRange(san.EnumerateDnsNames().Select(n => "DNS:" + n));
                sans.AddRange(san.EnumerateIPAddresses().Select(ip => "IP:" + ip));
            }
        }
        return new CertificateFacts(
            c.Subject,
            c.Issuer,
            sans,
            new DateTimeOffset(c.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(c.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            c.GetCertHashString(HashAlgorithmName.SHA256));
    }

    private static string Inner(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            messages.Add(x.Message.TrimEnd('.'));
        }
        return string.Join(": ", messages.Distinct());
    }

    /// <summary>What the validation callback saw; the chain is copied as facts because .NET disposes it.</summary>
    private sealed class Observation
    {
        public SslPolicyErrors Errors { get; private set; } = SslPolicyErrors.RemoteCertificateNotAvailable;

        public string? Reason { get; private set; }

        public IReadOnlyList<CertificateFacts> Chain { get; private set; } = [];

        public void Record(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host, TimeProvider time)
        {
            Errors = errors;
            var leaf = certificate as X509Certificate2;
            var facts = chain?.ChainElements.Select(e => FactsOf(e.Certificate)).ToList() ?? [];
            if (facts.Count == 0 && leaf is not null)
            {
                facts.Add(FactsOf(leaf));
            }
            Chain = facts;
            Reason = errors == SslPolicyErrors.None ? null : Explain(errors, chain, facts.FirstOrDefault(), host, time);
        }

        private static string Explain(SslPolicyErrors errors, X509Chain? chain, CertificateFacts? leaf, string host, TimeProvider time)
        {
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || leaf is null)
            {
                return "the server sent no certificate";
            }
            var reasons = new List<string>();
            var now = time.GetUtcNow();
            var status = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (a, s) => a | s.Status) ?? X509ChainStatusFlags.NoError;
            if (status.HasFlag(X509ChainStatusFlags.NotTimeValid) || leaf.NotAfter < now || leaf.NotBefore > now)
            {
                reasons.Add(leaf.NotAfter < now
                    ? $"certificate expired on {leaf.NotAfter:yyyy-MM-dd} ({(int)(now - leaf.NotAfter).TotalDays} days ago)"
                    : leaf.NotBefore > now ? $"certificate is not valid before {leaf.NotBefore:yyyy-MM-dd}" : "a certificate in the chain is outside its validity period");
            }
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                var names = leaf.SubjectAlternativeNames.Count > 0 ? string.Join(", ", leaf.SubjectAlternativeNames) : leaf.Subject;
                reasons.Add($"certificate is not valid for `{host}` (it names {names})");
            }
            if (status.HasFlag(X509ChainStatusFlags.UntrustedRoot) || status.HasFlag(X509ChainStatusFlags.PartialChain))
            {
                reasons.Add(leaf.Subject == leaf.Issuer
                    ? $"certificate is self-signed ({leaf.Subject}) and not trusted"
                    : $"certificate is not signed by a trusted CA (issuer: {leaf.Issuer})");
            }
            if (status.HasFlag(X509ChainStatusFlags.Revoked))
            {
                reasons.Add("certificate was revoked");
            }
            if (reasons.Count == 0)
            {
                var info = chain?.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct() ?? [];
                reasons.Add(string.Join("; ", info.DefaultIfEmpty(errors.ToString())));
            }
            return string.Join("; ", reasons);
        }
    }
}
