using SmtpProbe.Smtp.Embedded;

namespace SmtpProbe.Cli.Commands;

/// <summary>`serve`: the embedded server in the foreground, so people can point scenarios (or swaks) at it.</summary>
internal sealed class ServeCommand(TextWriter stdout)
{
    public async Task<int> ExecuteAsync(int port, CancellationToken ct)
    {
        var options = port == 0
            ? new EmbeddedServerOptions()
            : new EmbeddedServerOptions(MxPort: port, SubmissionPort: port + 1, SmtpsPort: port + 2);
        await using var server = await EmbeddedSmtpServer.StartAsync(options, ct).ConfigureAwait(false);
        using var ca = await EmbeddedCaFile.WriteAsync(server, ct).ConfigureAwait(false);
        var caFile = ca.Path;
        try
        {
            await stdout.WriteLineAsync($"embedded SMTP server listening on {server.Address} (Ctrl-C stops it)").ConfigureAwait(false);
            await stdout.WriteLineAsync($"  plain + STARTTLS : {server.MxPort}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"  submission       : {server.SubmissionPort} (STARTTLS required before AUTH/MAIL)").ConfigureAwait(false);
            await stdout.WriteLineAsync($"  implicit TLS     : {server.SmtpsPort}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"  CA certificate   : {caFile}").ConfigureAwait(false);
            // A fixed demo credential of a throwaway loopback server: printing it is what makes the line below usable.
            await stdout.WriteLineAsync($"  user / password  : {server.Username} / {options.Password}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"try: SMTP_PASSWORD={options.Password} smtp-probe run --var SMTP_HOST={server.Address} --var SMTP_PORT={server.MxPort} --var SUBMISSION_PORT={server.SubmissionPort} --var SMTPS_PORT={server.SmtpsPort} --var SMTP_CA_FILE={caFile} --var SMTP_USER={server.Username} samples/").ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: the normal way to stop serving.
        }
        return 0;
    }
}
