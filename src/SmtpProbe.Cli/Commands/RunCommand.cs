using SmtpProbe.Core.Evaluation;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Results;
using SmtpProbe.Reports;
using SmtpProbe.Smtp.Embedded;
using SmtpProbe.Smtp.Running;

namespace SmtpProbe.Cli.Commands;

/// <summary>`run`: load and validate everything first (exit 2 before any socket), then run, then report.</summary>
internal sealed class RunCommand(TextWriter stdout, TextWriter stderr, Func<string, string?> environment, TimeProvider time)
{
    public sealed record Options(string[] Paths, string[] Vars, string? JUnit, string? Json, bool Verbose, bool NoColor, bool Embedded);

    public async Task<int> ExecuteAsync(Options options, CancellationToken ct)
    {
        var vars = VariableArguments.Parse(options.Vars, stderr);
        if (vars is null)
        {
            return ExitCodes.InvalidInput;
        }
        // Usage first: a report that cannot be written is known before any server starts or socket opens.
        if (CheckReportPath(options.JUnit, "JUnit", stderr) is false || CheckReportPath(options.Json, "JSON", stderr) is false)
        {
            return ExitCodes.InvalidInput;
        }
        EmbeddedSmtpServer? server = null;
        EmbeddedCaFile? caFile = null;
        var env = environment;
        try
        {
            if (options.Embedded)
            {
                var serverOptions = new EmbeddedServerOptions(Time: time);
                server = await EmbeddedSmtpServer.StartAsync(serverOptions, ct).ConfigureAwait(false);
                caFile = await EmbeddedCaFile.WriteAsync(server, ct).ConfigureAwait(false);
                foreach (var (k, v) in EmbeddedVariables(server, caFile.Path))
                {
                    vars.TryAdd(k, v);
                }
                // The demo password is offered as the environment variable the samples read (${env:SMTP_PASSWORD}).
                env = name => environment(name) ?? (name == "SMTP_PASSWORD" ? serverOptions.Password : null);
                await stderr.WriteLineAsync($"embedded SMTP server on {server.Address}: plain/STARTTLS {server.MxPort}, submission {server.SubmissionPort}, implicit TLS {server.SmtpsPort}").ConfigureAwait(false);
            }

            var loaded = ScenarioLoader.Load(options.Paths, new Variables(vars, env));
            if (ValidateCommand.Report(loaded, stderr))
            {
                return ExitCodes.InvalidInput;
            }

            SmtpProbe.Smtp.Tls.SystemTrustStore.SkipWhenUnused(loaded.Files.SelectMany(f => f.Scenarios).Select(s => s.Tls));

            // With --json - the JSON owns standard output; the human summary moves to standard error.
            var console = options.Json == "-" ? stderr : stdout;
            Action<string>? live = options.Verbose ? line => stderr.WriteLine(ConsoleReport.TranscriptLine(line)) : null;
            var runner = new ScenarioRunner(time, live);
            var run = await ProbeRun.RunAsync(loaded.Files, runner, time, ct).ConfigureAwait(false);

            var color = !options.NoColor && string.IsNullOrEmpty(environment("NO_COLOR")) && ReferenceEquals(console, Console.Out) && !Console.IsOutputRedirected;
            ConsoleReport.Write(run, console, new ConsoleStyle(color));
            try
            {
                WriteReports(run, options, stdout);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The run happened, but a pipeline reading the report would see nothing: never green.
                await stderr.WriteLineAsync($"error: could not write a report: {e.Message}").ConfigureAwait(false);
                return ExitCodes.RuntimeError;
            }
            return ExitCodes.For(run);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            caFile?.Dispose();
        }
    }

    /// <summary>
    /// A report that cannot be written must be known before any socket opens: create its folder and a
    /// probe file now. Returns false (and prints why) when the path is unusable.
    /// </summary>
    private static bool CheckReportPath(string? path, string what, TextWriter stderr)
    {
        if (path is null || path == "-")
        {
            return true;
        }
        if (path.Trim().Length == 0)
        {
            stderr.WriteLine($"error: the {what} report path is empty");
            stderr.WriteLine($"   = hint: give a file name, e.g. `--{what.ToLowerInvariant()} reports/smtp-probe.{(what == "JSON" ? "json" : "xml")}` (is a variable in your CI script unset?)");
            return false;
        }
        try
        {
            if (Directory.Exists(path))
            {
                throw new IOException($"{path} is a folder");
            }
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".smtp-probe-write-check-{Environment.ProcessId}");
            try
            {
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot create files in {folder}", e);
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"error: cannot write the {what} report to {path}: {e.Message}");
            stderr.WriteLine("   = hint: choose a file in a folder you can write to; nothing was sent");
            return false;
        }
    }

    /// <summary>The samples' variables pointed at the embedded server (the password goes through the environment).</summary>
    private static Dictionary<string, string> EmbeddedVariables(EmbeddedSmtpServer server, string caFile) => new(StringComparer.Ordinal)
    {
        ["SMTP_HOST"] = server.Address.ToString(),
        ["SMTP_PORT"] = server.MxPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["SUBMISSION_PORT"] = server.SubmissionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["SMTPS_PORT"] = server.SmtpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["SMTP_CA_FILE"] = caFile,
        ["SMTP_USER"] = server.Username,
        ["SMTP_DOMAIN"] = "example.test",
    };

    private static void WriteReports(RunResult run, Options options, TextWriter stdout)
    {
        if (options.JUnit is { } junit)
        {
            AtomicFile.Write(junit, s => JUnitReport.Write(run, s));
        }
        if (options.Json is "-")
        {
            using var buffer = new MemoryStream();
            JsonReport.Write(run, buffer);
            stdout.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            stdout.WriteLine();
        }
        else if (options.Json is { } json)
        {
            AtomicFile.Write(json, s => JsonReport.Write(run, s));
        }
    }
}
