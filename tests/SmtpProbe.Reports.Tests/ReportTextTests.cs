using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace SmtpProbe.Reports.Tests;

public class ReportTextTests
{
    /// <summary>Every UTF-16 code unit once, lone surrogates included, then a proper pair.</summary>
    private static readonly string EveryCodeUnit =
        new string(Enumerable.Range(0, 0x10000).Select(i => (char)i).ToArray()) + "\U0001F4E7";

    [Theory]
    [InlineData("250 2.1.5 Ok <a@b> café \t\r\n")]
    [InlineData("")]
    public void Clean_text_passes_through_every_sink_untouched(string text)
    {
        Assert.Same(text, ReportText.ForXml(text));
        Assert.Same(text, ReportText.ForJson(text));
    }

    [Theory]
    [InlineData("\0", @"\x00")]
    [InlineData("\u001b[0m", @"\x1b[0m")]
    [InlineData("\uFFFE\uFFFF", @"\uFFFE\uFFFF")]
    [InlineData("\u007F\u0085", "\u007F\u0085")]
    [InlineData("\U0001F4E7", "\U0001F4E7")]
    public void Xml_escapes_exactly_the_characters_xml_forbids(string text, string expected)
    {
        Assert.Equal(expected, ReportText.ForXml(text));
    }

    // Lone surrogates are checked in facts, not InlineData: xUnit serializes theory data as UTF-8, which mangles them.
    [Fact]
    public void Xml_escapes_lone_surrogates_and_keeps_pairs()
    {
        Assert.Equal(@"\uD800", ReportText.ForXml("\uD800"));
        Assert.Equal(@"\uDFFF!", ReportText.ForXml("\uDFFF!"));
        Assert.Equal(@"a\uDC00\uD800b", ReportText.ForXml("a\uDC00\uD800b"));
        Assert.Equal(@"\uD83D", ReportText.ForXml("\uD83D"));
    }

    [Fact]
    public void Json_only_replaces_lone_surrogates()
    {
        Assert.Equal("\uFFFD", ReportText.ForJson("\uD800"));
        Assert.Equal("a\uFFFD\uFFFDb", ReportText.ForJson("a\uDC00\uD800b"));
        Assert.Equal("x\uFFFD", ReportText.ForJson("x\uD83D"));
        Assert.Equal("\0\u001b", ReportText.ForJson("\0\u001b"));
        Assert.Equal("\U0001F4E7", ReportText.ForJson("\U0001F4E7"));
    }

    [Fact]
    public void Junit_report_survives_every_code_unit_and_stays_valid()
    {
        var xml = Validation.JUnit(Fixtures.Hostile(EveryCodeUnit));

        Validation.AssertValidJUnit(xml);
        // Valid is not enough: the hostile text must still be there, as visible escapes, not dropped.
        var name = (string?)XDocument.Parse(xml).Descendants("testcase").First().Attribute("name");
        Assert.Equal("hostile " + ReportText.ForXml(EveryCodeUnit), name);
        Assert.Contains(@"\x00\x01\x02", name, StringComparison.Ordinal);
        Assert.Contains(@"\uD800", name, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_report_survives_every_code_unit_and_stays_valid()
    {
        var json = Validation.Json(Fixtures.Hostile(EveryCodeUnit));

        Validation.AssertValidJson(json);
        using var doc = JsonDocument.Parse(json);
        var name = doc.RootElement.GetProperty("files")[0].GetProperty("scenarios")[0].GetProperty("name").GetString();
        // Independent oracle: .NET's UTF-8 encoder also turns each lone surrogate into U+FFFD and keeps pairs.
        var expected = "hostile " + Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(EveryCodeUnit));
        Assert.Equal(expected, name);
    }

    [Fact]
    public void Console_report_survives_every_code_unit_without_raw_controls()
    {
        var text = Validation.Console(Fixtures.Hostile(EveryCodeUnit), color: false);

        Assert.DoesNotContain(text, c => char.IsControl(c) && c != '\n' && c != '\t');
        _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(text);
        // Escaped, not dropped: the controls and lone surrogates are shown for what they were.
        Assert.Contains(@"\x00\x01\x02", text, StringComparison.Ordinal);
        Assert.Contains(@"\x1b", text, StringComparison.Ordinal);
        Assert.Contains(@"\uD800", text, StringComparison.Ordinal);
    }
}
