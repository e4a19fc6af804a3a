using System.Globalization;
using System.Text;
using SmtpProbe.Core.Results;

namespace SmtpProbe.Reports;

/// <summary>Text helpers shared by the writers: stable names, durations, and making hostile server text safe for each sink.</summary>
internal static class ReportText
{
    /// <summary>Lower-case outcome name used by JSON and JUnit; explicit so renaming an enum member never changes a report.</summary>
    public static string OutcomeName(Outcome outcome) => outcome switch
    {
        Outcome.Passed => "passed",
        Outcome.Failed => "failed",
        Outcome.Error => "error",
        Outcome.Skipped => "skipped",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    /// <summary>Lower-case error kind, or null for <see cref="ErrorKind.None"/>.</summary>
    public static string? ErrorKindName(ErrorKind kind) => kind switch
    {
        ErrorKind.None => null,
        ErrorKind.Connect => "connect",
        ErrorKind.Timeout => "timeout",
        ErrorKind.Tls => "tls",
        ErrorKind.Protocol => "protocol",
        ErrorKind.Auth => "auth",
        ErrorKind.Usage => "usage",
        ErrorKind.Internal => "internal",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Whole milliseconds, rounded half away from zero; negative spans (clock steps) count as zero.</summary>
    public static long WholeMilliseconds(TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0 : (long)Math.Round(duration.TotalMilliseconds, MidpointRounding.AwayFromZero);

    /// <summary>Seconds with a fixed number of decimals, invariant culture (JUnit wants xs:decimal, the console wants "0.41").</summary>
    public static string Seconds(TimeSpan duration, int decimals)
    {
        var seconds = duration <= TimeSpan.Zero ? 0d : duration.TotalSeconds;
        return seconds.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>ISO-8601 UTC with milliseconds and a 'Z', fixed width so reports diff cleanly.</summary>
    public static string IsoUtc(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The first line of a multi-line message (used for JUnit's message attribute).</summary>
    public static string FirstLine(string text)
    {
        var end = text.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? text : text[..end];
    }

    /// <summary>
    /// Makes text legal in XML 1.0: every character outside the Char production (NUL and other C0 controls,
    /// lone surrogates, U+FFFE/U+FFFF) becomes a visible escape such as \x00 or \uD800, so XmlWriter never throws
    /// and a reader still sees that something odd was there. Backslashes are left alone: the escapes are a hint, not a codec.
    /// </summary>
    public static string ForXml(string text) => Rewrite(text, IsXmlChar, AppendEscape);

    /// <summary>
    /// Makes text safe to print on a terminal: C0 controls (except tab and newline), DEL, C1 controls, bidi overrides
    /// and lone surrogates become visible escapes, so a server cannot move the cursor, recolour or retitle the user's
    /// terminal, nor visually reorder what the user reads.
    /// </summary>
    public static string ForTerminal(string text) => Rewrite(text, IsTerminalSafe, AppendEscape);

    /// <summary>
    /// Replaces lone surrogates with U+FFFD: they cannot be encoded as UTF-8 at all, and Utf8JsonWriter would throw.
    /// Everything else, controls included, is representable in JSON and is escaped by the writer itself.
    /// </summary>
    public static string ForJson(string text) => Rewrite(text, IsScalar, static (sb, _) => sb.Append('\uFFFD'));

    private delegate bool CharTest(string text, int index, out int width);

    private static int IndexOfBad(string text, CharTest isGood)
    {
        for (var i = 0; i < text.Length;)
        {
            if (!isGood(text, i, out var width))
            {
                return i;
            }
            i += width;
        }
        return -1;
    }

    /// <summary>The one sanitiser loop: good characters are copied, each bad one goes through <paramref name="replace"/>; clean text is returned as is.</summary>
    private static string Rewrite(string text, CharTest isGood, Action<StringBuilder, char> replace)
    {
        var firstBad = IndexOfBad(text, isGood);
        if (firstBad < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, firstBad);
        for (var i = firstBad; i < text.Length;)
        {
            if (isGood(text, i, out var width))
            {
                sb.Append(text, i, width);
            }
            else
            {
                replace(sb, text[i]);
            }
            i += width;
        }
        return sb.ToString();
    }

    private static void AppendEscape(StringBuilder sb, char c)
    {
        if (c <= '\u00FF')
        {
            sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>True for a BMP non-surrogate or a well-formed surrogate pair (width 2); a lone surrogate is bad with width 1.</summary>
    private static bool IsScalar(string text, int i, out int width)
    {
        var c = text[i];
        width = 1;
        if (char.IsHighSurrogate(c))
        {
            if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                width = 2;
                return true;
            }
            return false;
        }
        return !char.IsLowSurrogate(c);
    }

    // XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
    private static bool IsXmlChar(string text, int i, out int width)
    {
        if (!IsScalar(text, i, out width))
        {
            return false;
        }
        if (width == 2)
        {
            return true;
        }
        var c = text[i];
        return c is '\t' or '\n' or '\r' or (>= '\u0020' and <= '\uD7FF') or (>= '\uE000' and <= '\uFFFD');
    }

    private static bool IsTerminalSafe(string text, int i, out int width)
    {
        if (!IsScalar(text, i, out width))
        {
            return false;
        }
        if (width == 2)
        {
            return true;
        }
        var c = text[i];
        return c is '\t' or '\n'
            || !(c < '\u0020' || c is (>= '\u007F' and <= '\u009F') or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'));
    }

    /// <summary>Scenarios by outcome: one count for all three reports, so their summaries always agree.</summary>
    public static (int Passed, int Failed, int Errors, int Skipped) Count(IEnumerable<ScenarioResult> scenarios)
    {
        int passed = 0, failed = 0, errors = 0, skipped = 0;
        foreach (var scenario in scenarios)
        {
            switch (scenario.Outcome)
            {
                case Outcome.Passed: passed++; break;
                case Outcome.Failed: failed++; break;
                case Outcome.Error: errors++; break;
                case Outcome.Skipped: skipped++; break;
                default: throw new InvalidOperationException($"unknown outcome {scenario.Outcome}");
            }
        }
        return (passed, failed, errors, skipped);
    }
}
