namespace SmtpProbe.Core.Text;

/// <summary>A 1-based position in a source file, born in the YAML reader and carried on every model node.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>A range of a source file: where a node starts and ends (1-based, end exclusive).</summary>
public sealed record SourceSpan(string File, SourcePosition Start, SourcePosition End)
{
    public override string ToString() => $"{File}:{Start.Line}:{Start.Column}";
}
