using System.Text;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Redaction;

/// <summary>
/// The one place that removes secrets from output. It knows each secret's raw value, its base64
/// forms (alone, inside SASL PLAIN's "authzid\0user\0pass", inside XOAUTH2), and the base64 text a
/// secret produces at any byte alignment inside a longer encoded payload. Every output path
/// (console, verbose transcript, JUnit, JSON, error messages) passes through it.
/// </summary>
public sealed class Redactor
{
    public const string Mask = "***";

    private readonly string[] _patterns;

    public Redactor(IEnumerable<Secret> secrets, IEnumerable<string>? usernames = null)
    {
        var users = (usernames ?? []).Distinct().ToList();
        var patterns = new HashSet<string>(StringComparer.Ordinal);
        foreach (var secret in secrets.Select(s => s.Value).Where(v => v.Length > 0).Distinct())
        {
            patterns.Add(secret);
            var bytes = Encoding.UTF8.GetBytes(secret);
            patterns.Add(Convert.ToBase64String(bytes));
            foreach (var user in users.Append(string.Empty))
            {
                patterns.Add(B64($"\0{user}\0{secret}"));
                patterns.Add(B64($"{user}\0{user}\0{secret}"));
                patterns.Add(B64($"user={user}\u0001auth=Bearer {secret}\u0001\u0001"));
            }
            foreach (var core in AlignedCores(bytes))
            {
                patterns.Add(core);
            }
        }
        // Longest first, so a whole encoded payload is masked before any of its parts.
        _patterns = [.. patterns.Where(p => p.Length > 0).OrderByDescending(p => p.Length)];
    }

    public static Redactor None { get; } = new([]);

    public bool IsEmpty => _patterns.Length == 0;

    public string Redact(string text)
    {
        foreach (var p in _patterns)
        {
            if (text.Contains(p, StringComparison.Ordinal))
            {
                text = text.Replace(p, Mask, StringComparison.Ordinal);
            }
        }
        return text;
    }

    public string? RedactOrNull(string? text) => text is null ? null : Redact(text);

    /// <summary>Applies the redactor to every text of a scenario result: the boundary before any writer.</summary>
    public ScenarioResult Redact(ScenarioResult r)
    {
        if (IsEmpty)
        {
            return r;
        }
        return r with
        {
            Name = Redact(r.Name),
            Message = RedactOrNull(r.Message),
            Warnings = [.. r.Warnings.Select(Redact)],
            Transcript = [.. r.Transcript.Select(Redact)],
            Steps = [.. r.Steps.Select(s => s with
            {
                Sent = RedactOrNull(s.Sent),
                Message = RedactOrNull(s.Message),
                Replies = [.. s.Replies.Select(rep => rep with { Lines = [.. rep.Lines.Select(Redact)] })],
                Checks = [.. s.Checks.Select(c => c with { Expected = Redact(c.Expected), Actual = Redact(c.Actual) })],
            })],
        };
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    /// <summary>
    /// Base64 of a longer payload contains the secret's bytes at offset 0, 1 or 2 of a 3-byte group.
    /// For each alignment, the characters encoding only secret bytes are the same whatever surrounds
    /// them; masking those catches the secret inside any encoded payload (for secrets of 5+ bytes; shorter ones at offset 1 only in the forms listed above).
    /// </summary>
    private static IEnumerable<string> AlignedCores(byte[] secret)
    {
        for (var k = 0; k < 3; k++)
        {
            var padded = new byte[k + secret.Length];
            secret.CopyTo(padded, k);
            var b64 = Convert.ToBase64String(padded);
            var firstGroup = k == 0 ? 0 : 1;
            var fullGroups = (k + secret.Length) / 3;
            var length = (fullGroups - firstGroup) * 4;
            if (length >= 4)
            {
                yield return b64.Substring(firstGroup * 4, length);
            }
        }
    }
}
