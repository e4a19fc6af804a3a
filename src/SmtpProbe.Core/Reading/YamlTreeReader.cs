using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SmtpProbe.Core.Reading;

/// <summary>
/// Reads YAML through YamlDotNet's event parser into <see cref="YNode"/>s with positions.
/// Why the event API: it is AOT-safe (no reflection), it keeps every node's marks, and it lets us
/// refuse what a scenario never needs but an attacker can abuse: aliases (billion laughs), deep
/// nesting, duplicate keys (YAML says they are an error; YamlDotNet's representation model throws).
/// </summary>
public static class YamlTreeReader
{
    public const int MaxDepth = 32;
    public const int MaxBytes = 1 << 20;

    public static (YNode? Root, IReadOnlyList<Diagnostic> Diagnostics) Read(SourceText source)
    {
        var diagnostics = new List<Diagnostic>();
        if (source.Text.Length > MaxBytes)
        {
            diagnostics.Add(Diagnostic.Error(source, source.Start, $"scenario file is too large ({source.Text.Length} characters)", $"a scenario file may hold at most {MaxBytes} characters; split it into several files"));
            return (null, diagnostics);
        }
        // YamlDotNet (YAML 1.1) breaks lines at NEL, LS and PS, which editors do not show; positions would
        // disagree with what the user sees, so such a character is reported where it is.
        var odd = source.Text.IndexOfAny(['\u0085', '\u2028', '\u2029']);
        if (odd >= 0 && !source.Text.Contains('\0', StringComparison.Ordinal))
        {
            var before = SourceText.SplitLines(source.Text[..odd]);
            var line = before.Length;
            var column = before[^1].Length + 1;
            var name = source.Text[odd] switch { '\u0085' => "U+0085 NEXT LINE", '\u2028' => "U+2028 LINE SEPARATOR", _ => "U+2029 PARAGRAPH SEPARATOR" };
            diagnostics.Add(Diagnostic.Error(source, source.Span(line, column, line, column + 1), $"the file contains a {name} character, which YAML reads as a line break", "remove it or replace it with a space (most editors do not show it)"));
            return (null, diagnostics);
        }
        if (source.Text.Contains('\0', StringComparison.Ordinal))
        {
            diagnostics.Add(Diagnostic.Error(source, source.Start, "this is not a text file (it contains NUL bytes)", "a scenario is a UTF-8 YAML file"));
            return (null, diagnostics);
        }
        try
        {
            var parser = new Parser(new StringReader(source.Text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                diagnostics.Add(Diagnostic.Error(source, source.Start, "the scenario file is empty", "a scenario needs at least `name:` and `server:`"));
                return (null, diagnostics);
            }
            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, source, diagnostics, depth: 0);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                diagnostics.Add(Diagnostic.Error(source, SpanOf(source, second), "a scenario file holds one YAML document, found a second one", "use a `scenarios:` list to put several scenarios in one file"));
            }
            return (root, diagnostics);
        }
        catch (YamlException e)
        {
            diagnostics.Add(SyntaxError(source, ClampLine(e.Start.Line), ClampColumn(e.Start.Column), ClampLine(e.End.Line), ClampColumn(e.End.Column) + 1, CleanMessage(e.Message)));
            return (null, diagnostics);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this (not a YamlException) on some unclosed flow collections.
            var lastLine = Math.Max(1, SourceText.SplitLines(source.Text.TrimEnd()).Length);
            diagnostics.Add(SyntaxError(source, lastLine, 1, lastLine, Math.Max(2, source.Line(lastLine).Length + 1),
                "the file ends inside an unclosed `{`, `[` or quote"));
            _ = e;
            return (null, diagnostics);
        }
    }

    /// <summary>A syntax error with the hint a person needs; a tab used for indentation is pointed at directly.</summary>
    private static Diagnostic SyntaxError(SourceText source, int line, int column, int endLine, int endColumn, string message)
    {
        // YamlDotNet's end-of-file mark can lie one line past the last line (no final line end).
        if (line > source.LineCount)
        {
            line = endLine = source.LineCount;
            column = Math.Max(1, source.Line(line).Length);
            endColumn = column + 1;
        }
        // YamlDotNet reports a tab at the enclosing mapping's start; the tab itself is what the user must fix.
        var lines = SourceText.SplitLines(source.Text);
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent)
            {
                return Diagnostic.Error(source, source.Span(i + 1, tab + 1, i + 1, tab + 2), "invalid YAML: a tab is used for indentation", "YAML does not allow tabs for indentation; use spaces");
            }
        }
        string? hint = null;
        if (message.Contains("mapping values are not allowed", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("found invalid mapping", StringComparison.OrdinalIgnoreCase))
        {
            // Two `: ` on one line is an unquoted value with a colon; otherwise the indentation is off.
            var text = source.Line(line);
            var first = text.IndexOf(": ", StringComparison.Ordinal);
            hint = first >= 0 && text.IndexOf(": ", first + 2, StringComparison.Ordinal) > 0
                ? "a value containing `: ` must be quoted, e.g. `name: \"smtp check: port 25\"`"
                : "check this line's indentation against the lines above: keys of one mapping start in the same column";
        }
        return Diagnostic.Error(source, source.Span(line, column, endLine, Math.Max(endColumn, column + 1)), $"invalid YAML: {message}", hint);
    }

    private static YNode ReadNode(IParser parser, SourceText source, List<Diagnostic> diagnostics, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new YamlException(parser.Current!.Start, parser.Current.End, $"nesting deeper than {MaxDepth} levels");
        }
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            RejectAnchor(scalar, source);
            return new YScalar(scalar.Value, scalar.Style is not ScalarStyle.Plain, SpanOf(source, scalar));
        }
        if (parser.TryConsume<SequenceStart>(out var seqStart))
        {
            RejectAnchor(seqStart, source);
            var items = new List<YNode>();
            while (!parser.TryConsume<SequenceEnd>(out var seqEnd))
            {
                items.Add(ReadNode(parser, source, diagnostics, depth + 1));
                _ = seqEnd;
            }
            return new YSequence(items, SpanOf(source, seqStart));
        }
        if (parser.TryConsume<MappingStart>(out var mapStart))
        {
            RejectAnchor(mapStart, source);
            var entries = new List<YEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyNode = ReadNode(parser, source, diagnostics, depth + 1);
                var value = ReadNode(parser, source, diagnostics, depth + 1);
                if (keyNode is not YScalar key)
                {
                    diagnostics.Add(Diagnostic.Error(source, keyNode.Span, "a key must be a plain word", "write keys like `host:`"));
                    continue;
                }
                if (!seen.Add(key.Value))
                {
                    diagnostics.Add(Diagnostic.Error(source, key.Span, $"duplicate key `{key.Value}`", "each key may appear once in a mapping; remove one of them"));
                    continue;
                }
                entries.Add(new YEntry(key, value));
            }
            return new YMapping(entries, SpanOf(source, mapStart));
        }
        if (parser.Current is AnchorAlias alias)
        {
            throw new YamlException(alias.Start, alias.End, "aliases (`*name`) are not supported in scenarios");
        }
        var current = parser.Current!;
        throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
    }

    /// <summary>Anchors only matter for aliases, which we refuse; refusing both keeps the message at the anchor.</summary>
    private static void RejectAnchor(NodeEvent node, SourceText source)
    {
        if (!node.Anchor.IsEmpty)
        {
            throw new YamlException(node.Start, node.End, $"anchors (`&{node.Anchor.Value}`) and aliases are not supported in scenarios");
        }
    }

    private static SourceSpan SpanOf(SourceText source, ParsingEvent e)
    {
        var line = ClampLine(e.Start.Line);
        var endLine = ClampLine(e.End.Line);
        var column = ClampColumn(e.Start.Column);
        var endColumn = ClampColumn(e.End.Column);
        if (endLine == line && endColumn <= column)
        {
            endColumn = column + 1;
        }
        return source.Span(line, column, endLine, endColumn);
    }

    private static int ClampLine(long line) => (int)Math.Clamp(line, 1, int.MaxValue);

    private static int ClampColumn(long column) => (int)Math.Clamp(column, 1, int.MaxValue);

    /// <summary>YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (...): "; we print positions ourselves.</summary>
    private static string CleanMessage(string message)
    {
        var i = message.LastIndexOf("): ", StringComparison.Ordinal);
        return (i >= 0 && message.StartsWith('(') ? message[(i + 3)..] : message).Trim();
    }
}
