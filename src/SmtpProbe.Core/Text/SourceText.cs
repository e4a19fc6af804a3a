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
        _lines = text.Split('\n');
    }

    /// <summary>The path shown to users (relative to the working folder when inside it).</summary>
    public string Path { get; }

    /// <summary>Where the file really is: relative paths inside a scenario start from its folder.</summary>
    public string FullPath { get; }

    public string Text { get; }

    /// <summary>The 1-based line without its line ending; empty when out of range.</summary>
    public string Line(int line) =>
        line >= 1 && line <= _lines.Length ? _lines[line - 1].TrimEnd('\r') : string.Empty;

    public SourceSpan Span(int line, int column, int endLine, int endColumn) =>
        new(Path, new SourcePosition(line, column), new SourcePosition(endLine, endColumn));

    /// <summary>A span covering the whole first line; used when a file-level problem has no node.</summary>
    public SourceSpan Start => Span(1, 1, 1, Math.Max(2, Line(1).Length + 1));
}
