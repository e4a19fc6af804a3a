using System.Text.RegularExpressions;
using SmtpProbe.Core.Evaluation;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Tests;

/// <summary>Pure evaluation of expectations against canned replies.</summary>
public sealed class AssertionsTests
{
    private static readonly Reply Ehlo = new(250, null,
    [
        "mx.example.test Hello probe.example.test",
        "PIPELINING",
        "SIZE 10240000",
        "starttls",
        "AUTH PLAIN LOGIN",
        "8BITMIME",
    ]);

    private static Expectation Codes(params string[] codes) => Expectation.ForCodes(codes);

    private static Expectation With(string? enhanced = null, Regex? text = null, string? contains = null, CapabilityCheck[]? has = null, CapabilityCheck[]? lacks = null) =>
        new([], enhanced, text, contains, has ?? [], lacks ?? [], IsDefault: false);

    private static CapabilityCheck Cap(string source)
    {
        var parts = source.Split(' ', 2);
        return parts.Length == 2 && parts[1].StartsWith(">=", StringComparison.Ordinal)
            ? new CapabilityCheck(parts[0], null, long.Parse(parts[1][2..].Trim(), System.Globalization.CultureInfo.InvariantCulture), source)
            : new CapabilityCheck(parts[0], parts.Length == 2 ? parts[1] : null, null, source);
    }

    private static CheckResult One(Expectation e, Reply r) => Assert.Single(Assertions.Evaluate(e, r));

    [Theory]
    [InlineData("250", 250, true)]
    [InlineData("250", 251, false)]
    [InlineData("2xx", 250, true)]
    [InlineData("2xx", 550, false)]
    [InlineData("25x", 251, true)]
    [InlineData("25x", 261, false)]
    [InlineData("x5x", 550, true)]
    [InlineData("xxx", 421, true)]
    public void When_CodeIsExactOrAClass_ItMatchesPerDigit(string pattern, int code, bool passed)
    {
        var check = One(Codes(pattern), new Reply(code, null, ["text"]));

        Assert.Equal(passed, check.Passed);
        Assert.Equal($"code {pattern}", check.Expected);
        Assert.Equal(code.ToString(System.Globalization.CultureInfo.InvariantCulture), check.Actual);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(-1)]
    public void When_CodeHasNotThreeDigits_NoPatternMatches(int code)
    {
        Assert.False(new CodePattern("xxx").Matches(code));
    }

    [Fact]
    public void When_CodesAreAList_AnyOfThemPassesAndExpectedNamesAll()
    {
        var check = One(Codes("250", "251"), new Reply(251, null, ["ok"]));

        Assert.True(check.Passed);
        Assert.Equal("code 250 or 251", check.Expected);
        Assert.False(One(Codes("250", "251"), new Reply(252, null, ["ok"])).Passed);
    }

    [Theory]
    [InlineData("5.7.1", "5.7.1", true)]
    [InlineData("5.7.x", "5.7.1", true)]
    [InlineData("5.x.x", "5.1.1", true)]
    [InlineData("5.7.x", "5.1.1", false)]
    [InlineData("5.7.1", "5.7.10", false)]
    [InlineData("2.1.5", "2.1", false)]
    public void When_EnhancedCodeIsChecked_XMatchesAnyPart(string pattern, string actual, bool passed)
    {
        var check = One(With(enhanced: pattern), new Reply(550, actual, ["denied"]));

        Assert.Equal(passed, check.Passed);
        Assert.Equal($"enhanced status {pattern}", check.Expected);
        Assert.Equal(actual, check.Actual);
    }

    [Fact]
    public void When_ReplyHasNoEnhancedCode_CheckFailsWithNone()
    {
        var check = One(With(enhanced: "5.7.1"), new Reply(550, null, ["denied"]));

        Assert.False(check.Passed);
        Assert.Equal("(none)", check.Actual);
    }

    [Fact]
    public void When_RegexSpansLines_ItSeesTheLinesJoinedByNewline()
    {
        var reply = new Reply(250, "2.0.0", ["first line", "Ok: queued as ABC123"]);

        var check = One(With(text: new Regex("(?m)^Ok: queued as [A-Z0-9]+$")), reply);

        Assert.True(check.Passed);
        Assert.Equal("text matches /(?m)^Ok: queued as [A-Z0-9]+$/", check.Expected);
        Assert.Equal("\"first line\nOk: queued as ABC123\"", check.Actual);
        Assert.True(One(With(text: new Regex("line\nOk")), reply).Passed);
        Assert.False(One(With(text: new Regex("^Ok")), reply).Passed);
    }

    [Fact]
    public void When_RegexTimesOut_CheckFailsInsteadOfThrowing()
    {
        var evil = new Regex("^(a+)+$", RegexOptions.None, TimeSpan.FromMilliseconds(1));

        var check = One(With(text: evil), new Reply(250, null, [new string('a', 40) + "!"]));

        Assert.False(check.Passed);
    }

    [Fact]
    public void When_ContainsIsChecked_ItIgnoresCase()
    {
        var reply = new Reply(554, "5.7.1", ["<x@outside.example>: Relay access denied"]);

        Assert.True(One(With(contains: "RELAY"), reply).Passed);
        var failed = One(With(contains: "greylisted"), reply);
        Assert.False(failed.Passed);
        Assert.Equal("text contains \"greylisted\"", failed.Expected);
        Assert.Equal("\"<x@outside.example>: Relay access denied\"", failed.Actual);
    }

    [Fact]
    public void When_ReplyTextIsLong_ActualIsCutAt200Characters()
    {
        var check = One(With(contains: "zzz"), new Reply(250, null, [new string('a', 300)]));

        Assert.Equal("\"" + new string('a', 200) + "…\"", check.Actual);
    }

    [Theory]
    [InlineData("STARTTLS", true, "STARTTLS")]
    [InlineData("AUTH PLAIN", true, "AUTH PLAIN LOGIN")]
    [InlineData("AUTH login", true, "AUTH PLAIN LOGIN")]
    [InlineData("AUTH CRAM-MD5", false, "AUTH PLAIN LOGIN")]
    [InlineData("SIZE >= 10000000", true, "SIZE 10240000")]
    [InlineData("SIZE >= 10240000", true, "SIZE 10240000")]
    [InlineData("SIZE >= 20000000", false, "SIZE 10240000")]
    [InlineData("SMTPUTF8", false, "no SMTPUTF8 (advertised: PIPELINING, SIZE 10240000, starttls, AUTH PLAIN LOGIN, 8BITMIME)")]
    public void When_EhloHasIsChecked_KeywordParameterAndSizeAreHonoured(string source, bool passed, string actual)
    {
        var check = One(With(has: [Cap(source)]), Ehlo);

        Assert.Equal(passed, check.Passed);
        Assert.Equal($"EHLO has {source}", check.Expected);
        Assert.Equal(actual, check.Actual);
    }

    [Theory]
    [InlineData("STARTTLS", false)]
    [InlineData("AUTH CRAM-MD5", true)]
    [InlineData("AUTH PLAIN", false)]
    [InlineData("SMTPUTF8", true)]
    public void When_EhloLacksIsChecked_ItIsTheNegationOfHas(string source, bool passed)
    {
        var check = One(With(lacks: [Cap(source)]), Ehlo);

        Assert.Equal(passed, check.Passed);
        Assert.Equal($"EHLO lacks {source}", check.Expected);
    }

    [Theory]
    [InlineData("SIZE 0")]
    [InlineData("SIZE")]
    public void When_SizeIsZeroOrBare_ItMeansUnlimitedAndPassesAnyMinimum(string sizeLine)
    {
        var reply = new Reply(250, null, ["mx", sizeLine]);

        Assert.True(One(With(has: [Cap("SIZE >= 999999999999")]), reply).Passed);
    }

    [Fact]
    public void When_SizeIsNotANumber_MinimumCheckFails()
    {
        Assert.False(One(With(has: [Cap("SIZE >= 1")]), new Reply(250, null, ["mx", "SIZE lots"])).Passed);
    }

    [Fact]
    public void When_AuthIsAdvertisedOldStyle_AuthEqualsCountsAsAuth()
    {
        var reply = new Reply(250, null, ["mx.example.test", "AUTH=LOGIN PLAIN"]);

        Assert.True(One(With(has: [Cap("AUTH LOGIN")]), reply).Passed);
        Assert.True(One(With(has: [Cap("AUTH PLAIN")]), reply).Passed);
        var caps = EhloCapabilities.Parse(reply);
        Assert.Equal(["LOGIN", "PLAIN"], caps.Parameters("AUTH"));
    }

    [Fact]
    public void When_AuthIsAdvertisedBothWays_ParametersAreMerged()
    {
        var caps = EhloCapabilities.Parse(new Reply(250, null, ["mx", "AUTH PLAIN", "AUTH=LOGIN"]));

        Assert.Equal(["PLAIN", "LOGIN"], caps.Parameters("AUTH"));
        Assert.Equal("AUTH PLAIN LOGIN", caps.ToString());
    }

    [Fact]
    public void When_KeywordIsOnlyOnTheGreetingLine_ItIsNotACapability()
    {
        var caps = EhloCapabilities.Parse(new Reply(250, null, ["STARTTLS"]));

        Assert.False(caps.Has("STARTTLS"));
        Assert.Equal("(none)", caps.ToString());
    }

    [Fact]
    public void When_EhloReplyIsNot250_NoCapabilitiesAndHasFails()
    {
        var check = One(With(has: [Cap("STARTTLS")]), new Reply(502, null, ["mx", "STARTTLS"]));

        Assert.False(check.Passed);
        Assert.Equal("no STARTTLS (advertised: (none))", check.Actual);
    }

    [Fact]
    public void When_ExpectationIsAnyReply_NoChecksAreMade()
    {
        Assert.Empty(Assertions.Evaluate(Expectation.AnyReply, new Reply(500, null, ["what?"])));
    }

    [Fact]
    public void When_SeveralThingsAreExpected_ChecksComeInAFixedOrder()
    {
        var e = new Expectation([new CodePattern("250")], "2.0.0", new Regex("queued"), "ok", [], [], IsDefault: false);

        var checks = Assertions.Evaluate(e, new Reply(250, "2.0.0", ["Ok: queued"]));

        Assert.Equal(["code 250", "enhanced status 2.0.0", "text matches /queued/", "text contains \"ok\""], checks.Select(c => c.Expected));
        Assert.All(checks, c => Assert.True(c.Passed));
    }
}
