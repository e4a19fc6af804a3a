using SmtpProbe.Core.Results;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Reports.Tests;

/// <summary>Realistic, fully fixed results (no clocks, no machine names) so every report is byte-stable.</summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset RunStart = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public const string StarttlsFile = "samples/mx-starttls.yaml";
    public const string RelayFile = "samples/open-relay.yaml";

    public const string RelayFailure =
        "failure: relay to a foreign domain was accepted\n" +
        " --> samples/open-relay.yaml:14:15\n" +
        "   |\n" +
        "13 |   - rcpt_to: \"<someone@foreign.example>\"\n" +
        "14 |     expect: { code: 550 }\n" +
        "   |               ^^^^^^^^^ expected reply code 550, got 250\n" +
        "   |\n" +
        "   = server replied: 250 2.1.5 Ok";

    public const string ImplicitTlsTimeout =
        "error: timed out after 10000 ms waiting for the TLS handshake\n" +
        " --> samples/mx-starttls.yaml:25:5\n" +
        "   |\n" +
        "25 |     tls: implicit\n" +
        "   |     ^^^^^^^^^^^^^ no handshake within 10 s";

    /// <summary>
    /// Two files, three scenarios: a passing STARTTLS delivery check, an implicit-TLS check that times out,
    /// and an open-relay check whose RCPT step gets 250 instead of 550.
    /// </summary>
    public static RunResult Sample() => new(
        [
            new FileResult(StarttlsFile, [StarttlsPassed(), ImplicitTlsTimedOut()], RunStart.AddMilliseconds(2), TimeSpan.FromMilliseconds(10030.6)),
            new FileResult(RelayFile, [RelayFailed()], RunStart.AddMilliseconds(10040), TimeSpan.FromMilliseconds(12.4)),
        ],
        RunStart,
        TimeSpan.FromMilliseconds(10412.2));

    /// <summary>The sample plus a skipped scenario, in its own file.</summary>
    public static RunResult WithSkipped()
    {
        var sample = Sample();
        var skipped = new ScenarioResult(
            "AUTH PLAIN is refused before STARTTLS", "samples/auth.yaml", Span("samples/auth.yaml", 3, 5),
            Outcome.Skipped, ErrorKind.None, null, [], null, [], [], RunStart.AddSeconds(11), TimeSpan.Zero);
        return sample with
        {
            Files = [.. sample.Files, new FileResult("samples/auth.yaml", [skipped], RunStart.AddSeconds(11), TimeSpan.Zero)],
        };
    }

    /// <summary>
    /// A scenario whose server-supplied text is as bad as it gets: NUL, an ANSI escape, a lone surrogate,
    /// 8-bit characters, a non-character and an astral character, everywhere text can appear.
    /// </summary>
    public static RunResult Hostile(string evil)
    {
        var span = Span("samples/evil" + evil + ".yaml", 1, 1);
        var reply = new Reply(250, "2.0.0", ["mx" + evil, "SIZE 1000"]);
        var step = new StepResult(0, "ehlo" + evil, span, "EHLO " + evil, [reply],
            [new CheckResult("text matches /" + evil + "/", evil, false)],
            Outcome.Failed, ErrorKind.None, "failure: " + evil + "\n   = server replied: 250 " + evil, TimeSpan.FromMilliseconds(3));
        var tls = new TlsFacts("TLSv1.3" + evil, "TLS_AES_128_GCM_SHA256" + evil, true, "mx" + evil, false, "untrusted root: " + evil, true,
            [new CertificateFacts("CN=" + evil, "CN=Evil CA " + evil, ["DNS:" + evil], RunStart.AddDays(-1), RunStart.AddDays(1), "00:" + evil)]);
        var scenario = new ScenarioResult(
            "hostile " + evil, "samples/evil" + evil + ".yaml", span, Outcome.Failed, ErrorKind.None,
            "failure: reply text " + evil + "\n --> samples/evil.yaml:1:1\n   = server replied: 250 " + evil,
            [step],
            new ConnectionFacts("mx" + evil, 25, "203.0.113.25:25" + evil, null, "starttls"),
            [tls],
            ["S: 220 " + evil, "C: EHLO " + evil, "* note " + evil],
            RunStart, TimeSpan.FromMilliseconds(5));
        var errored = scenario with { Name = "errored " + evil, Outcome = Outcome.Error, ErrorKind = ErrorKind.Protocol, Message = "error: " + evil };
        return new RunResult([new FileResult("samples/evil" + evil + ".yaml", [scenario, errored], RunStart, TimeSpan.FromMilliseconds(9))], RunStart, TimeSpan.FromMilliseconds(9));
    }

    /// <summary>NUL, ESC + a colour sequence, a lone high and a lone low surrogate, 8-bit and C1 characters, U+FFFE, U+FFFD, a surrogate pair, '&lt;' and a bell.</summary>
    public const string Evil = "a\0b \u001b[31mred\u001b[0m \uD800x\uDC00 caf\u00e9 \u00ff\u0085 \uFFFE \uFFFD \U0001D11E <x@y>&\a";

    private static ScenarioResult StarttlsPassed()
    {
        const string f = StarttlsFile;
        var start = RunStart.AddMilliseconds(2);
        var ehlo1 = new Reply(250, null, ["mx.example.net", "PIPELINING", "SIZE 52428800", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME"]);
        var ehlo2 = new Reply(250, null, ["mx.example.net", "PIPELINING", "SIZE 52428800", "ENHANCEDSTATUSCODES", "8BITMIME"]);
        StepResult[] steps =
        [
            Step(0, "banner", f, 8, 5, null, [new Reply(220, null, ["mx.example.net ESMTP Postfix"])], [Check("code 220", "220")], 2.1),
            Step(1, "ehlo", f, 9, 5, "EHLO probe.example.org", [ehlo1], [Check("code 250", "250"), Check("EHLO has STARTTLS", "STARTTLS")], 1.2),
            Step(2, "starttls", f, 11, 5, "STARTTLS", [new Reply(220, "2.0.0", ["2.0.0 Ready to start TLS"])],
                [Check("code 220", "220"), Check("TLS protocol at least TLSv1.2", "TLSv1.3"), Check("certificate verified", "verified")], 14.6),
            Step(3, "ehlo", f, 14, 5, "EHLO probe.example.org", [ehlo2], [Check("code 250", "250")], 1.1),
            Step(4, "mail_from", f, 15, 5, "MAIL FROM:<probe@example.org>", [new Reply(250, "2.1.0", ["2.1.0 Ok"])], [Check("code 250", "250")], 0.9),
            Step(5, "rcpt_to", f, 16, 5, "RCPT TO:<postmaster@example.net>", [new Reply(250, "2.1.5", ["2.1.5 Ok"])], [Check("code 250", "250")], 1.4),
            Step(6, "quit", f, 18, 5, "QUIT", [new Reply(221, "2.0.0", ["2.0.0 Bye"])], [], 0.6),
        ];
        var tls = new TlsFacts(
            "TLSv1.3", "TLS_AES_256_GCM_SHA384", true, "mx.example.net", true, null, false,
            [
                new CertificateFacts("CN=mx.example.net", "CN=R11, O=Let's Encrypt, C=US", ["DNS:mx.example.net", "DNS:smtp.example.net"],
                    new DateTimeOffset(2025, 2, 1, 4, 12, 0, TimeSpan.Zero), new DateTimeOffset(2025, 5, 2, 4, 11, 59, TimeSpan.Zero),
                    "3F:2A:91:0C:5E:77:B4:18:C2:6D:0A:9E:41:F3:88:27:BC:56:13:E0:9A:44:7D:21:68:CE:05:F1:3B:92:D7:4A"),
                new CertificateFacts("CN=R11, O=Let's Encrypt, C=US", "CN=ISRG Root X1, O=Internet Security Research Group, C=US", [],
                    new DateTimeOffset(2024, 3, 13, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 12, 23, 59, 59, TimeSpan.Zero),
                    "59:1E:9C:E6:C8:63:D3:A0:79:E9:FA:BE:17:76:CD:49:2E:0D:CF:73:8D:5E:2C:76:11:94:3A:C2:B3:6A:D1:F7"),
            ]);
        string[] transcript =
        [
            "* connected to mx.example.net:25 (203.0.113.25:25)",
            "S: 220 mx.example.net ESMTP Postfix",
            "C: EHLO probe.example.org",
            "S: 250-mx.example.net",
            "S: 250-PIPELINING",
            "S: 250-SIZE 52428800",
            "S: 250-STARTTLS",
            "S: 250-ENHANCEDSTATUSCODES",
            "S: 250 8BITMIME",
            "C: STARTTLS",
            "S: 220 2.0.0 Ready to start TLS",
            "* TLS established: TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified for mx.example.net",
            "C: EHLO probe.example.org",
            "S: 250-mx.example.net",
            "S: 250-PIPELINING",
            "S: 250-SIZE 52428800",
            "S: 250-ENHANCEDSTATUSCODES",
            "S: 250 8BITMIME",
            "C: MAIL FROM:<probe@example.org>",
            "S: 250 2.1.0 Ok",
            "C: RCPT TO:<postmaster@example.net>",
            "S: 250 2.1.5 Ok",
            "C: QUIT",
            "S: 221 2.0.0 Bye",
        ];
        return new ScenarioResult(
            "MX accepts mail for its domain over STARTTLS", f, Span(f, 3, 5), Outcome.Passed, ErrorKind.None, null, steps,
            new ConnectionFacts("mx.example.net", 25, "203.0.113.25:25", "198.51.100.7:50412", "starttls"),
            [tls], transcript, start, TimeSpan.FromMilliseconds(23.4));
    }

    private static ScenarioResult ImplicitTlsTimedOut()
    {
        const string f = StarttlsFile;
        StepResult[] steps =
        [
            new StepResult(0, "banner", Span(f, 25, 5), null, [], [], Outcome.Error, ErrorKind.Timeout, ImplicitTlsTimeout, TimeSpan.FromMilliseconds(10000.2)),
        ];
        return new ScenarioResult(
            "implicit TLS on 465", f, Span(f, 21, 5), Outcome.Error, ErrorKind.Timeout, ImplicitTlsTimeout, steps,
            new ConnectionFacts("mx.example.net", 465, "203.0.113.25:465", "198.51.100.7:50413", "implicit"),
            [],
            ["* connected to mx.example.net:465 (203.0.113.25:465)", "* TLS handshake timed out after 10000 ms"],
            RunStart.AddMilliseconds(30), TimeSpan.FromMilliseconds(10003));
    }

    private static ScenarioResult RelayFailed()
    {
        const string f = RelayFile;
        StepResult[] steps =
        [
            Step(0, "banner", f, 8, 5, null, [new Reply(220, null, ["mx.example.net ESMTP Postfix"])], [Check("code 220", "220")], 1.9),
            Step(1, "ehlo", f, 9, 5, "EHLO probe.example.org", [new Reply(250, null, ["mx.example.net", "PIPELINING", "8BITMIME"])], [Check("code 250", "250")], 1.0),
            Step(2, "mail_from", f, 11, 5, "MAIL FROM:<probe@example.org>", [new Reply(250, "2.1.0", ["2.1.0 Ok"])], [Check("code 250", "250")], 0.8),
            new StepResult(3, "rcpt_to", Span(f, 13, 5), "RCPT TO:<someone@foreign.example>", [new Reply(250, "2.1.5", ["2.1.5 Ok"])],
                [new CheckResult("code 550", "250", false)], Outcome.Failed, ErrorKind.None, RelayFailure, TimeSpan.FromMilliseconds(1.3)),
        ];
        string[] transcript =
        [
            "* connected to mx.example.net:25 (203.0.113.25:25)",
            "S: 220 mx.example.net ESMTP Postfix",
            "C: EHLO probe.example.org",
            "S: 250-mx.example.net",
            "S: 250-PIPELINING",
            "S: 250 8BITMIME",
            "C: MAIL FROM:<probe@example.org>",
            "S: 250 2.1.0 Ok",
            "C: RCPT TO:<someone@foreign.example>",
            "S: 250 2.1.5 Ok",
            "C: QUIT",
            "S: 221 2.0.0 Bye",
        ];
        return new ScenarioResult(
            "relay to a foreign domain is refused", f, Span(f, 3, 5), Outcome.Failed, ErrorKind.None, RelayFailure, steps,
            new ConnectionFacts("mx.example.net", 25, "203.0.113.25:25", "198.51.100.7:50414", "none"),
            [], transcript, RunStart.AddMilliseconds(10040), TimeSpan.FromMilliseconds(12));
    }

    private static StepResult Step(int index, string kind, string file, int line, int column, string? sent, Reply[] replies, CheckResult[] checks, double ms) =>
        new(index, kind, Span(file, line, column), sent, replies, checks, Outcome.Passed, ErrorKind.None, null, TimeSpan.FromMilliseconds(ms));

    private static CheckResult Check(string expected, string actual) => new(expected, actual, true);

    private static SourceSpan Span(string file, int line, int column) =>
        new(file, new SourcePosition(line, column), new SourcePosition(line, column + 1));
}
