using System.Text.RegularExpressions;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Reading;
using SmtpProbe.Testing;

namespace SmtpProbe.Core.Tests;

/// <summary>
/// The diagnostics corpus: every file in bad/ holds one mistake, and what `validate` prints for it
/// is pinned in golden/bad/&lt;name&gt;.txt. A change in wording, position or hint shows up as a diff.
/// </summary>
public sealed class BadScenarioGoldenTests
{
    /// <summary>
    /// Files whose current output is wrong. Their golden files hold the output a user should see
    /// (hand-written where the right text is known; absent where the fix decides the wording, so the
    /// first run after the fix writes a .received file to review). Remove the entry once src is fixed.
    /// </summary>
    private static readonly Dictionary<string, string> GoldenKnownBugs = new(StringComparer.Ordinal)
    {

    };

    private static readonly Dictionary<string, string> InvariantKnownBugs = new(StringComparer.Ordinal)
    {

    };

    private static string BadDir => Path.Combine(TestFiles.ProjectDir(), "bad");

    private static IEnumerable<string> Names() =>
        Directory.GetFiles(BadDir, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)!).Order(StringComparer.Ordinal);

    public static IEnumerable<TheoryDataRow<string>> GoldenCases() =>
        Names().Select(n => new TheoryDataRow<string>(n) { Skip = GoldenKnownBugs.GetValueOrDefault(n) });

    public static IEnumerable<TheoryDataRow<string>> InvariantCases() =>
        Names().Select(n => new TheoryDataRow<string>(n) { Skip = InvariantKnownBugs.GetValueOrDefault(n) });

    [Fact]
    public void When_CorpusIsListed_ItHoldsAtLeast25FilesAndEveryKnownBugNamesAFile()
    {
        var names = Names().ToList();
        Assert.True(names.Count >= 25, $"only {names.Count} files in bad/");
        Assert.All(GoldenKnownBugs.Keys, k => Assert.Contains(k, names));
    }

    [Fact]
    public void When_CorpusIsListed_EveryGoldenFileBelongsToABadFile()
    {
        var names = Names().ToHashSet(StringComparer.Ordinal);
        var goldens = Directory.GetFiles(Path.Combine(TestFiles.ProjectDir(), "golden", "bad"), "*.txt").Select(Path.GetFileNameWithoutExtension);
        Assert.All(goldens, g => Assert.Contains(g!, names));
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void When_ScenarioIsMalformed_DiagnosticsMatchGolden(string name)
    {
        var loaded = Load(name);

        var rendered = string.Join("\n\n", loaded.Diagnostics.Select(DiagnosticRenderer.Render));
        Golden.AssertMatches($"bad/{name}.txt", rendered + "\n");
    }

    [Theory]
    [MemberData(nameof(InvariantCases))]
    public void When_ScenarioIsMalformed_EveryDiagnosticIsAnErrorWithPositionAndNoExceptionText(string name)
    {
        var loaded = Load(name);

        Assert.Empty(loaded.Files);
        Assert.Empty(loaded.UsageErrors);
        Assert.Contains(loaded.Diagnostics, d => d.Severity == Severity.Error);
        var position = new Regex($@"--> bad/{Regex.Escape(name)}\.yaml:\d+:\d+\n");
        foreach (var rendered in loaded.Diagnostics.Select(DiagnosticRenderer.Render))
        {
            Assert.Matches(position, rendered);
            Assert.DoesNotContain("Exception", rendered, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", rendered, StringComparison.Ordinal);
            Assert.DoesNotContain("YamlDotNet", rendered, StringComparison.Ordinal);
            Assert.DoesNotContain("(Line:", rendered, StringComparison.Ordinal);
        }
    }

    private static ScenarioLoader.LoadResult Load(string name) =>
        ScenarioLoader.Load([Path.Combine(BadDir, name + ".yaml")], Variables.Empty, relativeTo: TestFiles.ProjectDir());
}
