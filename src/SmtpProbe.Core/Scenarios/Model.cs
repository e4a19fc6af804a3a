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

/// <summary>What certificate verification checks. Full unless the scenario says otherwise in so many words.</summary>
public enum TlsVerify
{
    /// <summary>Chain to a trusted root and the name.</summary>
    Full,
    /// <summary>Chain only: the name is not checked (a warning is recorded when it does not match).</summary>
    Ca,
    /// <summary>Name only: the chain is not checked (a warning is recorded when it does not verify).</summary>
    Name,
    /// <summary>Nothing is checked; facts are still recorded and failures become warnings.</summary>
    None,
}

public sealed record TlsSpec(
    TlsMode Mode,
    /// <summary>True when verification is relaxed to nothing (`insecure: true` or `verify: none`).</summary>
    bool Insecure,
    /// <summary>PEM file (or folder of PEM files) of trusted roots; replaces the system store for this scenario.</summary>
    string? CaFile,
    /// <summary>The name checked against the certificate (and sent as SNI unless <see cref="Sni"/> says otherwise); defaults to the host.</summary>
    string ServerName)
{
    public TlsVerify Verify { get; init; } = Insecure ? TlsVerify.None : TlsVerify.Full;

    /// <summary>The SNI name when it differs from <see cref="ServerName"/>; empty string sends no SNI name.</summary>
    public string? Sni { get; init; }

    /// <summary>Client certificate: a PEM certificate (with <see cref="ClientKey"/>) or a PKCS#12 file.</summary>
    public string? ClientCertificate { get; init; }

    public string? ClientKey { get; init; }

    public Secret? ClientCertificatePassword { get; init; }

    /// <summary>Lowest and highest protocol offered: "1.2" or "1.3"; null = the system's choice.</summary>
    public string? MinVersion { get; init; }

    public string? MaxVersion { get; init; }

    /// <summary>Accepted key pins: "spki-sha256:BASE64" (public key) or "cert-sha256:HEX" (whole certificate).</summary>
    public IReadOnlyList<string> Pins { get; init; } = [];

    /// <summary>Also offer TLS 1.2 suites without forward secrecy (static RSA), so a posture check can see a server that only has those.</summary>
    public bool AllowLegacyCiphers { get; init; }
}

/// <summary>Assertions on the TLS session, evaluated after STARTTLS or on an implicit-TLS greeting.</summary>
public sealed record TlsExpectation(
    /// <summary>Lowest acceptable protocol: "1.2" or "1.3".</summary>
    string? MinVersion,
    bool? ForwardSecrecy,
    /// <summary>The leaf certificate must stay valid at least this many days.</summary>
    int? DaysLeft,
    /// <summary>Names the leaf certificate's SAN must contain (DNS names or IP addresses).</summary>
    IReadOnlyList<string> San,
    /// <summary>Whether the certificate verified (chain and name) under full verification rules.</summary>
    bool? Verified,
    /// <summary>Pins of which the leaf must match at least one.</summary>
    IReadOnlyList<string> Pins,
    System.Text.RegularExpressions.Regex? Cipher);

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
    SourceSpan Span)
{
    /// <summary>Send the first response with the AUTH command (RFC 4954 SASL-IR) when the mechanism has one.</summary>
    public bool InitialResponse { get; init; } = true;

    /// <summary>Authorization identity (act as), for mechanisms that carry one (PLAIN, SCRAM, DIGEST-MD5).</summary>
    public string? AuthorizationId { get; init; }

    /// <summary>False: when the server advertises no AUTH the step is skipped with a note (swaks --auth-optional-strict).</summary>
    public bool Required { get; init; } = true;
}

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
    /// <summary>Checks on the TLS session (starttls steps, and the banner of an implicit-TLS connection).</summary>
    public TlsExpectation? Tls { get; init; }

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
