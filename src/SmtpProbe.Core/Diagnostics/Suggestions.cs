namespace SmtpProbe.Core.Diagnostics;

/// <summary>"Did you mean ...?" for closed vocabularies (keys, step kinds, TLS modes, SASL names).</summary>
public static class Suggestions
{
    public static string? DidYouMean(string actual, IEnumerable<string> vocabulary)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in vocabulary)
        {
            var d = Distance(actual.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        // A suggestion further than a third of the word away is noise, not help.
        return best is not null && bestDistance <= Math.Max(2, actual.Length / 3) ? $"did you mean `{best}`?" : null;
    }

    /// <summary>The hint for a closed vocabulary: a suggestion when one is close, else the whole list.</summary>
    public static string Hint(string actual, IReadOnlyCollection<string> vocabulary) =>
        DidYouMean(actual, vocabulary) ?? $"expected one of: {string.Join(", ", vocabulary)}";

    internal static int Distance(string a, string b)
    {
        // Optimal string alignment distance: a transposition ("rcpt_ot") counts as one edit.
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
