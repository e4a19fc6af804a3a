using System.Globalization;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Reading;

/// <summary>Typed access to YAML nodes with one diagnostic per problem; every getter substitutes variables.</summary>
internal sealed class BindContext
{
    public BindContext(SourceText source, Variables variables)
    {
        Source = source;
        Variables = variables;
        BaseDirectory = Path.GetDirectoryName(source.FullPath) ?? ".";
    }

    public SourceText Source { get; }

    public Variables Variables { get; }

    public string BaseDirectory { get; }

    public List<Diagnostic> Diagnostics { get; } = [];

    /// <summary>A file with thousands of mistakes needs its first ones fixed, not all printed (nor all suggested).</summary>
    public const int MaxDiagnostics = 100;

    public int Suppressed { get; private set; }

    public void Error(SourceSpan span, string message, string? hint = null)
    {
        if (Diagnostics.Count >= MaxDiagnostics)
        {
            Suppressed++;
            return;
        }
        Diagnostics.Add(Diagnostic.Error(Source, span, message, hint));
    }

    public void Error(YNode node, string message, string? hint = null) => Error(node.Span, message, hint);

    public YMapping? Mapping(YNode node, string what)
    {
        if (node is YMapping m)
        {
            return m;
        }
        Error(node, $"`{what}` must be a mapping, found {node.Describe()}", $"write it as `{what}: {{ key: value }}` or as indented `key: value` lines");
        return null;
    }

    /// <summary>Reports every key not in <paramref name="allowed"/>, with a did-you-mean hint.</summary>
    public void CheckKeys(YMapping mapping, IReadOnlyCollection<string> allowed, string where)
    {
        foreach (var entry in mapping.Entries)
        {
            if (!allowed.Contains(entry.Key.Value))
            {
                if (Diagnostics.Count >= MaxDiagnostics)
                {
                    // Past the cap, skip the did-you-mean search too: it is the expensive part.
                    Suppressed++;
                    continue;
                }
                Error(entry.Key, $"unknown key `{entry.Key.Value}` in {where}", Suggestions.Hint(entry.Key.Value, allowed));
            }
        }
    }

    /// <summary>A text value with variables substituted; null (and a diagnostic) when it is not a scalar or a variable is undefined.</summary>
    public string? Text(YNode node, string what, bool allowEmpty = false)
    {
        if (node is not YScalar scalar)
        {
            Error(node, $"`{what}` must be a text value, found {node.Describe()}");
            return null;
        }
        if (scalar.IsNull)
        {
            if (allowEmpty)
            {
                return string.Empty;
            }
            Error(node, $"`{what}` needs a value");
            return null;
        }
        var result = Variables.Substitute(scalar.Value, BaseDirectory);
        if (result.Error is not null)
        {
            // Point at the reference itself when it sits on the scalar's first line.
            var span = scalar.Span;
            var line = Source.Line(span.Start.Line);
            var reference = scalar.Value.Length > result.ErrorOffset ? scalar.Value[result.ErrorOffset..] : scalar.Value;
            var from = Math.Clamp(span.Start.Column - 1, 0, line.Length);
            var at = line.IndexOf(reference, from, StringComparison.Ordinal);
            if (at >= 0)
            {
                var close = scalar.Value.IndexOf('}', result.ErrorOffset);
                var len = close >= 0 ? close - result.ErrorOffset + 1 : scalar.Value.Length - result.ErrorOffset;
                span = Source.Span(span.Start.Line, at + 1, span.Start.Line, at + 1 + len);
            }
            Error(span, result.Error, result.Hint);
            return null;
        }
        return result.Value;
    }

    /// <summary>A single-line value that goes into an SMTP command: CR or LF would inject another command.</summary>
    public string? Line(YNode node, string what, bool allowEmpty = false)
    {
        var text = Text(node, what, allowEmpty);
        if (text is not null && (text.Contains('\r', StringComparison.Ordinal) || text.Contains('\n', StringComparison.Ordinal)))
        {
            Error(node, $"`{what}` contains a line break", "a command argument must be one line; a line break would inject another SMTP command");
            return null;
        }
        return text;
    }

    /// <summary>A path from the scenario, resolved against the scenario's folder; control characters are refused.</summary>
    public string? PathValue(YNode node, string what)
    {
        var text = Line(node, what);
        if (text is null)
        {
            return null;
        }
        if (text.Any(char.IsControl))
        {
            Error(node, $"`{what}` contains a control character", "write the path as plain text");
            return null;
        }
        return System.IO.Path.IsPathRooted(text) ? text : System.IO.Path.GetFullPath(System.IO.Path.Combine(BaseDirectory, text));
    }

    public int? Int(YNode node, string what, int min, int max)
    {
        var text = Text(node, what);
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            var numeric = text.TrimStart('-').Length > 0 && text.TrimStart('-').All(char.IsAsciiDigit);
            Error(node, numeric ? $"`{what}` must be between {min} and {max}, found {text}" : $"`{what}` must be a whole number, found `{text}`");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, $"`{what}` must be between {min} and {max}, found {value}");
            return null;
        }
        return value;
    }

    public bool? Bool(YNode node, string what)
    {
        var text = Text(node, what);
        switch (text)
        {
            case null:
                return null;
            case "true" or "True" or "yes":
                return true;
            case "false" or "False" or "no":
                return false;
            default:
                Error(node, $"`{what}` must be true or false, found `{text}`");
                return null;
        }
    }

    /// <summary>Durations like `10s`, `250ms`, `2m`, or a bare number of seconds.</summary>
    public TimeSpan? Duration(YNode node, string what, TimeSpan min, TimeSpan max)
    {
        var text = Text(node, what);
        if (text is null)
        {
            return null;
        }
        var (number, unit) = SplitUnit(text.Trim());
        TimeSpan? value = null;
        var tooLarge = false;
        if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
        {
            double? seconds = unit switch
            {
                "ms" => n / 1000,
                "s" or "" => n,
                "m" => n * 60,
                _ => null,
            };
            // Compare as a number first: TimeSpan.From* throws on values beyond its range.
            tooLarge = seconds > max.TotalSeconds;
            value = seconds is { } sec && !tooLarge ? TimeSpan.FromSeconds(sec) : null;
        }
        if (tooLarge)
        {
            Error(node, $"`{what}` must be between {Durations.Format(min)} and {Durations.Format(max)}, found `{text}`");
            return null;
        }
        if (value is null)
        {
            Error(node, $"`{what}` must be a duration, found `{text}`", "write e.g. `10s`, `500ms` or `2m`");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, $"`{what}` must be between {Durations.Format(min)} and {Durations.Format(max)}, found `{text}`");
            return null;
        }
        return value;
    }

    /// <summary>One value or a list of values.</summary>
    public List<(string Value, YNode Node)> List(YNode node, string what)
    {
        var items = node is YSequence seq ? seq.Items : [node];
        var result = new List<(string, YNode)>();
        foreach (var item in items)
        {
            var text = Line(item, what);
            if (text is not null)
            {
                result.Add((text, item));
            }
        }
        return result;
    }

    private static (string Number, string Unit) SplitUnit(string text)
    {
        var i = text.Length;
        while (i > 0 && char.IsAsciiLetter(text[i - 1]))
        {
            i--;
        }
        return (text[..i], text[i..]);
    }
}
