using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpProbe.Smtp.Embedded;

/// <summary>A throw-away CA and server certificate, generated in memory for one server instance.</summary>
internal sealed class EmbeddedCertificates : IDisposable
{
    internal const string CaSubject = "CN=smtp-probe embedded CA";

    private EmbeddedCertificates(X509Certificate2 ca, X509Certificate2 leaf, SslStreamCertificateContext context)
    {
        Ca = ca;
        Leaf = leaf;
        Context = context;
        CaPem = ca.ExportCertificatePem();
    }

    /// <summary>The CA certificate (public part only: its key is discarded after signing the leaf).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The server certificate with its private key.</summary>
    public X509Certificate2 Leaf { get; }

    public string CaPem { get; }

    /// <summary>
    /// Built once so every handshake reuses it and nothing is fetched online. With a one-level CA only the leaf
    /// goes on the wire (.NET trims the self-signed root), so clients must hold the CA as a trust anchor.
    /// </summary>
    public SslStreamCertificateContext Context { get; }

    public static EmbeddedCertificates Create(string hostname, TimeProvider time)
    {
        // X.509 stores whole seconds; truncating keeps the leaf's validity inside the CA's after encoding.
        var now = time.GetUtcNow();
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var notBefore = now.AddHours(-1);
        var notAfter = now.AddDays(90);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest(CaSubject, caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var caWithKey = caRequest.CreateSelfSigned(notBefore, notAfter);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=" + hostname, leafKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication") }, false));
        leafRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafRequest.PublicKey, false));
        leafRequest.CertificateExtensions.Add(
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caWithKey, true, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostname);
        if (!string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            san.AddDnsName("localhost");
        }
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        leafRequest.CertificateExtensions.Add(san.Build());

        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F; // a positive serial number, as RFC 5280 requires
        using var leafPublic = leafRequest.Create(caWithKey, notBefore, notAfter, serial);
        using var leafEphemeral = leafPublic.CopyWithPrivateKey(leafKey);

        // Round-trip through PKCS#12: SChannel cannot use CopyWithPrivateKey's ephemeral key, and the loaded
        // form is the one SslStream supports on every platform.
        var leaf = X509CertificateLoader.LoadPkcs12(leafEphemeral.Export(X509ContentType.Pkcs12), null);
        var ca = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        var context = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(ca), offline: true);
        return new EmbeddedCertificates(ca, leaf, context);
    }

    public void Dispose()
    {
        Leaf.Dispose();
        Ca.Dispose();
    }
}
