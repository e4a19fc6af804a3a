using System.Text;

namespace SmtpProbe.Testing.Scripted;

/// <summary>Receive buffer that splits client bytes into lines without ever reading past what the dialog needs.</summary>
internal sealed class LineBuffer
{
    public const int MaxLineBytes = 64 * 1024;

    // Room for a maximal line plus its CRLF, so "full without LF" means "line too long".
    private readonly byte[] _buffer = new byte[MaxLineBytes + 2];
    private int _start;
    private int _end;

    public int Count => _end - _start;

    public bool IsFull => Count == _buffer.Length;

    public Memory<byte> FreeSpace()
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, Count);
            _end = Count;
            _start = 0;
        }
        return _buffer.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    /// <summary>Takes one line ending in LF; <paramref name="bareLf"/> tells whether the CR was missing.</summary>
    public bool TryTakeLine(out byte[] line, out bool bareLf)
    {
        var pending = _buffer.AsSpan(_start, Count);
        var lf = pending.IndexOf((byte)'\n');
        if (lf < 0)
        {
            line = [];
            bareLf = false;
            return false;
        }
        bareLf = lf == 0 || pending[lf - 1] != (byte)'\r';
        line = pending[..(bareLf ? lf : lf - 1)].ToArray();
        _start += lf + 1;
        return true;
    }

    public byte[] TakeAll()
    {
        var all = _buffer.AsSpan(_start, Count).ToArray();
        _start = _end = 0;
        return all;
    }
}

/// <summary>Rendering helpers so transcripts show control bytes unambiguously.</summary>
internal static class Display
{
    public static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Shows CR, LF, TAB and other control characters as C escapes.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\r': sb.Append("\\r"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ' or '\x7f': sb.Append("\\x").Append(((int)c).ToString("x2")); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Bytes as text where printable ASCII, \xNN otherwise (for !raw/!text and stray client data).</summary>
    public static string EscapeBytes(ReadOnlySpan<byte> bytes, int limit = 512)
    {
        var sb = new StringBuilder();
        var shown = Math.Min(bytes.Length, limit);
        foreach (var b in bytes[..shown])
        {
            sb.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                < 0x20 or >= 0x7f => $"\\x{b:x2}",
                _ => ((char)b).ToString(),
            });
        }
        if (bytes.Length > shown)
        {
            sb.Append($"... ({bytes.Length} bytes)");
        }
        return sb.ToString();
    }

    public static string Duration(TimeSpan t) =>
        t < TimeSpan.FromSeconds(1) ? $"{t.TotalMilliseconds:0}ms" : $"{t.TotalSeconds:0.###}s";

    /// <summary>Exception message with its inner causes (SslStream puts the useful part in the inner one).</summary>
    public static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            parts.Add($"{e.GetType().Name}: {e.Message}");
        }
        return string.Join(" -> ", parts);
    }
}
