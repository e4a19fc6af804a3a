using SmtpProbe.Core.Redaction;

namespace SmtpProbe.Smtp.Session;

/// <summary>
/// The C:/S: record of a connection. Lines pass through the redactor as they are recorded, and AUTH
/// payloads are masked structurally before that, so a live --verbose stream is as clean as the reports.
/// </summary>
public sealed class Transcript(Redactor redactor, Action<string>? live = null)
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines => _lines;

    public void Client(string line) => Add("C: " + line);

    public void Server(string line) => Add("S: " + line);

    /// <summary>Events that are not bytes on the wire: connect, TLS up, timeouts.</summary>
    public void Note(string text) => Add("* " + text);

    private void Add(string line)
    {
        line = redactor.Redact(line);
        _lines.Add(line);
        live?.Invoke(line);
    }
}
