namespace SmtpProbe.Cli.Commands;

/// <summary>Parses repeated `--var NAME=VALUE`; a malformed one is a usage error, never silently dropped.</summary>
internal static class VariableArguments
{
    public static Dictionary<string, string>? Parse(IEnumerable<string> values, TextWriter stderr)
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            var eq = v.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? v[..eq] : string.Empty;
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                stderr.WriteLine($"error: `--var {v}` is not NAME=VALUE");
                stderr.WriteLine("   = hint: write e.g. `--var SMTP_HOST=127.0.0.1` (names are letters, digits and _)");
                return null;
            }
            vars[name] = v[(eq + 1)..];
        }
        return vars;
    }
}
