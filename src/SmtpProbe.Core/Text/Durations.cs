using System.Globalization;

namespace SmtpProbe.Core.Text;

/// <summary>Durations as users write them in scenarios (`10s`, `250ms`), so messages quote them the same way.</summary>
public static class Durations
{
    public static string Format(TimeSpan t) =>
        t.TotalSeconds >= 1 && t.Milliseconds == 0
            ? $"{t.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
            : $"{t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
}
