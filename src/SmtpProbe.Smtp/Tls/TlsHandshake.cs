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
        // SNI may differ from the name we verify (connect by IP, present one name, verify another).
        var sni = spec.Sni ?? spec.ServerName;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = sni,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = policy,
            EnabledSslProtocols = Protocols(spec),
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                // .NET checked the name against TargetHost (the SNI); check the name the scenario asked for instead.
                if (certificate is X509Certificate2 leafCert && !string.Equals(sni, spec.ServerName, StringComparison.OrdinalIgnoreCase))
                {
                    errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
                    if (!leafCert.MatchesHostname(spec.ServerName))
                    {
                        errors |= SslPolicyErrors.RemoteCertificateNameMismatch;
                    }
                }
                observed.Record(certificate, chain, errors, spec.ServerName, spec.Pins, time);
                return observed.Accept(spec.Verify);
            },
        };
        if (spec.AllowLegacyCiphers)
        {
            // Windows takes cipher suites from the OS (Schannel); there the option cannot be honoured, so say so.
            options.CipherSuitesPolicy = OperatingSystem.IsWindows()
                ? throw new SmtpProbeException(ErrorKind.Usage, "`tls.allow_legacy_ciphers` is not supported on Windows")
                : LegacyPolicy();
        }
        if (spec.ClientCertificate is { } clientCert)
        {
            options.ClientCertificates = [LoadClientCertificate(clientCert, spec.ClientKey, spec.ClientCertificatePassword?.Value)];
        }
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, ct).ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new SmtpProbeException(ErrorKind.Tls, observed.Rejection ?? $"TLS handshake failed: {Inner(e)}", e) { Tls = observed.PartialFacts(spec) };
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new SmtpProbeException(ErrorKind.Tls, observed.Rejection ?? $"TLS handshake failed: {Inner(e)}", e) { Tls = observed.PartialFacts(spec) };
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
            CertificateVerified: observed.Errors == SslPolicyErrors.None && observed.PinMismatch is null,
            VerificationError: observed.Reason,
            VerificationRelaxed: spec.Verify != TlsVerify.Full,
            Chain: observed.Chain);
        return (ssl, facts);
    }

    /// <summary>
    /// .NET's defaults on Linux offer only forward-secret TLS 1.2 suites. To observe (and report) a
    /// server that has nothing else, `allow_legacy_ciphers` adds the static-RSA AES suites.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static CipherSuitesPolicy LegacyPolicy() => new(
    [
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA256,
        TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256,
        TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA,
        TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
    ]);

    /// <summary>The protocol versions between min and max; None lets the system choose (TLS 1.2 and 1.3 here).</summary>
    private static SslProtocols Protocols(TlsSpec spec)
    {
        if (spec.MinVersion is null && spec.MaxVersion is null)
        {
            return SslProtocols.None;
        }
        var result = SslProtocols.None;
        if (string.CompareOrdinal(spec.MinVersion ?? "1.2", "1.2") <= 0 && string.CompareOrdinal(spec.MaxVersion ?? "1.3", "1.2") >= 0)
        {
            result |= SslProtocols.Tls12;
        }
        if (string.CompareOrdinal(spec.MaxVersion ?? "1.3", "1.3") >= 0)
        {
            result |= SslProtocols.Tls13;
        }
        return result;
    }

    /// <summary>A PKCS#12 file (.p12/.pfx), or a PEM certificate with its PEM key (or both in one file).</summary>
    private static X509Certificate2 LoadClientCertificate(string certificate, string? key, string? password)
    {
        try
        {
            if (certificate.EndsWith(".p12", StringComparison.OrdinalIgnoreCase) || certificate.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase))
            {
                return X509CertificateLoader.LoadPkcs12FromFile(certificate, password);
            }
            using var pem = password is null
                ? X509Certificate2.CreateFromPemFile(certificate, key)
                : X509Certificate2.CreateFromEncryptedPemFile(certificate, password, key);
            // On Linux SslStream needs the key in a PKCS#12-backed certificate, not an ephemeral PEM one.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new SmtpProbeException(ErrorKind.Tls, $"cannot load the client certificate {certificate}: {e.Message}", e);
        }
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
            c.GetCertHashString(HashAlgorithmName.SHA256))
        {
            SpkiSha256 = Convert.ToBase64String(SHA256.HashData(c.PublicKey.ExportSubjectPublicKeyInfo())),
        };
    }

    private static string Inner(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            messages.Add(x.Message.TrimEnd('.'));
        }
        var text = string.Join(": ", messages.Distinct());
        // An alert from the server says what was wrong more plainly than OpenSSL's error chain.
        if (text.Contains("handshake failure", StringComparison.OrdinalIgnoreCase) || text.Contains("no shared cipher", StringComparison.OrdinalIgnoreCase))
        {
            return "the server shares no cipher suite with smtp-probe (server alert: handshake failure); smtp-probe offers only forward-secret TLS 1.2 suites unless `tls.allow_legacy_ciphers: true`";
        }
        if (text.Contains("protocol version", StringComparison.OrdinalIgnoreCase) || text.Contains("unsupported protocol", StringComparison.OrdinalIgnoreCase))
        {
            return $"the server and smtp-probe share no TLS version (server alert: protocol version; detail: {text})";
        }
        return text;
    }

    /// <summary>What the validation callback saw; the chain is copied as facts because .NET disposes it.</summary>
    private sealed class Observation
    {
        public SslPolicyErrors Errors { get; private set; } = SslPolicyErrors.RemoteCertificateNotAvailable;

        public string? Reason { get; private set; }

        public IReadOnlyList<CertificateFacts> Chain { get; private set; } = [];

        /// <summary>Set when pins were given and the leaf matched none of them.</summary>
        public string? PinMismatch { get; private set; }

        /// <summary>Why the handshake was refused by our validation, in plain words; null when it was not.</summary>
        public string? Rejection { get; private set; }

        public void Record(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host, IReadOnlyList<string> pins, TimeProvider time)
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
            if (pins.Count > 0 && facts.Count > 0 && !SmtpProbe.Core.Evaluation.TlsAssertions.MatchesPin(facts[0], pins))
            {
                PinMismatch = $"the certificate matches no pin (its key is spki-sha256:{facts[0].SpkiSha256})";
                Reason = Reason is null ? PinMismatch : $"{Reason}; {PinMismatch}";
            }
        }

        /// <summary>What the verification mode lets through; a pin mismatch is never let through unless verification is off.</summary>
        public bool Accept(TlsVerify verify)
        {
            var relevant = verify switch
            {
                TlsVerify.Ca => Errors & ~SslPolicyErrors.RemoteCertificateNameMismatch,
                TlsVerify.Name => Errors & ~SslPolicyErrors.RemoteCertificateChainErrors,
                TlsVerify.None => SslPolicyErrors.None,
                _ => Errors,
            };
            var ok = verify == TlsVerify.None || (relevant == SslPolicyErrors.None && PinMismatch is null);
            Rejection = ok ? null : $"certificate verification failed: {Reason}";
            return ok;
        }

        /// <summary>Facts of a handshake we refused, so the report still shows the certificate that failed.</summary>
        public TlsFacts? PartialFacts(TlsSpec spec) => Chain.Count == 0 ? null : new TlsFacts(
            "(handshake refused)", "(none)", false, spec.ServerName, false, Reason, spec.Verify != TlsVerify.Full, Chain);

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
