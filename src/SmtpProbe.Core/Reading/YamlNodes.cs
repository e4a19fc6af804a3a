using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Reading;

/// <summary>Our own YAML syntax tree: every node carries the span the YamlDotNet parser gave it.</summary>
public abstract record YNode(SourceSpan Span)
{
    /// <summary>Words used in type errors: "a mapping", "a list", "a text value".</summary>
    public abstract string Describe();
}

/// <summary>A scalar. Plain scalars may be typed (numbers, booleans, null); quoted ones are always text.</summary>
public sealed record YScalar(string Value, bool Quoted, SourceSpan Span) : YNode(Span)
{
    public bool IsNull => !Quoted && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "an empty value" : $"the text `{Value}`";
}

public sealed record YSequence(IReadOnlyList<YNode> Items, SourceSpan Span) : YNode(Span)
{
    public override string Describe() => "a list";
}

public sealed record YEntry(YScalar Key, YNode Value);

public sealed record YMapping(IReadOnlyList<YEntry> Entries, SourceSpan Span) : YNode(Span)
{
    public override string Describe() => "a mapping";

    public YEntry? Find(string key) => Entries.FirstOrDefault(e => e.Key.Value == key);
}
