using SmtpProbe.Core.Results;

namespace SmtpProbe.Core.Evaluation;

/// <summary>The service extensions an EHLO reply advertises (RFC 5321 §4.1.1.1): keyword → parameters.</summary>
public sealed class EhloCapabilities
{
    private readonly Dictionary<string, IReadOnlyList<string>> _caps;

    private EhloCapabilities(Dictionary<string, IReadOnlyList<string>> caps) => _caps = caps;

    public static EhloCapabilities None { get; } = new(new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase));

    /// <summary>The first line is the server's greeting name; each later line is one extension.</summary>
    public static EhloCapabilities Parse(Reply reply)
    {
        var caps = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (reply.Code != 250)
        {
            return new EhloCapabilities(caps);
        }
        foreach (var line in reply.Lines.Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }
            var keyword = parts[0];
            var parameters = parts.Skip(1).ToList();
            // Old servers still advertise "AUTH=PLAIN LOGIN"; treat it as AUTH.
            if (keyword.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase))
            {
                parameters.Insert(0, keyword[5..]);
                keyword = "AUTH";
            }
            if (caps.TryGetValue(keyword, out var existing))
            {
                parameters = [.. existing, .. parameters];
            }
            caps[keyword] = parameters;
        }
        return new EhloCapabilities(caps);
    }

    public bool Has(string keyword) => _caps.ContainsKey(keyword);

    public IReadOnlyList<string> Parameters(string keyword) => _caps.TryGetValue(keyword, out var p) ? p : [];

    public bool HasParameter(string keyword, string parameter) =>
        Parameters(keyword).Any(p => string.Equals(p, parameter, StringComparison.OrdinalIgnoreCase));

    public IEnumerable<string> Keywords => _caps.Keys;

    public override string ToString() =>
        _caps.Count == 0 ? "(none)" : string.Join(", ", _caps.Select(c => c.Value.Count == 0 ? c.Key : $"{c.Key} {string.Join(' ', c.Value)}"));
}
