using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using SmtpProbe.Core.Results;
using SmtpProbe.Testing.Scripted;

namespace SmtpProbe.Smtp.Tests.Hostile;

/// <summary>
/// The header of a dialog in dialogs/hostile: "# key: value" comment lines before the first step.
/// <code>
/// # behaviour: what the server does (free text, required)
/// # scenario: plain | ehlo | starttls | starttls-system-ca | implicit | auth-plain | auth-cram-md5   (see HostileScenarios)
/// # certificate: ca-signed | expired | self-signed | wrong-host   (what !starttls presents; default ca-signed)
/// # advance: 10s                 advance the fake clock this much once the server stalls and the client is connected
/// # advance-after: S: 220 ...    ...and once the client armed a timer after recording a transcript line starting so
/// # expect-outcome: passed | failed | error
/// # expect-kind: none | protocol | timeout | tls | auth | connect   ("connect|protocol": either, for a kernel race)
/// # expect-step: rcpt_to | none  (the step kind that failed or errored)
/// # expect-message: text         (repeatable; each must be in the scenario message)
/// # expect-message-lacks: text   (repeatable; none may be in the scenario message)
/// # expect-transcript: text      (repeatable; each must be in some transcript line)
/// # expect-not-sent: MAIL        (repeatable; no "C: " line may start with it)
/// # strict: no                   (do not require the scripted dialog to complete successfully)
/// # bug: description             (skips the row: a known src bug, see the lead's notes)
/// </code>
/// </summary>
internal sealed record HostileDialog(
    string Name,
    string Path,
    string Behaviour,
    string Scenario,
    CertificateKind Certificate,
    TimeSpan? Advance,
    string? AdvanceAfter,
    Outcome ExpectOutcome,
    IReadOnlyList<ErrorKind> ExpectKinds,
    string? ExpectStep,
    IReadOnlyList<string> ExpectMessages,
    IReadOnlyList<string> ExpectMessageLacks,
    IReadOnlyList<string> ExpectTranscript,
    IReadOnlyList<string> ExpectNotSent,
    bool Strict,
    string? Bug)
{
    public static string Folder => System.IO.Path.Combine(AppContext.BaseDirectory, "dialogs", "hostile");

    public static IEnumerable<string> Names() =>
        Directory.GetFiles(Folder, "*.dialog").Select(f => System.IO.Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);

    public static HostileDialog Load(string name)
    {
        var path = System.IO.Path.Combine(Folder, name + ".dialog");
        var header = new List<(string Key, string Value)>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (!line.StartsWith('#'))
            {
                break;
            }
            var body = line[1..].Trim();
            var colon = body.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !body[..colon].Contains(' ', StringComparison.Ordinal))
            {
                header.Add((body[..colon], body[(colon + 1)..].Trim()));
            }
        }
        string? One(string key)
        {
            var values = header.Where(h => h.Key == key).Select(h => h.Value).ToList();
            return values.Count switch
            {
                0 => null,
                1 => values[0],
                _ => throw new FormatException($"{name}.dialog: header `{key}` given {values.Count} times"),
            };
        }
        string Required(string key) => One(key) ?? throw new FormatException($"{name}.dialog: header `{key}` is required");
        List<string> Many(string key) => [.. header.Where(h => h.Key == key).Select(h => h.Value)];

        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            "behaviour", "scenario", "certificate", "advance", "advance-after", "expect-outcome", "expect-kind", "expect-step",
            "expect-message", "expect-message-lacks", "expect-transcript", "expect-not-sent", "strict", "bug",
        };
        var unknown = header.Select(h => h.Key).Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new FormatException($"{name}.dialog: unknown header key(s) {string.Join(", ", unknown)}");
        }

        return new HostileDialog(
            name,
            path,
            Required("behaviour"),
            Required("scenario"),
            One("certificate") switch
            {
                null or "ca-signed" => CertificateKind.CaSigned,
                "expired" => CertificateKind.Expired,
                "self-signed" => CertificateKind.SelfSigned,
                "wrong-host" => CertificateKind.WrongHost,
                var other => throw new FormatException($"{name}.dialog: unknown certificate `{other}`"),
            },
            One("advance") is { } advance ? ParseDuration(name, advance) : null,
            One("advance-after"),
            Required("expect-outcome") switch
            {
                "passed" => Outcome.Passed,
                "failed" => Outcome.Failed,
                "error" => Outcome.Error,
                var other => throw new FormatException($"{name}.dialog: unknown outcome `{other}`"),
            },
            [.. Required("expect-kind").Split('|', StringSplitOptions.TrimEntries).Select(kind => kind switch
            {
                "none" => ErrorKind.None,
                "protocol" => ErrorKind.Protocol,
                "timeout" => ErrorKind.Timeout,
                "tls" => ErrorKind.Tls,
                "auth" => ErrorKind.Auth,
                "connect" => ErrorKind.Connect,
                var other => throw new FormatException($"{name}.dialog: unknown error kind `{other}`"),
            })],
            Required("expect-step") is var step && step == "none" ? null : step,
            Many("expect-message"),
            Many("expect-message-lacks"),
            Many("expect-transcript"),
            Many("expect-not-sent"),
            One("strict") is not "no",
            One("bug"));
    }

    private static TimeSpan ParseDuration(string name, string text)
    {
        if (text.EndsWith("ms", StringComparison.Ordinal) && int.TryParse(text[..^2], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return TimeSpan.FromMilliseconds(ms);
        }
        if (text.EndsWith('s') && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var s))
        {
            return TimeSpan.FromSeconds(s);
        }
        throw new FormatException($"{name}.dialog: bad duration `{text}` (use 500ms or 10s)");
    }
}

/// <summary>The named scenarios a hostile dialog runs against (PORT, CA_FILE, SECRET come from the harness).</summary>
internal static class HostileScenarios
{
    private const string Server = """
        server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
        helo: probe.test
        """;

    public static string Yaml(string name) => name switch
    {
        // Standard transaction: banner, EHLO, MAIL, RCPT, DATA, QUIT.
        "plain" => $$"""
            name: plain
            {{Server}}
            envelope: { from: from@probe.test, to: to@mx.test }
            """,
        "ehlo" => $$"""
            name: ehlo
            {{Server}}
            steps: [ehlo, quit]
            """,
        // Standard transaction with STARTTLS and AUTH PLAIN.
        "starttls" => $$"""
            name: starttls
            {{Server}}
            tls: { mode: starttls, ca_file: "${CA_FILE}", server_name: localhost }
            auth: { mechanism: plain, username: probe@probe.test, password: "${env:SECRET}" }
            envelope: { from: probe@probe.test, to: to@mx.test }
            """,
        // Trusts only the system store: a self-signed test certificate is untrusted.
        "starttls-system-ca" => $$"""
            name: starttls-system-ca
            {{Server}}
            tls: { mode: starttls, server_name: localhost }
            auth: { mechanism: plain, username: probe@probe.test, password: "${env:SECRET}" }
            envelope: { from: probe@probe.test, to: to@mx.test }
            """,
        "implicit" => $$"""
            name: implicit
            {{Server}}
            tls: { mode: implicit, ca_file: "${CA_FILE}", server_name: localhost }
            steps: [ehlo, quit]
            """,
        "auth-plain" => $$"""
            name: auth-plain
            {{Server}}
            auth: { mechanism: plain, username: probe@probe.test, password: "${env:SECRET}", allow_plaintext: true }
            steps: [ehlo, auth, quit]
            """,
        "auth-cram-md5" => $$"""
            name: auth-cram-md5
            {{Server}}
            auth: { mechanism: cram-md5, username: probe@probe.test, password: "${env:SECRET}", allow_plaintext: true }
            steps: [ehlo, auth, quit]
            """,
        _ => throw new ArgumentException($"unknown hostile scenario `{name}`", nameof(name)),
    };
}

/// <summary>
/// A fake clock that tells when the client arms a timer after a given transcript line: the only race-free
/// moment to advance for waits whose deadline is armed after the server's last observable action
/// (the TLS handshake after STARTTLS's 220, implicit TLS after connect).
/// </summary>
internal sealed class WatchedClock() : FakeTimeProvider(DateTimeOffset.UtcNow)
{
    private readonly TaskCompletionSource _armed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _marker;
    private volatile bool _seen;

    /// <summary>Completes when a timer is created after <see cref="See"/> saw the marker line (same client thread, so ordered).</summary>
    public Task TimerArmedAfterMarker => _armed.Task;

    public void WatchFor(string linePrefix) => _marker = linePrefix;

    /// <summary>Called from the transcript's live callback, synchronously in the client's flow.</summary>
    public void See(string line)
    {
        if (_marker is { } m && line.StartsWith(m, StringComparison.Ordinal))
        {
            _seen = true;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (_seen)
        {
            _armed.TrySetResult();
        }
        return timer;
    }
}
