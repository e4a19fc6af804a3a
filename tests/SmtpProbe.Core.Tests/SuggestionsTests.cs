using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Tests;

public sealed class SuggestionsTests
{
    private static readonly string[] ServerKeys = ["host", "port", "bind", "family", "timeout", "connect_timeout", "command_timeout", "retries", "retry_delay"];
    private static readonly string[] StepKinds = [.. StepNames.ByName.Keys];

    [Theory]
    [InlineData("hots", "host")]
    [InlineData("prot", "port")]
    [InlineData("hst", "host")]
    [InlineData("hosts", "host")]
    [InlineData("HOST", "host")]
    [InlineData("retires", "retries")]
    [InlineData("comand_timeout", "command_timeout")]
    [InlineData("connect-timeout", "connect_timeout")]
    public void When_KeyIsMisspelled_HintSuggestsClosestKey(string actual, string expected)
    {
        Assert.Equal($"did you mean `{expected}`?", Suggestions.DidYouMean(actual, ServerKeys));
    }

    [Theory]
    [InlineData("rcpt_too", "rcpt_to")]
    [InlineData("rcpt_ot", "rcpt_to")]
    [InlineData("mial_from", "mail_from")]
    [InlineData("mailfrom", "mail_from")]
    [InlineData("ehol", "ehlo")]
    [InlineData("startls", "starttls")]
    [InlineData("stattls", "starttls")]
    public void When_StepKindIsMisspelled_HintSuggestsClosestKind(string actual, string expected)
    {
        Assert.Equal($"did you mean `{expected}`?", Suggestions.DidYouMean(actual, StepKinds));
    }

    [Theory]
    [InlineData("cram-md6", "cram-md5")]
    [InlineData("scram-sha256", "scram-sha-256")]
    [InlineData("xoauth", "xoauth2")]
    public void When_MechanismIsMisspelled_HintSuggestsClosestMechanism(string actual, string expected)
    {
        Assert.Equal($"did you mean `{expected}`?", Suggestions.DidYouMean(actual, ScenarioBinder.Mechanisms));
    }

    [Theory]
    [InlineData("bounce")]
    [InlineData("xyzzy")]
    [InlineData("deliver_message")]
    [InlineData("")]
    public void When_WordIsFarFromEveryCandidate_NoSuggestionAndHintListsAll(string actual)
    {
        Assert.Null(Suggestions.DidYouMean(actual, StepKinds));
        Assert.Equal("expected one of: " + string.Join(", ", StepKinds), Suggestions.Hint(actual, StepKinds));
    }

    [Fact]
    public void When_VocabularyIsEmpty_NoSuggestion()
    {
        Assert.Null(Suggestions.DidYouMean("host", []));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "abc", 0)]
    [InlineData("ab", "ba", 1)]
    [InlineData("rcpt_ot", "rcpt_to", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "host", 4)]
    [InlineData("ca", "abc", 3)]
    public void When_DistanceIsComputed_TranspositionCountsAsOneEdit(string a, string b, int distance)
    {
        Assert.Equal(distance, Suggestions.Distance(a, b));
        Assert.Equal(distance, Suggestions.Distance(b, a));
    }
}
