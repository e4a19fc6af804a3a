using System.Text;
using SmtpProbe.Core.Results;

namespace SmtpProbe.Smtp.Protocol;

/// <summary>
/// RFC 5321 §4.2 reply grammar, I/O-free: feed it bytes in any split (whole, per line, one byte at a
/// time) and it yields complete replies. Limits on line length and line count keep a hostile server
/// from growing our memory: at most <see cref="MaxLineLength"/> bytes are ever buffered.
/// </summary>
public sealed class ReplyParser
{
    public const int MaxLineLength = 4096;
    public const int MaxLines = 256;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly byte[] _line = new byte[MaxLineLength + 2];
    private int _lineLength;
    private readonly List<string> _texts = [];
    private int _code = -1;

    /// <summary>True when a reply has begun (some bytes or lines buffered) but is not complete.</summary>
    public bool InReply => _lineLength > 0 || _texts.Count > 0;

    /// <summary>The unfinished reply so far, escaped: evidence when the server stalls or closes mid-reply.</summary>
    public string Pending =>
        string.Join(" | ", _texts.Select(t => $"{_code:000}-{t}").Append(Escape(_line.AsSpan(0, Math.Min(_lineLength, 200)))).Where(s => s.Length > 0));

    /// <summary>
    /// Consumes bytes until one reply completes; returns it and how many bytes were used (the rest
    /// belongs to the next reply). Returns null when more bytes are needed.
    /// </summary>
    public Reply? Feed(ReadOnlySpan<byte> data, out int consumed)
    {
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b != (byte)'\n')
            {
                // The limit is on the line's content: one CR beyond it may still precede the LF.
                if (_lineLength > MaxLineLength || (_lineLength == MaxLineLength && b != (byte)'\r'))
                {
                    throw new SmtpProtocolException(
                        $"reply line longer than {MaxLineLength} bytes (no line end received)",
                        Escape(_line.AsSpan(0, Math.Min(_lineLength, 80))) + "…");
                }
                _line[_lineLength++] = b;
                continue;
            }
            // Accept a bare LF as a line end (as most clients do), dropping a preceding CR.
            var length = _lineLength > 0 && _line[_lineLength - 1] == (byte)'\r' ? _lineLength - 1 : _lineLength;
            var reply = AcceptLine(_line.AsSpan(0, length));
            _lineLength = 0;
            if (reply is not null)
            {
                consumed = i + 1;
                return reply;
            }
        }
        consumed = data.Length;
        return null;
    }

    private Reply? AcceptLine(ReadOnlySpan<byte> line)
    {
        var shown = Escape(line);
        if (line.Length < 3 || !IsDigit(line[0]) || !IsDigit(line[1]) || !IsDigit(line[2]))
        {
            throw new SmtpProtocolException("reply line does not start with a three-digit code", shown);
        }
        var code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        // RFC 5321 §4.2: first digit 2-5; second digit 0-5.
        if (line[0] < '2' || line[0] > '5' || line[1] > '5')
        {
            throw new SmtpProtocolException($"reply code {code:000} is not a valid SMTP code (RFC 5321: first digit 2-5, second digit 0-5)", shown);
        }
        if (line.Length > 3 && line[3] != (byte)' ' && line[3] != (byte)'-')
        {
            throw new SmtpProtocolException("reply code is followed by neither a space nor a hyphen", shown);
        }
        if (_code >= 0 && code != _code)
        {
            throw new SmtpProtocolException($"multi-line reply changes its code from {_code:000} to {code:000}", shown);
        }
        if (_texts.Count >= MaxLines)
        {
            throw new SmtpProtocolException($"reply has more than {MaxLines} lines", shown);
        }
        _code = code;
        _texts.Add(line.Length > 4 ? Utf8.GetString(line[4..]) : string.Empty);
        if (line.Length > 3 && line[3] == (byte)'-')
        {
            return null;
        }
        var reply = new Reply(code, EnhancedCodeOf(code, _texts[0]), [.. _texts]);
        _texts.Clear();
        _code = -1;
        return reply;
    }

    /// <summary>RFC 3463: "5.7.1 ..." at the start of the text, with a class that agrees with the reply code.</summary>
    public static string? EnhancedCodeOf(int code, string text)
    {
        var end = text.IndexOf(' ', StringComparison.Ordinal);
        var candidate = end < 0 ? text : text[..end];
        var parts = candidate.Split('.');
        if (parts.Length != 3 || parts[0].Length != 1 || parts[0][0] - '0' != code / 100)
        {
            return null;
        }
        return parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit)) ? candidate : null;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    /// <summary>Evidence for humans and for XML/JSON: printable ASCII as is, everything else as \xNN.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and < 0x7f)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }
}
