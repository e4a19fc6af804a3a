using System.Globalization;
using System.Text;
using System.Xml;
using SmtpProbe.Core.Results;

namespace SmtpProbe.Reports;

/// <summary>
/// JUnit XML in the strict Ant schema (JUnit.xsd), which Jenkins, GitLab and most CI systems accept.
/// One testsuite per scenario file, one testcase per scenario.
/// </summary>
/// <remarks>
/// Shape forced by the XSD: &lt;testsuites&gt; takes no attributes; every testsuite needs &lt;properties&gt;,
/// &lt;system-out&gt; and &lt;system-err&gt; (in that order around the testcases); a testcase holds at most one of
/// skipped/error/failure and cannot have its own system-out, so transcripts go in the suite's system-out, grouped by scenario.
/// </remarks>
public static class JUnitReport
{
    public static void Write(RunResult run, Stream output, string hostname = "localhost")
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(output);
        // The XSD requires a non-empty token; 'localhost' is what it documents for "unknown".
        hostname = string.IsNullOrWhiteSpace(hostname) ? "localhost" : hostname;

        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            // Replace: text keeps real newlines (multi-line diagnostics stay readable), attributes get &#xA; so they survive parsing.
            NewLineHandling = NewLineHandling.Replace,
            CloseOutput = false,
        };
        using (var xml = XmlWriter.Create(output, settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("testsuites");
            for (var i = 0; i < run.Files.Count; i++)
            {
                WriteSuite(xml, run.Files[i], i, hostname);
            }
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        // POSIX text files end with a newline; XmlWriter does not add one.
        output.Write("\n"u8);
        output.Flush();
    }

    private static void WriteSuite(XmlWriter xml, FileResult file, int id, string hostname)
    {
        var (_, failures, errors, skipped) = ReportText.Count(file.Scenarios);

        xml.WriteStartElement("testsuite");
        // The suite name must be a non-empty token.
        xml.WriteAttributeString("name", string.IsNullOrWhiteSpace(file.Path) ? "(unnamed)" : Xml(file.Path));
        xml.WriteAttributeString("package", "smtp-probe");
        xml.WriteAttributeString("id", id.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("hostname", Xml(hostname));
        // The XSD pattern forbids a zone designator, so the value is UTC by convention.
        xml.WriteAttributeString("timestamp", file.StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        xml.WriteAttributeString("tests", file.Scenarios.Count.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("failures", failures.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("errors", errors.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("skipped", skipped.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("time", ReportText.Seconds(file.Duration, 3));

        // Required by the XSD; run facts vary per scenario (host, TLS), so they live in system-out instead.
        xml.WriteStartElement("properties");
        xml.WriteEndElement();

        var classname = ClassName(file.Path);
        foreach (var scenario in file.Scenarios)
        {
            WriteCase(xml, scenario, classname);
        }

        xml.WriteStartElement("system-out");
        xml.WriteString(Xml(SystemOut(file)));
        xml.WriteEndElement();
        xml.WriteStartElement("system-err");
        xml.WriteEndElement();

        xml.WriteEndElement();
    }

    private static void WriteCase(XmlWriter xml, ScenarioResult scenario, string classname)
    {
        xml.WriteStartElement("testcase");
        xml.WriteAttributeString("name", Xml(scenario.Name));
        xml.WriteAttributeString("classname", classname);
        xml.WriteAttributeString("time", ReportText.Seconds(scenario.Duration, 3));
        switch (scenario.Outcome)
        {
            case Outcome.Failed:
                WriteProblem(xml, "failure", scenario.Message, "scenario failed", "assertion");
                break;
            case Outcome.Error:
                WriteProblem(xml, "error", scenario.Message, "scenario errored", ReportText.ErrorKindName(scenario.ErrorKind) ?? "error");
                break;
            case Outcome.Skipped:
                xml.WriteStartElement("skipped");
                xml.WriteEndElement();
                break;
        }
        xml.WriteEndElement();
    }

    private static void WriteProblem(XmlWriter xml, string element, string? message, string fallback, string type)
    {
        xml.WriteStartElement(element);
        xml.WriteAttributeString("message", Xml(string.IsNullOrEmpty(message) ? fallback : ReportText.FirstLine(message)));
        xml.WriteAttributeString("type", type);
        if (!string.IsNullOrEmpty(message))
        {
            xml.WriteString(Xml(message));
        }
        xml.WriteEndElement();
    }

    /// <summary>"samples/open-relay.yaml" → "samples.open-relay": CI UIs group testcases by the dotted classname.</summary>
    internal static string ClassName(string path)
    {
        var p = path.Replace('\\', '/');
        var slash = p.LastIndexOf('/');
        var dot = p.LastIndexOf('.');
        if (dot > slash + 1)
        {
            p = p[..dot];
        }
        // Leading "./" or "../" would become leading dots, which CI UIs render as empty package segments.
        var name = p.Replace('/', '.').TrimStart('.');
        return name.Length == 0 ? "smtp-probe" : Xml(name);
    }

    /// <summary>Per-scenario connection, TLS facts and transcript, one block per scenario.</summary>
    internal static string SystemOut(FileResult file)
    {
        var sb = new StringBuilder();
        foreach (var s in file.Scenarios)
        {
            if (sb.Length > 0)
            {
                sb.Append('\n');
            }
            sb.Append("=== ").Append(s.Name).Append(" [").Append(ReportText.OutcomeName(s.Outcome))
              .Append(", ").Append(ConsoleReport.FormatDuration(s.Duration)).Append("]\n");
            if (s.Connection is { } c)
            {
                sb.Append("connection: ").Append(c.Host).Append(':').Append(c.Port.ToString(CultureInfo.InvariantCulture))
                  .Append(", tls ").Append(c.TlsMode);
                if (c.RemoteEndPoint is not null)
                {
                    sb.Append(", remote ").Append(c.RemoteEndPoint);
                }
                if (c.LocalEndPoint is not null)
                {
                    sb.Append(", local ").Append(c.LocalEndPoint);
                }
                sb.Append('\n');
            }
            foreach (var tls in s.Tls)
            {
                AppendTls(sb, tls);
            }
            foreach (var warning in s.Warnings)
            {
                sb.Append("warning: ").Append(warning).Append('\n');
            }
            if (s.Transcript.Count > 0)
            {
                sb.Append("transcript:\n");
                foreach (var line in s.Transcript)
                {
                    sb.Append(line).Append('\n');
                }
            }
        }
        return sb.ToString();
    }

    private static void AppendTls(StringBuilder sb, TlsFacts tls)
    {
        sb.Append("tls: ").Append(tls.Protocol).Append(' ').Append(tls.CipherSuite)
          .Append(", forward secrecy ").Append(tls.ForwardSecrecy ? "yes" : "no");
        if (tls.TargetHost is not null)
        {
            sb.Append(", host ").Append(tls.TargetHost);
        }
        sb.Append(tls.CertificateVerified ? ", certificate verified" : ", certificate NOT verified");
        if (tls.VerificationError is not null)
        {
            sb.Append(" (").Append(tls.VerificationError).Append(')');
        }
        if (tls.VerificationRelaxed)
        {
            sb.Append(", verification relaxed (insecure)");
        }
        sb.Append('\n');
        for (var i = 0; i < tls.Chain.Count; i++)
        {
            var cert = tls.Chain[i];
            sb.Append("  cert ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(cert.Subject)
              .Append("; issuer ").Append(cert.Issuer);
            if (cert.SubjectAlternativeNames.Count > 0)
            {
                sb.Append("; san ").AppendJoin(", ", cert.SubjectAlternativeNames);
            }
            sb.Append("; valid ").Append(ReportText.IsoUtc(cert.NotBefore)).Append(" to ").Append(ReportText.IsoUtc(cert.NotAfter))
              .Append("; sha256 ").Append(cert.Sha256Fingerprint).Append('\n');
        }
    }

    private static string Xml(string text) => ReportText.ForXml(text);
}
