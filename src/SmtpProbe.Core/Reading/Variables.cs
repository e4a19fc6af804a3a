using System.Text;

namespace SmtpProbe.Core.Reading;

/// <summary>
/// Where `${...}` values come from. `${NAME}` reads --var values, `${env:NAME}` the environment,
/// `${file:PATH}` a file (trailing newline trimmed, path relative to the scenario). `:-default`
/// gives a fallback; `$${` writes a literal `${`. An undefined variable is an error, never "".
/// </summary>
public sealed partial class Variables
{
    private readonly IReadOnlyDictionary<string, string> _vars;
    private readonly Func<string, string?> _env;

    public Variables(IReadOnlyDictionary<string, string> vars, Func<string, string?> environment)
    {
        _vars = vars;
        _env = environment;
    }

    public static Variables Empty { get; } = new(new Dictionary<string, string>(), _ => null);

    /// <summary>Substitutes every reference in <paramref name="text"/>; on failure returns the message and a hint.</summary>
    public SubstitutionResult Substitute(string text, string baseDirectory)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return new SubstitutionResult(text, null, null, 0);
        }
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && i + 2 < text.Length && text[i + 1] == '$' && text[i + 2] == '{')
            {
                sb.Append("${");
                i += 3;
                continue;
            }
            if (text[i] != '$' || i + 1 >= text.Length || text[i + 1] != '{')
            {
                sb.Append(text[i++]);
                continue;
            }
            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                return new SubstitutionResult(null, $"unterminated variable reference `{text[i..]}`", "write `${NAME}`, `${env:NAME}` or `${file:PATH}`; `$${` writes a literal `${`", i);
            }
            var body = text[(i + 2)..close];
            string? fallback = null;
            var dash = body.IndexOf(":-", StringComparison.Ordinal);
            if (dash >= 0)
            {
                fallback = body[(dash + 2)..];
                body = body[..dash];
            }
            string? value;
            string source;
            if (body.StartsWith("env:", StringComparison.Ordinal))
            {
                source = $"environment variable `{body[4..]}`";
                value = _env(body[4..]);
            }
            else if (body.StartsWith("file:", StringComparison.Ordinal))
            {
                var (fileText, problem) = ReadSecretFile(baseDirectory, body[5..]);
                if (problem is not null)
                {
                    return new SubstitutionResult(null, $"`${{file:{body[5..]}}}`: {problem}", "a `${file:...}` names a small regular file (a password, a token), relative to the scenario file", i);
                }
                source = $"file `{body[5..]}`";
                value = fileText;
            }
            else if (body.Length > 0 && body.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                source = $"variable `{body}`";
                value = _vars.TryGetValue(body, out var v) ? v : null;
            }
            else
            {
                return new SubstitutionResult(null, $"invalid variable reference `${{{body}}}`", "write `${NAME}`, `${env:NAME}` or `${file:PATH}`", i);
            }
            // As in the shell, `:-` applies when the value is unset or empty.
            value = string.IsNullOrEmpty(value) && fallback is not null ? fallback : value;
            if (value is null)
            {
                var hint = body.StartsWith("env:", StringComparison.Ordinal)
                    ? $"export {body[4..]}=..., or give a default: `${{{body}:-value}}`"
                    : body.StartsWith("file:", StringComparison.Ordinal)
                        ? "check the path (it is relative to the scenario file), or give a default: `${" + body + ":-value}`"
                        : $"pass --var {body}=VALUE, or give a default: `${{{body}:-value}}`";
                return new SubstitutionResult(null, body.StartsWith("file:", StringComparison.Ordinal) ? $"{source} does not exist" : $"{source} is not defined", hint, i);
            }
            sb.Append(value);
            i = close + 1;
        }
        return new SubstitutionResult(sb.ToString(), null, null, 0);
    }
}

public sealed partial class Variables
{
    /// <summary>Secrets and tokens are small; a FIFO or /dev/zero must not hang or exhaust the probe.</summary>
    public const int MaxFileBytes = 64 * 1024;

    private static (string? Text, string? Problem) ReadSecretFile(string baseDirectory, string relative)
    {
        if (relative.Any(char.IsControl))
        {
            return (null, "the path contains a control character");
        }
        var path = Path.Combine(baseDirectory, relative);
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (!info.Exists)
            {
                // Not a problem yet: a `:-default` may apply; without one the caller says the file does not exist.
                return (null, null);
            }
            // FIFOs and character devices (/dev/zero) report length 0; opening a FIFO would block, so never open those.
            if (info.Length == 0)
            {
                return (null, "the file is empty or not a regular file");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, e.Message);
        }
        if (info.Length > MaxFileBytes)
        {
            return (null, $"the file is larger than {MaxFileBytes / 1024} KiB");
        }
        try
        {
            using var reader = new StreamReader(path);
            var buffer = new char[MaxFileBytes + 1];
            var n = reader.ReadBlock(buffer, 0, buffer.Length);
            return n > MaxFileBytes ? (null, $"the file is larger than {MaxFileBytes / 1024} KiB") : (new string(buffer, 0, n).TrimEnd('\r', '\n'), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, e.Message);
        }
    }
}

/// <summary>The substituted text, or an error with the offset of the offending reference inside the scalar.</summary>
public sealed record SubstitutionResult(string? Value, string? Error, string? Hint, int ErrorOffset);
