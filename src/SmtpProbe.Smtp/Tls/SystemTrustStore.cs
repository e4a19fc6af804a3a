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
    /// <summary>
    /// True when the store was skipped; false when some session needs it or this is not Linux.
    /// Variables the user (or the machine) set are overridden only in that case: they select the
    /// system store, which then no session uses.
    /// </summary>
    public static bool SkipWhenUnused(IEnumerable<TlsSpec> sessions)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        if (IsNeeded(sessions))
        {
            return false;
        }
        // Both copies: .NET reads its managed snapshot of the environment, OpenSSL the native one.
        Environment.SetEnvironmentVariable("SSL_CERT_FILE", NoFile);
        Environment.SetEnvironmentVariable("SSL_CERT_DIR", NoDir);
        return SetEnv("SSL_CERT_FILE", NoFile, 1) == 0 && SetEnv("SSL_CERT_DIR", NoDir, 1) == 0;
    }

    private const string NoFile = "/dev/null";
    private const string NoDir = "/nonexistent/smtp-probe-no-system-store";

    /// <summary>The system store matters only to a TLS session that verifies its chain without a CA file of its own.</summary>
    public static bool IsNeeded(IEnumerable<TlsSpec> sessions) =>
        sessions.Any(t => t.Mode != TlsMode.None && t.CaFile is null && t.Verify is TlsVerify.Full or TlsVerify.Ca);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
