using System.Runtime.InteropServices;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Smtp.Tls;

/// <summary>
/// Keeps a run from paying for the system trust store when nothing in it uses that store.
/// Why: on Linux, .NET reads the whole system CA bundle and folder on the first TLS handshake
/// (≈ 100 ms of CPU per process here), even when the chain policy trusts only a custom root. A probe
/// that names its own CA (or does not verify the chain) does not need it, so before the first
/// handshake the process points OpenSSL's SSL_CERT_FILE/SSL_CERT_DIR at nothing. It must be the
/// native environment (setenv): .NET's Environment.SetEnvironmentVariable does not reach OpenSSL.
/// Measured in docs/performance.md.
/// </summary>
public static partial class SystemTrustStore
{
    /// <summary>True when the store was skipped; false when some scenario needs it, the user set the variables, or this is not Linux.</summary>
    public static bool SkipWhenUnused(IEnumerable<TlsSpec> sessions, Func<string, string?> environment)
    {
        if (!OperatingSystem.IsLinux() || environment("SSL_CERT_FILE") is not null || environment("SSL_CERT_DIR") is not null)
        {
            return false;
        }
        if (IsNeeded(sessions))
        {
            return false;
        }
        return SetEnv("SSL_CERT_FILE", "/dev/null", 1) == 0 && SetEnv("SSL_CERT_DIR", "/nonexistent/smtp-probe-no-system-store", 1) == 0;
    }

    /// <summary>The system store matters only to a TLS session that verifies its chain without a CA file of its own.</summary>
    public static bool IsNeeded(IEnumerable<TlsSpec> sessions) =>
        sessions.Any(t => t.Mode != TlsMode.None && t.CaFile is null && t.Verify is TlsVerify.Full or TlsVerify.Ca);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
