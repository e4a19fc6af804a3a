using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SmtpProbe.Testing.Scripted;

/// <summary>A dialog file that cannot be parsed; the message starts with "name:line:".</summary>
public sealed class DialogFormatException : FormatException
{
    public DialogFormatException(string dialogName, int lineNumber, string problem, string lineText)
        : base($"{dialogName}:{lineNumber}: {problem}: {lineText}")
    {
        DialogName = dialogName;
        LineNumber = lineNumber;
    }

    public string DialogName { get; }

    public int LineNumber { get; }
}

/// <summary>One executable step of a dialog; <see cref="Source"/> is the original line for messages.</summary>
internal abstract record DialogStep(int Line, string Source);

internal sealed record SendLineStep(int Line, string Source, string Text) : DialogStep(Line, Source);

internal sealed record ExpectLineStep(int Line, string Source, string Text) : DialogStep(Line, Source);

internal sealed record ExpectMatchStep(int Line, string Source, Regex Pattern) : DialogStep(Line, Source);

internal sealed record CollectUntilStep(int Line, string Source, string Terminator) : DialogStep(Line, Source);

internal sealed record StartTlsStep(int Line, string Source, bool ExpectRejected) : DialogStep(Line, Source);

internal sealed record StallStep(int Line, string Source) : DialogStep(Line, Source);

internal sealed record CloseStep(int Line, string Source) : DialogStep(Line, Source);

internal sealed record ResetStep(int Line, string Source) : DialogStep(Line, Source);

internal sealed record SplitStep(int Line, string Source, bool On) : DialogStep(Line, Source);

internal sealed record SendBytesStep(int Line, string Source, byte[] Bytes) : DialogStep(Line, Source);

internal sealed record ExpectCloseStep(int Line, string Source) : DialogStep(Line, Source);

/// <summary>
/// A parsed dialog file. Parsing is complete and strict before any socket is opened.
/// <code>
/// # full-line comments and blank lines are ignored (leading whitespace is allowed)
/// S: 220 mx.test ready     server sends the rest of the line verbatim + CRLF ("# ..." is text here)
/// C: EHLO probe.test       next client line must equal the rest exactly (trailing spaces count)
/// C~ ^MAIL FROM:&lt;.*&gt;$     next client line must fully match the .NET regex
/// C* .                     accept client lines until one equals "." (a DATA body)
/// !starttls                TLS server handshake; later steps run over TLS
/// !starttls-rejected       TLS handshake the client must refuse (abort it, or close without sending); ends the dialog
/// !stall                   send/expect nothing; succeed when the client closes (WhenStalled completes); ends the dialog
/// !close                   graceful close (TLS close_notify, FIN); ends the dialog
/// !reset                   TCP RST; ends the dialog
/// !split / !nosplit        write S:/!raw/!text one byte per write, or whole again
/// !raw 32 35 30 0d0a       exact bytes in hex
/// !text 250 ok\r\n         text with \r \n \t \0 \xNN (a raw byte) \\ escapes, no CRLF added
/// !expect-close            the client must close now; any byte fails
/// </code>
/// After the last step the client must close; any further byte fails the dialog.
/// </summary>
internal sealed class DialogScript
{
    private DialogScript(string name, IReadOnlyList<DialogStep> steps)
    {
        Name = name;
        Steps = steps;
    }

    public string Name { get; }

    public IReadOnlyList<DialogStep> Steps { get; }

    public bool UsesTls => Steps.Any(s => s is StartTlsStep);

    public static DialogScript Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"dialog file not found: {path}", path);
        }
        return Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    public static DialogScript Parse(string text, string name)
    {
        var steps = new List<DialogStep>();
        var lines = text.Split('\n');
        DialogStep? terminal = null;
        var sawStartTls = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            // Windows checkouts may add CR; the file format itself is line based, not byte exact.
            var raw = lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i];
            var line = raw.TrimStart();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            DialogFormatException Error(string problem) => new(name, lineNumber, problem, raw);

            var step = ParseStep(line, lineNumber, Error);
            if (terminal is not null)
            {
                // Steps after a connection-ending directive could never run; silently ignoring them hides mistakes.
                throw Error($"unreachable step: the dialog already ends at line {terminal.Line} ({terminal.Source})");
            }
            if (step is StartTlsStep)
            {
                if (sawStartTls)
                {
                    throw Error("a second TLS handshake on the same connection is not supported");
                }
                sawStartTls = true;
            }
            if (step is StallStep or CloseStep or ResetStep or StartTlsStep { ExpectRejected: true })
            {
                terminal = step;
            }
            steps.Add(step);
        }
        return new DialogScript(name, steps);
    }

    private static DialogStep ParseStep(string line, int n, Func<string, DialogFormatException> error)
    {
        if (line.StartsWith("S:", StringComparison.Ordinal))
        {
            return new SendLineStep(n, line, LineArgument(line, error));
        }
        if (line.StartsWith("C:", StringComparison.Ordinal))
        {
            return new ExpectLineStep(n, line, LineArgument(line, error));
        }
        if (line.StartsWith("C~", StringComparison.Ordinal))
        {
            var pattern = RequiredArgument(line, 2, "C~ needs a regular expression", error);
            try
            {
                // Anchored so the pattern must match the whole line, as the format promises.
                var regex = new Regex($"\\A(?:{pattern})\\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                return new ExpectMatchStep(n, line, regex);
            }
            catch (ArgumentException ex)
            {
                throw error($"invalid regular expression ({ex.Message})");
            }
        }
        if (line.StartsWith("C*", StringComparison.Ordinal))
        {
            return new CollectUntilStep(n, line, RequiredArgument(line, 2, "C* needs a terminator line, e.g. 'C* .'", error));
        }
        if (line.StartsWith('!'))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var word = space < 0 ? line : line[..space];
            var argument = space < 0 ? "" : line[(space + 1)..];
            DialogStep NoArgument(DialogStep step) =>
                argument.Trim().Length == 0 ? step : throw error($"{word} takes no argument");
            return word switch
            {
                "!starttls" => NoArgument(new StartTlsStep(n, line, ExpectRejected: false)),
                "!starttls-rejected" => NoArgument(new StartTlsStep(n, line, ExpectRejected: true)),
                "!stall" => NoArgument(new StallStep(n, line)),
                "!close" => NoArgument(new CloseStep(n, line)),
                "!reset" => NoArgument(new ResetStep(n, line)),
                "!split" => NoArgument(new SplitStep(n, line, On: true)),
                "!nosplit" => NoArgument(new SplitStep(n, line, On: false)),
                "!expect-close" => NoArgument(new ExpectCloseStep(n, line)),
                "!raw" => new SendBytesStep(n, line, ParseHex(argument, error)),
                "!text" => new SendBytesStep(n, line, ParseEscapes(argument, error)),
                _ => throw error($"unknown directive {word}"),
            };
        }
        throw error("expected 'S:', 'C:', 'C~', 'C*', a '!' directive, a '#' comment or a blank line");
    }

    /// <summary>"S: text" / "C: text": one space separates the tag; the rest is taken verbatim, comments included.</summary>
    private static string LineArgument(string line, Func<string, DialogFormatException> error)
    {
        if (line.Length == 2)
        {
            return "";
        }
        if (line[2] != ' ')
        {
            throw error($"'{line[..2]}' must be followed by a space");
        }
        return line[3..];
    }

    private static string RequiredArgument(string line, int tagLength, string problem, Func<string, DialogFormatException> error)
    {
        if (line.Length <= tagLength + 1 || line[tagLength] != ' ')
        {
            throw error(problem);
        }
        return line[(tagLength + 1)..];
    }

    private static byte[] ParseHex(string argument, Func<string, DialogFormatException> error)
    {
        var bytes = new List<byte>();
        foreach (var token in argument.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.Length % 2 != 0)
            {
                throw error($"!raw hex run '{token}' has an odd number of digits");
            }
            for (var i = 0; i < token.Length; i += 2)
            {
                if (!byte.TryParse(token.AsSpan(i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    throw error($"!raw: '{token.Substring(i, 2)}' is not a hex byte");
                }
                bytes.Add(b);
            }
        }
        if (bytes.Count == 0)
        {
            throw error("!raw needs at least one hex byte");
        }
        return [.. bytes];
    }

    private static byte[] ParseEscapes(string argument, Func<string, DialogFormatException> error)
    {
        if (argument.Length == 0)
        {
            throw error("!text needs some text");
        }
        var bytes = new List<byte>();
        var literal = new StringBuilder();
        void FlushLiteral()
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(literal.ToString()));
            literal.Clear();
        }
        for (var i = 0; i < argument.Length; i++)
        {
            var c = argument[i];
            if (c != '\\')
            {
                literal.Append(c);
                continue;
            }
            if (i + 1 >= argument.Length)
            {
                throw error("!text ends with a lone backslash");
            }
            var e = argument[++i];
            switch (e)
            {
                case 'r': literal.Append('\r'); break;
                case 'n': literal.Append('\n'); break;
                case 't': literal.Append('\t'); break;
                case '0': literal.Append('\0'); break;
                case '\\': literal.Append('\\'); break;
                case 'x':
                    if (argument.Length - i - 1 < 2
                        || !byte.TryParse(argument.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                    {
                        throw error("!text: \\x must be followed by two hex digits");
                    }
                    // \xNN is a raw byte, not a code point, so tests can send invalid UTF-8 or 8-bit data.
                    FlushLiteral();
                    bytes.Add(b);
                    i += 2;
                    break;
                default:
                    throw error($"!text: unknown escape \\{e} (use \\r \\n \\t \\0 \\xNN \\\\)");
            }
        }
        FlushLiteral();
        return [.. bytes];
    }
}
