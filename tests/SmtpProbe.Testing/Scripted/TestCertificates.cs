using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpProbe.Testing.Scripted;

/// <summary>Which TLS server certificate a <see cref="ScriptedSmtpServer"/> presents.</summary>
public enum CertificateKind
{
    /// <summary>Leaf for the host, signed by the in-memory "CN=smtp-probe test CA".</summary>
    CaSigned,

    /// <summary>Self-signed leaf for the host; trust its own PEM.</summary>
    SelfSigned,

    /// <summary>CA-signed leaf whose validity ended yesterday.</summary>
    Expired,

    /// <summary>CA-signed leaf for wrong.example.invalid only (no localhost, no IP).</summary>
    WrongHost,
}

/// <summary>A server certificate with its private key, the PEM a client should trust, and a reusable TLS context.</summary>
internal sealed record ServerCertificate(X509Certificate2 Leaf, string TrustPem, SslStreamCertificateContext Context);

/// <summary>In-memory test PKI, generated once per process (key generation and PKCS#12 round trips are slow-ish).</summary>
internal static class TestCertificates
{
    public const string CaSubject = "CN=smtp-probe test CA";
    public const string WrongHostName = "wrong.example.invalid";

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly Lazy<X509Certificate2> Ca = new(CreateCa);
    private static readonly ConcurrentDictionary<(CertificateKind, string), Lazy<ServerCertificate>> Cache = new();

    public static ServerCertificate Get(CertificateKind kind, string host) =>
        Cache.GetOrAdd((kind, host), key => new Lazy<ServerCertificate>(() => Create(key.Item1, key.Item2))).Value;

    private static X509Certificate2 CreateCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(CaSubject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // Wider than every leaf (CertificateRequest.Create refuses a leaf outliving its issuer).
        using var ca = request.CreateSelfSigned(Now.AddDays(-365), Now.AddDays(365));
        return Reimport(ca);
    }

    private static ServerCertificate Create(CertificateKind kind, string host)
    {
        var leafHost = kind == CertificateKind.WrongHost ? WrongHostName : host;
        var (notBefore, notAfter) = kind == CertificateKind.Expired
            ? (Now.AddDays(-30), Now.AddDays(-1))
            : (Now.AddHours(-1), Now.AddDays(30));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={leafHost}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var san = new SubjectAlternativeNameBuilder();
        if (kind == CertificateKind.WrongHost)
        {
            san.AddDnsName(WrongHostName);
        }
        else
        {
            san.AddDnsName("localhost");
            if (!string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                san.AddDnsName(host);
            }
            san.AddIpAddress(IPAddress.Loopback);
            san.AddIpAddress(IPAddress.IPv6Loopback);
        }
        request.CertificateExtensions.Add(san.Build());

        X509Certificate2 leaf;
        string trustPem;
        if (kind == CertificateKind.SelfSigned)
        {
            using var selfSigned = request.CreateSelfSigned(notBefore, notAfter);
            leaf = Reimport(selfSigned);
            trustPem = leaf.ExportCertificatePem();
        }
        else
        {
            var ca = Ca.Value;
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
            var serial = new byte[16];
            RandomNumberGenerator.Fill(serial);
            serial[0] &= 0x7F; // a positive serial number, as RFC 5280 requires
            using var signed = request.Create(ca, notBefore, notAfter, serial);
            using var withKey = signed.CopyWithPrivateKey(key);
            leaf = Reimport(withKey);
            trustPem = ca.ExportCertificatePem();
        }
        // offline: never try to fetch intermediates over the network during a test handshake.
        var context = SslStreamCertificateContext.Create(leaf, additionalCertificates: null, offline: true);
        return new ServerCertificate(leaf, trustPem, context);
    }

    /// <summary>On Linux an ephemeral in-memory key is not usable by SslStream; a PKCS#12 round trip makes it a normal one.</summary>
    private static X509Certificate2 Reimport(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
