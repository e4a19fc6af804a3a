using System.Text;
using MailKit.Net.Smtp;
using MimeKit;
using MimeKit.IO;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Smtp.Protocol;

namespace SmtpProbe.Smtp.Messages;

/// <summary>
/// Builds the DATA payload: composed by MimeKit (headers, encodings) or raw text as written, then
/// dot-stuffed and terminated with CRLF.CRLF. Date and Message-ID come from the injected clock,
/// so the same scenario at the same (fake) time produces the same bytes.
/// </summary>
public static class MessageComposer
{
    public static byte[] Compose(MessageSpec spec, string heloName, TimeProvider time, int sequence)
    {
        if (spec.Raw is { } raw)
        {
            return Terminate(DotStuff(NormalizeNewlines(raw)));
        }
        var message = new MimeMessage();
        try
        {
            message.From.Add(string.IsNullOrEmpty(spec.From) ? new MailboxAddress("smtp-probe", $"smtp-probe@{heloName}") : MailboxAddress.Parse(spec.From));
            foreach (var to in spec.To)
            {
                message.To.Add(MailboxAddress.Parse(to));
            }
        }
        catch (ParseException e)
        {
            throw new SmtpProbeException(ErrorKind.Usage, $"cannot compose the message: invalid address ({e.Message})", e);
        }
        var now = time.GetUtcNow();
        message.Subject = spec.Subject;
        message.Date = now;
        message.MessageId = $"smtp-probe.{now.ToUnixTimeMilliseconds()}.{sequence}@{heloName}";
        foreach (var (name, value) in spec.Headers)
        {
            message.Headers.Add(name, value);
        }
        message.Body = new TextPart("plain") { Text = spec.Body };

        using var buffer = new MemoryStream();
        using (var filtered = new FilteredStream(buffer))
        {
            // MailKit's own DATA filter: dot-stuffing exactly as its SmtpClient does it.
            filtered.Add(new SmtpDataFilter(true));
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            message.WriteTo(options, filtered);
            filtered.Flush();
        }
        return Terminate(buffer.ToArray());
    }

    private static byte[] Terminate(byte[] body)
    {
        var endsWithCrlf = body.Length >= 2 && body[^2] == '\r' && body[^1] == '\n';
        var tail = endsWithCrlf ? ".\r\n"u8 : "\r\n.\r\n"u8;
        var result = new byte[body.Length + tail.Length];
        body.CopyTo(result, 0);
        tail.CopyTo(result.AsSpan(body.Length));
        return result;
    }

    private static string NormalizeNewlines(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>RFC 5321 §4.5.2: a line starting with "." gets one more.</summary>
    private static byte[] DotStuff(string crlfText)
    {
        var sb = new StringBuilder(crlfText.Length + 16);
        var lines = crlfText.Split("\r\n");
        for (var i = 0; i < lines.Length; i++)
        {
            if (i == lines.Length - 1 && lines[i].Length == 0)
            {
                break;
            }
            if (lines[i].StartsWith('.'))
            {
                sb.Append('.');
            }
            sb.Append(lines[i]).Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Transcript form of a message: its size, not its bytes (bodies can be large; headers carry dates).</summary>
    public static string Describe(byte[] payload)
    {
        var lines = 0;
        foreach (var b in payload)
        {
            if (b == '\n')
            {
                lines++;
            }
        }
        return $"[message: {lines - 1} lines, {payload.Length - 3} bytes]";
    }
}
