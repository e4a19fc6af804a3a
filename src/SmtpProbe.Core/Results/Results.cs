using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Results;

/// <summary>How a step or scenario ended. Failed = an expectation did not hold; Error = the probe could not finish (connect, timeout, TLS, protocol).</summary>
public enum Outcome
{
    Passed,
    Failed,
    Error,
    Skipped,
}

/// <summary>Why a scenario errored; drives the JUnit error type and the console wording.</summary>
public enum ErrorKind
{
    None,
    Connect,
    Timeout,
    Tls,
    Protocol,
    Auth,
    Usage,
    Internal,
}

/// <summary>The whole run: every file, in the stable order they were run.</summary>
public sealed record RunResult(
    IReadOnlyList<FileResult> Files,
    DateTimeOffset StartedAt,
    TimeSpan Duration)
{
    public IEnumerable<ScenarioResult> Scenarios => Files.SelectMany(f => f.Scenarios);
}

/// <summary>One scenario file: a JUnit testsuite.</summary>
public sealed record FileResult(
    string Path,
    IReadOnlyList<ScenarioResult> Scenarios,
    DateTimeOffset StartedAt,
    TimeSpan Duration);

/// <summary>One scenario: a JUnit testcase. All text in it is already redacted.</summary>
public sealed record ScenarioResult(
    string Name,
    string File,
    SourceSpan? Span,
    Outcome Outcome,
    ErrorKind ErrorKind,
    /// <summary>The diagnostic for the first failing/erroring step, rendered exactly as the console prints it; null when passed.</summary>
    string? Message,
    IReadOnlyList<StepResult> Steps,
    ConnectionFacts? Connection,
    IReadOnlyList<TlsFacts> Tls,
    /// <summary>Redacted transcript lines: "C: ...", "S: ...", "* ..." (events such as TLS start).</summary>
    IReadOnlyList<string> Transcript,
    DateTimeOffset StartedAt,
    TimeSpan Duration)
{
    /// <summary>Things a passing scenario should still tell: relaxed certificate verification that found problems, skipped optional AUTH.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>One step of a scenario (EHLO, MAIL FROM, ...).</summary>
public sealed record StepResult(
    int Index,
    /// <summary>Step kind as written in YAML: banner, ehlo, starttls, auth, mail_from, ...</summary>
    string Kind,
    SourceSpan? Span,
    /// <summary>The command line(s) as sent, redacted; null for banner.</summary>
    string? Sent,
    /// <summary>Every reply read for this step, in order (DATA has two: 354 then the final one).</summary>
    IReadOnlyList<Reply> Replies,
    /// <summary>Each check made, with what was expected and what was seen.</summary>
    IReadOnlyList<CheckResult> Checks,
    Outcome Outcome,
    ErrorKind ErrorKind,
    string? Message,
    TimeSpan Duration);

/// <summary>A parsed server reply (RFC 5321 §4.2): one code, optional enhanced status code (RFC 3463), the text of every line.</summary>
public sealed record Reply(int Code, string? EnhancedCode, IReadOnlyList<string> Lines)
{
    /// <summary>The reply as the server sent it, one "250-..."/"250 ..." line per entry.</summary>
    public IEnumerable<string> RawLines => Lines.Select((l, i) => $"{Code}{(i == Lines.Count - 1 ? ' ' : '-')}{l}");
}

/// <summary>One expectation checked against a reply or TLS facts.</summary>
public sealed record CheckResult(
    /// <summary>What was expected, e.g. "code 250", "text matches /queued/", "EHLO has STARTTLS".</summary>
    string Expected,
    /// <summary>What was seen, e.g. "550".</summary>
    string Actual,
    bool Passed);

/// <summary>Where the probe connected from and to.</summary>
public sealed record ConnectionFacts(
    string Host,
    int Port,
    string? RemoteEndPoint,
    string? LocalEndPoint,
    /// <summary>none | starttls | implicit</summary>
    string TlsMode);

/// <summary>Facts about one TLS session, recorded on STARTTLS or implicit TLS.</summary>
public sealed record TlsFacts(
    string Protocol,
    string CipherSuite,
    bool ForwardSecrecy,
    string? TargetHost,
    bool CertificateVerified,
    /// <summary>Plain-words reason when verification failed (expired, wrong host, untrusted root, ...).</summary>
    string? VerificationError,
    /// <summary>True when the scenario relaxed verification (insecure: true); the facts are still reported.</summary>
    bool VerificationRelaxed,
    IReadOnlyList<CertificateFacts> Chain);

public sealed record CertificateFacts(
    string Subject,
    string Issuer,
    IReadOnlyList<string> SubjectAlternativeNames,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Sha256Fingerprint)
{
    /// <summary>SHA-256 of the SubjectPublicKeyInfo, base64: the value a `spki-sha256:` pin names.</summary>
    public string? SpkiSha256 { get; init; }
}
