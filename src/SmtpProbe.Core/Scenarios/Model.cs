using System.Net;
using System.Text.RegularExpressions;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Scenarios;

/// <summary>One scenario file after binding: every scenario in it, fully validated and resolved.</summary>
public sealed record ScenarioFile(string Path, SourceText Source, IReadOnlyList<Scenario> Scenarios);

/// <summary>A scenario: where to connect, how to secure it, and the ordered steps. Immutable; results reference it.</summary>
public sealed record Scenario(
    string Name,
    SourceSpan Span,
    ServerSpec Server,
    TlsSpec Tls,
    AuthSpec? Auth,
    string HeloName,
    IReadOnlyList<Step> Steps,
    /// <summary>True when the file gave no steps and the standard transaction was generated.</summary>
    bool StandardTransaction)
{
    /// <summary>Every secret value this scenario uses; the redactor removes each of them (and their encodings) from output.</summary>
    public IReadOnlyList<Secret> Secrets { get; init; } = [];
}

public enum AddressFamilyPreference
{
    Any,
    IPv4,
    IPv6,
}

public sealed record ServerSpec(
    string Host,
    int Port,
    IPAddress? Bind,
    AddressFamilyPreference Family,
    TimeSpan ConnectTimeout,
    TimeSpan CommandTimeout,
    /// <summary>Extra connection attempts after a refused/failed connect (never retries a started SMTP dialogue).</summary>
    int ConnectRetries,
    TimeSpan RetryDelay);

public enum TlsMode
{
    None,
    StartTls,
    Implicit,
}

public sealed record TlsSpec(
    TlsMode Mode,
    /// <summary>Verification off: only when the scenario says `insecure: true` in so many words.</summary>
    bool Insecure,
    /// <summary>PEM file (or folder of PEM files) of trusted roots; replaces the system store for this scenario.</summary>
    string? CaFile,
    /// <summary>The name sent as SNI and checked against the certificate; defaults to the host.</summary>
    string ServerName);

/// <summary>A value that must never be printed: a password or token. ToString never reveals it.</summary>
public sealed record Secret(string Value)
{
    public override string ToString() => "***";
}

public sealed record AuthSpec(
    string Mechanism,
    string Username,
    Secret Password,
    /// <summary>Explicit opt-in to send credentials over a connection without TLS.</summary>
    bool AllowPlaintext,
    SourceSpan Span);

/// <summary>A reply code pattern: "250", "2xx", "25x".</summary>
public sealed record CodePattern(string Pattern)
{
    public bool Matches(int code)
    {
        var s = code.ToString("000", System.Globalization.CultureInfo.InvariantCulture);
        if (s.Length != 3)
        {
            return false;
        }
        for (var i = 0; i < 3; i++)
        {
            if (Pattern[i] != 'x' && Pattern[i] != s[i])
            {
                return false;
            }
        }
        return true;
    }

    public override string ToString() => Pattern;
}

/// <summary>An EHLO capability check: `STARTTLS`, `AUTH PLAIN`, `SIZE >= 1000000`.</summary>
public sealed record CapabilityCheck(string Keyword, string? Parameter, long? MinimumSize, string Source);

/// <summary>What a reply must look like. Built and validated at load time; evaluated by a pure function.</summary>
public sealed record Expectation(
    IReadOnlyList<CodePattern> Codes,
    /// <summary>RFC 3463 pattern "5.7.1" or "5.7.x"; null = not checked.</summary>
    string? EnhancedCode,
    Regex? TextMatches,
    string? TextContains,
    IReadOnlyList<CapabilityCheck> Has,
    IReadOnlyList<CapabilityCheck> Lacks,
    /// <summary>True when the scenario wrote nothing and the step's default applies.</summary>
    bool IsDefault)
{
    public static Expectation ForCodes(params string[] codes) =>
        new([.. codes.Select(c => new CodePattern(c))], null, null, null, [], [], IsDefault: true);

    /// <summary>No check at all beyond "a well-formed reply arrived" (raw `send` lines).</summary>
    public static Expectation AnyReply { get; } = new([], null, null, null, [], [], IsDefault: true);
}

public enum StepKind
{
    Banner,
    Ehlo,
    Helo,
    StartTls,
    Auth,
    MailFrom,
    RcptTo,
    Data,
    Rset,
    Noop,
    Vrfy,
    Expn,
    Help,
    Quit,
    Send,
}

/// <summary>One step. Kind-specific data lives in the derived records; every step has a span and an expectation.</summary>
public abstract record Step(StepKind Kind, SourceSpan Span, Expectation Expect)
{
    /// <summary>The YAML name of the step, as users write it.</summary>
    public string Name => StepNames.Of(Kind);

    /// <summary>Explicitly allowed to run before TLS although tls.mode is starttls (enforcement tests).</summary>
    public bool AllowPlaintext { get; init; }
}

public sealed record BannerStep(SourceSpan Span, Expectation Expect) : Step(StepKind.Banner, Span, Expect);

public sealed record HelloStep(StepKind Kind, string Domain, SourceSpan Span, Expectation Expect) : Step(Kind, Span, Expect);

public sealed record StartTlsStep(SourceSpan Span, Expectation Expect) : Step(StepKind.StartTls, Span, Expect);

public sealed record AuthStep(AuthSpec Auth, SourceSpan Span, Expectation Expect) : Step(StepKind.Auth, Span, Expect);

/// <summary>MAIL FROM / RCPT TO: the address as written between the angle brackets, plus ESMTP parameters.</summary>
public sealed record EnvelopeStep(StepKind Kind, string Address, string Parameters, SourceSpan Span, Expectation Expect) : Step(Kind, Span, Expect);

/// <summary>DATA: the 354 is checked against <see cref="StartExpect"/>, the final reply against <see cref="Step.Expect"/>.</summary>
public sealed record DataStep(MessageSpec Message, Expectation StartExpect, SourceSpan Span, Expectation Expect) : Step(StepKind.Data, Span, Expect);

/// <summary>RSET, NOOP, VRFY, EXPN, HELP, QUIT: a verb and an optional argument.</summary>
public sealed record SimpleStep(StepKind Kind, string? Argument, SourceSpan Span, Expectation Expect) : Step(Kind, Span, Expect);

/// <summary>Any raw line, sent as written (CRLF added).</summary>
public sealed record SendStep(string Line, SourceSpan Span, Expectation Expect) : Step(StepKind.Send, Span, Expect);

/// <summary>The message DATA sends: composed with MimeKit from parts, or raw text sent as written (dot-stuffed).</summary>
public sealed record MessageSpec(
    string? From,
    IReadOnlyList<string> To,
    string Subject,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string Body,
    /// <summary>When set, the whole message as written (headers and body); the other fields are ignored.</summary>
    string? Raw);

public static class StepNames
{
    public static readonly IReadOnlyDictionary<string, StepKind> ByName = new Dictionary<string, StepKind>(StringComparer.Ordinal)
    {
        ["banner"] = StepKind.Banner,
        ["ehlo"] = StepKind.Ehlo,
        ["helo"] = StepKind.Helo,
        ["starttls"] = StepKind.StartTls,
        ["auth"] = StepKind.Auth,
        ["mail_from"] = StepKind.MailFrom,
        ["rcpt_to"] = StepKind.RcptTo,
        ["data"] = StepKind.Data,
        ["rset"] = StepKind.Rset,
        ["noop"] = StepKind.Noop,
        ["vrfy"] = StepKind.Vrfy,
        ["expn"] = StepKind.Expn,
        ["help"] = StepKind.Help,
        ["quit"] = StepKind.Quit,
        ["send"] = StepKind.Send,
    };

    public static string Of(StepKind kind) => ByName.First(p => p.Value == kind).Key;
}
