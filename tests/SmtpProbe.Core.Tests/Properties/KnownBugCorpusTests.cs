using System.Text.RegularExpressions;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Reading;
using SmtpProbe.Testing;

namespace SmtpProbe.Core.Tests.Properties;

/// <summary>
/// Malformed scenarios whose diagnostics are wrong today (a crash, a misleading hint, a confusing message).
/// They sit in bad/known-bugs/ so the main corpus stays green; each is checked exactly as the corpus checks
/// bad/, against golden/bad/known-bugs/&lt;name&gt;.txt. Where the right text is clear the golden file holds it,
/// hand-written; where the fix decides the wording it is absent, so the first run after the fix writes a
/// .received file to review. Once fixed: remove the entry below and move the file and its golden up to bad/.
/// </summary>
public sealed class KnownBugCorpusTests
{
    private static readonly Dictionary<string, string> KnownBugs = new(StringComparer.Ordinal)
    {
        ["bind-bare-number"] = "BUG: `bind: 10` passes validation as 0.0.0.10 (IPAddress.TryParse accepts inet_aton's legacy forms: `10`, `127.1` = 127.0.0.1, `0x7f.1`), so the mistake only shows at run time as an address not on this machine (exit 3, after other scenarios ran); ScenarioBinder.BindServer should accept IPv4 only as four decimal parts (or compare the parsed address's canonical text with the input)",
        ["ca-file-nul-escape"] = "BUG: `ca_file: \"certs/ca\\0.pem\"` (a YAML \\0 escape) makes ScenarioBinder.BindTls call Path.GetFullPath on a path with NUL, which throws ArgumentException out of ScenarioBinder.Bind (crash, stack trace, not exit 2); reject control characters in paths with a diagnostic",
        ["body-file-nul-escape"] = "BUG: `body_file: \"body\\0.txt\"` makes ScenarioBinder.BindMessageFields (ReadFile) call Path.GetFullPath on a path with NUL, which throws ArgumentException out of ScenarioBinder.Bind; same fix as ca_file (also raw_file and tls.client_cert/client_key)",
        ["syntax-bad-indentation"] = "BUG: a key indented one space more than its sibling (`   port: 25` under `  host: ...`) gets the hint \"a value containing `: ` must be quoted\", which sends the user the wrong way; YamlTreeReader.SyntaxError should give that hint only when the line's indentation matches its siblings, and otherwise say the line is indented differently from the key above it",
        ["undefined-file-variable"] = "BUG: a `${file:PATH}` that does not exist is reported as \"file `PATH` is not defined\" (Variables.Substitute uses the wording for variables); a file is missing, not undefined: say \"file `PATH` does not exist\"",
    };

    private static string Dir => Path.Combine(TestFiles.ProjectDir(), "bad", "known-bugs");

    private static IEnumerable<string> Names() =>
        Directory.GetFiles(Dir, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal);

    public static IEnumerable<TheoryDataRow<string>> Cases() =>
        Names().Select(n => new TheoryDataRow<string>(n) { Skip = KnownBugs.GetValueOrDefault(n) });

    [Fact]
    public void When_KnownBugsAreListed_EachNamesAFileAndEachFileHasAReason()
    {
        var names = Names().ToList();
        Assert.Equal(names, KnownBugs.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void When_ScenarioIsMalformed_DiagnosticsAreCleanAndMatchGolden(string name)
    {
        var loaded = ScenarioLoader.Load([Path.Combine(Dir, name + ".yaml")], Variables.Empty, relativeTo: TestFiles.ProjectDir());

        Assert.Empty(loaded.Files);
        Assert.Empty(loaded.UsageErrors);
        Assert.Contains(loaded.Diagnostics, d => d.Severity == Severity.Error);
        var position = new Regex($@"--> bad/known-bugs/{Regex.Escape(name)}\.yaml:\d+:\d+\n");
        var rendered = loaded.Diagnostics.Select(DiagnosticRenderer.Render).ToList();
        foreach (var text in rendered)
        {
            Assert.Matches(position, text);
            Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        }
        Golden.AssertMatches($"bad/known-bugs/{name}.txt", string.Join("\n\n", rendered) + "\n");
    }
}
