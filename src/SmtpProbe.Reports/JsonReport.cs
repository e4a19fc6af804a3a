using System.Text.Encodings.Web;
using System.Text.Json;
using SmtpProbe.Core.Results;

namespace SmtpProbe.Reports;

/// <summary>
/// The machine-readable report, described by schemas/report.schema.json. Written field by field with
/// Utf8JsonWriter (Native AOT: no reflection serializer), in a fixed key order so reports diff cleanly.
/// </summary>
public static class JsonReport
{
    /// <summary>Bump when the shape changes incompatibly; the schema pins it with a const.</summary>
    public const int SchemaVersion = 1;

    public static void Write(RunResult run, Stream output)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(output);

        var options = new JsonWriterOptions
        {
            Indented = true,
            NewLine = "\n",
            // Not HTML: keep "<user@example.org>" and non-ASCII readable; controls are still escaped.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        using (var json = new Utf8JsonWriter(output, options))
        {
            json.WriteStartObject();
            json.WriteString("tool", "smtp-probe");
            json.WriteNumber("schemaVersion", SchemaVersion);
            json.WriteString("startedAt", ReportText.IsoUtc(run.StartedAt));
            json.WriteNumber("durationMs", ReportText.WholeMilliseconds(run.Duration));
            WriteSummary(json, run);
            json.WriteStartArray("files");
            foreach (var file in run.Files)
            {
                json.WriteStartObject();
                Str(json, "path", file.Path);
                json.WriteStartArray("scenarios");
                foreach (var scenario in file.Scenarios)
                {
                    WriteScenario(json, scenario);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        // POSIX text files end with a newline; Utf8JsonWriter does not add one.
        output.Write("\n"u8);
        output.Flush();
    }

    private static void WriteSummary(Utf8JsonWriter json, RunResult run)
    {
        var (passed, failed, errors, skipped) = ReportText.Count(run.Scenarios);
        var total = passed + failed + errors + skipped;
        json.WriteStartObject("summary");
        json.WriteNumber("scenarios", total);
        json.WriteNumber("passed", passed);
        json.WriteNumber("failed", failed);
        json.WriteNumber("errors", errors);
        json.WriteNumber("skipped", skipped);
        json.WriteEndObject();
    }

    private static void WriteScenario(Utf8JsonWriter json, ScenarioResult s)
    {
        json.WriteStartObject();
        Str(json, "name", s.Name);
        Str(json, "file", s.File);
        WritePosition(json, s.Span);
        json.WriteString("outcome", ReportText.OutcomeName(s.Outcome));
        Str(json, "errorKind", ReportText.ErrorKindName(s.ErrorKind));
        Str(json, "message", s.Message);
        StrArray(json, "warnings", s.Warnings);
        json.WriteNumber("durationMs", ReportText.WholeMilliseconds(s.Duration));

        if (s.Connection is { } c)
        {
            json.WriteStartObject("connection");
            Str(json, "host", c.Host);
            json.WriteNumber("port", c.Port);
            Str(json, "remoteEndPoint", c.RemoteEndPoint);
            Str(json, "localEndPoint", c.LocalEndPoint);
            Str(json, "tlsMode", c.TlsMode);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("connection");
        }

        json.WriteStartArray("tls");
        foreach (var tls in s.Tls)
        {
            WriteTls(json, tls);
        }
        json.WriteEndArray();

        json.WriteStartArray("steps");
        foreach (var step in s.Steps)
        {
            WriteStep(json, step);
        }
        json.WriteEndArray();

        StrArray(json, "transcript", s.Transcript);
        json.WriteEndObject();
    }

    private static void WriteTls(Utf8JsonWriter json, TlsFacts tls)
    {
        json.WriteStartObject();
        Str(json, "protocol", tls.Protocol);
        Str(json, "cipherSuite", tls.CipherSuite);
        json.WriteBoolean("forwardSecrecy", tls.ForwardSecrecy);
        Str(json, "targetHost", tls.TargetHost);
        json.WriteBoolean("certificateVerified", tls.CertificateVerified);
        Str(json, "verificationError", tls.VerificationError);
        json.WriteBoolean("verificationRelaxed", tls.VerificationRelaxed);
        json.WriteStartArray("chain");
        foreach (var cert in tls.Chain)
        {
            json.WriteStartObject();
            Str(json, "subject", cert.Subject);
            Str(json, "issuer", cert.Issuer);
            StrArray(json, "subjectAltNames", cert.SubjectAlternativeNames);
            json.WriteString("notBefore", ReportText.IsoUtc(cert.NotBefore));
            json.WriteString("notAfter", ReportText.IsoUtc(cert.NotAfter));
            Str(json, "sha256", cert.Sha256Fingerprint);
            Str(json, "spkiSha256", cert.SpkiSha256);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteStep(Utf8JsonWriter json, StepResult step)
    {
        json.WriteStartObject();
        json.WriteNumber("index", step.Index);
        Str(json, "kind", step.Kind);
        WritePosition(json, step.Span);
        Str(json, "sent", step.Sent);
        json.WriteStartArray("replies");
        foreach (var reply in step.Replies)
        {
            json.WriteStartObject();
            json.WriteNumber("code", reply.Code);
            Str(json, "enhancedCode", reply.EnhancedCode);
            StrArray(json, "lines", reply.Lines);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("checks");
        foreach (var check in step.Checks)
        {
            json.WriteStartObject();
            Str(json, "expected", check.Expected);
            Str(json, "actual", check.Actual);
            json.WriteBoolean("passed", check.Passed);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("outcome", ReportText.OutcomeName(step.Outcome));
        Str(json, "errorKind", ReportText.ErrorKindName(step.ErrorKind));
        Str(json, "message", step.Message);
        json.WriteNumber("durationMs", ReportText.WholeMilliseconds(step.Duration));
        json.WriteEndObject();
    }

    private static void WritePosition(Utf8JsonWriter json, Core.Text.SourceSpan? span)
    {
        if (span is null)
        {
            json.WriteNull("line");
            json.WriteNull("column");
            return;
        }
        json.WriteNumber("line", span.Start.Line);
        json.WriteNumber("column", span.Start.Column);
    }

    /// <summary>Every string from the model goes through here: lone surrogates would make Utf8JsonWriter throw.</summary>
    private static void Str(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, ReportText.ForJson(value));
        }
    }

    private static void StrArray(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(ReportText.ForJson(value));
        }
        json.WriteEndArray();
    }
}
