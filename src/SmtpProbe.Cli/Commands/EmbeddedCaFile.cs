using SmtpProbe.Smtp.Embedded;

namespace SmtpProbe.Cli.Commands;

/// <summary>
/// The embedded server's CA as a PEM file scenarios can name in `ca_file`, deleted when disposed.
/// One file per run, not per process: runs in one process (tests, a host) must not delete each other's CA.
/// </summary>
internal sealed class EmbeddedCaFile : IDisposable
{
    private EmbeddedCaFile(string path) => Path = path;

    public string Path { get; }

    public static async Task<EmbeddedCaFile> WriteAsync(EmbeddedSmtpServer server, CancellationToken ct)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"smtp-probe-embedded-ca-{Environment.ProcessId}-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(path, server.CaCertificatePem, ct).ConfigureAwait(false);
        return new EmbeddedCaFile(path);
    }

    public void Dispose() => File.Delete(Path);
}
