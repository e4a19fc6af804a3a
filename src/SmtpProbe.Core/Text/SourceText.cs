namespace SmtpProbe.Core.Text;

/// <summary>A scenario file's text, kept so diagnostics can quote the offending line.</summary>
public sealed class SourceText
{
    private readonly string[] _lines;

    public SourceText(string path, string text, string? fullPath = null)
    {
        Path = path;
        Text = text;
        FullPath = fullPath ?? System.IO.Path.GetFullPath(path);
        _lines = SplitLines(text);
    }

    /// <summary>Lines as YAML 1.2 counts them: CRLF, CR and LF. (NEL, LS and PS are refused by the reader before parsing.)</summary>
    public static string[] SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\r')
            {
                lines.Add(text[start..i]);
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                start = i + 1;
            }
        }
        lines.Add(text[start..]);
        return [.. lines];
    }

    public int LineCount => _lines.Length;

    /// <summary>The path shown to users (relative to the working folder when inside it).</summary>
    public string Path { get; }

    /// <summary>Where the file really is: relative paths inside a scenario start from its folder.</summary>
    public string FullPath { get; }

    public string Text { get; }

    /// <summary>The 1-based line without its line ending; empty when out of range.</summary>
    public string Line(int line) =>
        line >= 1 && line <= _lines.Length ? _lines[line - 1] : string.Empty;

    public SourceSpan Span(int line, int column, int endLine, int endColumn) =>
        new(Path, new SourcePosition(line, column), new SourcePosition(endLine, endColumn));

    /// <summary>A span covering the whole first line; used when a file-level problem has no node.</summary>
    public SourceSpan Start => Span(1, 1, 1, Math.Max(2, Line(1).Length + 1));
}
