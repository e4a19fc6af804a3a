using System.Globalization;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Evaluation;

/// <summary>Pure evaluation of an expectation against a reply: no I/O, tested with canned replies.</summary>
public static class Assertions
{
    public static IReadOnlyList<CheckResult> Evaluate(Expectation expect, Reply reply)
    {
        var checks = new List<CheckResult>();
        var code = reply.Code.ToString("000", CultureInfo.InvariantCulture);
        if (expect.Codes.Count > 0)
        {
            checks.Add(new CheckResult(
                $"code {string.Join(" or ", expect.Codes)}",
                code,
                expect.Codes.Any(c => c.Matches(reply.Code))));
        }
        if (expect.EnhancedCode is { } enhanced)
        {
            checks.Add(new CheckResult(
                $"enhanced status {enhanced}",
                reply.EnhancedCode ?? "(none)",
                reply.EnhancedCode is { } actual && EnhancedMatches(enhanced, actual)));
        }
        var text = string.Join("\n", reply.Lines);
        if (expect.TextMatches is { } regex)
        {
            bool matched;
            try
            {
                matched = regex.IsMatch(text);
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                matched = false;
            }
            checks.Add(new CheckResult($"text matches /{regex}/", Quote(text), matched));
        }
        if (expect.TextContains is { } contains)
        {
            checks.Add(new CheckResult($"text contains \"{contains}\"", Quote(text), text.Contains(contains, StringComparison.OrdinalIgnoreCase)));
        }
        if (expect.Has.Count > 0 || expect.Lacks.Count > 0)
        {
            var caps = EhloCapabilities.Parse(reply);
            foreach (var has in expect.Has)
            {
                checks.Add(new CheckResult($"EHLO has {has.Source}", Describe(caps, has), Holds(caps, has)));
            }
            foreach (var lacks in expect.Lacks)
            {
                checks.Add(new CheckResult($"EHLO lacks {lacks.Source}", Describe(caps, lacks), !Holds(caps, lacks)));
            }
        }
        return checks;
    }

    /// <summary>RFC 3463 pattern match; `x` matches any value in its position.</summary>
    public static bool EnhancedMatches(string pattern, string actual)
    {
        var p = pattern.Split('.');
        var a = actual.Split('.');
        return p.Length == 3 && a.Length == 3 && p.Zip(a).All(x => x.First == "x" || x.First == x.Second);
    }

    private static bool Holds(EhloCapabilities caps, CapabilityCheck check)
    {
        if (!caps.Has(check.Keyword))
        {
            return false;
        }
        if (check.Parameter is { } parameter)
        {
            return caps.HasParameter(check.Keyword, parameter);
        }
        if (check.MinimumSize is { } min)
        {
            // RFC 1870: SIZE with no value or 0 means no fixed limit.
            var p = caps.Parameters(check.Keyword);
            if (p.Count == 0)
            {
                return true;
            }
            return long.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && (size == 0 || size >= min);
        }
        return true;
    }

    private static string Describe(EhloCapabilities caps, CapabilityCheck check)
    {
        if (!caps.Has(check.Keyword))
        {
            return $"no {check.Keyword} (advertised: {caps})";
        }
        var p = caps.Parameters(check.Keyword);
        return p.Count == 0 ? check.Keyword : $"{check.Keyword} {string.Join(' ', p)}";
    }

    private static string Quote(string text) => text.Length <= 200 ? $"\"{text}\"" : $"\"{text[..200]}…\"";
}
