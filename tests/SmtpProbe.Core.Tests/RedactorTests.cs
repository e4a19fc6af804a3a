using System.Text;
using SmtpProbe.Core.Redaction;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Tests;

/// <summary>No secret, raw or encoded, may reach any output.</summary>
public sealed class RedactorTests
{
    private const string Password = "correct-horse-battery";
    private const string User = "probe@example.test";

    private static readonly Redactor R = new([new Secret(Password)], [User]);

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void When_SecretAppearsRaw_ItIsMasked()
    {
        Assert.Equal("PASS *** and again ***", R.Redact($"PASS {Password} and again {Password}"));
    }

    [Fact]
    public void When_SecretAppearsInBase64_ItIsMasked()
    {
        Assert.Equal("C: ***", R.Redact($"C: {B64(Password)}"));
    }

    [Theory]
    [InlineData("\0" + User + "\0" + Password)]
    [InlineData(User + "\0" + User + "\0" + Password)]
    [InlineData("\0\0" + Password)]
    [InlineData("user=" + User + "\u0001auth=Bearer " + Password + "\u0001\u0001")]
    public void When_SaslPayloadCarriesTheSecret_TheWholePayloadIsMasked(string payload)
    {
        Assert.Equal("C: AUTH PLAIN ***", R.Redact($"C: AUTH PLAIN {B64(payload)}"));
    }

    [Fact]
    public void When_UsernameIsUnknownToTheRedactor_PlainPayloadStillLosesTheSecretBytes()
    {
        var redactor = new Redactor([new Secret(Password)]);
        var encoded = B64("\0someone-else\0" + Password);

        var redacted = redactor.Redact(encoded);

        Assert.Contains(Redactor.Mask, redacted, StringComparison.Ordinal);
        AssertSecretBytesAreGone(encoded, redacted, Password);
    }

    [Theory]
    [InlineData("")]
    [InlineData("p")]
    [InlineData("pr")]
    [InlineData("pre")]
    [InlineData("prefix")]
    [InlineData("prefix!")]
    [InlineData("prefix!!")]
    public void When_SecretIsInsideALongerBase64Payload_ItIsMaskedAtEveryAlignment(string prefix)
    {
        var encoded = B64(prefix + Password + "-and-some-trailing-data");

        var redacted = new Redactor([new Secret(Password)]).Redact("C: " + encoded);

        Assert.StartsWith("C: ", redacted, StringComparison.Ordinal);
        Assert.Contains(Redactor.Mask, redacted, StringComparison.Ordinal);
        AssertSecretBytesAreGone(encoded, redacted[3..], Password);
    }

    [Fact]
    public void When_TokenIsAnXoauth2Bearer_ItIsMasked()
    {
        const string token = "ya29.a0AfH6SMBx-very-long-token";
        var redactor = new Redactor([new Secret(token)], [User]);

        var redacted = redactor.Redact("C: AUTH XOAUTH2 " + B64($"user={User}\u0001auth=Bearer {token}\u0001\u0001"));

        Assert.Equal("C: AUTH XOAUTH2 ***", redacted);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S: 250-mx.example.test Hello")]
    [InlineData("correct-horse")]
    [InlineData("C: AUTH PLAIN AHByb2JlQGV4YW1wbGUudGVzdABvdGhlcg==")]
    public void When_TextHoldsNoSecret_ItIsUnchanged(string text)
    {
        Assert.Equal(text, R.Redact(text));
        Assert.Equal(text, Redactor.None.Redact(text));
    }

    [Fact]
    public void When_SecretsAreEmpty_RedactorIsEmptyAndChangesNothing()
    {
        var redactor = new Redactor([new Secret(""), new Secret("")]);

        Assert.True(redactor.IsEmpty);
        Assert.Equal("anything", redactor.Redact("anything"));
        Assert.Null(redactor.RedactOrNull(null));
    }

    [Fact]
    public void When_ScenarioResultIsRedacted_EveryTextFieldIsMasked()
    {
        var at = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var encoded = B64("\0" + User + "\0" + Password);
        var step = new StepResult(
            3, "auth", null, $"AUTH PLAIN {encoded}",
            [new Reply(535, "5.7.8", [$"bad password {Password}"])],
            [new CheckResult($"code 235 ({Password})", $"535 {Password}", false)],
            Outcome.Failed, ErrorKind.None, $"failure: {Password}", TimeSpan.Zero);
        var result = new ScenarioResult(
            $"name {Password}", "f.yaml", null, Outcome.Failed, ErrorKind.None, $"message {encoded}", [step], null, [],
            [$"C: AUTH PLAIN {encoded}", $"S: 535 5.7.8 bad password {Password}"], at, TimeSpan.Zero);

        var r = R.Redact(result);

        Assert.Equal("name ***", r.Name);
        Assert.Equal("message ***", r.Message);
        Assert.Equal(["C: AUTH PLAIN ***", "S: 535 5.7.8 bad password ***"], r.Transcript);
        var s = Assert.Single(r.Steps);
        Assert.Equal("AUTH PLAIN ***", s.Sent);
        Assert.Equal("failure: ***", s.Message);
        Assert.Equal(["bad password ***"], Assert.Single(s.Replies).Lines);
        Assert.Equal("5.7.8", s.Replies[0].EnhancedCode);
        var check = Assert.Single(s.Checks);
        Assert.Equal(("code 235 (***)", "535 ***"), (check.Expected, check.Actual));
        Assert.DoesNotContain(Password, System.Text.Json.JsonSerializer.Serialize(r), StringComparison.Ordinal);
    }

    [Fact]
    public void When_RedactorIsEmpty_ScenarioResultIsReturnedAsIs()
    {
        var result = new ScenarioResult("n", "f", null, Outcome.Passed, ErrorKind.None, null, [], null, [], ["C: QUIT"], DateTimeOffset.UnixEpoch, TimeSpan.Zero);

        Assert.Same(result, Redactor.None.Redact(result));
    }

    [Fact]
    public void When_SecretIsPrinted_ItsToStringHidesIt()
    {
        Assert.Equal("***", new Secret(Password).ToString());
        Assert.DoesNotContain(Password, new AuthSpec("plain", User, new Secret(Password), false, null!).ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Whatever base64 is left around the mask may encode at most 2 bytes of the secret on each side
    /// (the partial 3-byte groups where secret and non-secret bytes share a base64 group).
    /// </summary>
    private static void AssertSecretBytesAreGone(string encoded, string redacted, string secret)
    {
        var masked = redacted.IndexOf(Redactor.Mask, StringComparison.Ordinal);
        Assert.True(masked >= 0, redacted);
        var removed = encoded.Length - (redacted.Length - Redactor.Mask.Length);
        var secretBytes = Encoding.UTF8.GetByteCount(secret);
        Assert.True(removed >= (secretBytes - 4) / 3 * 4, $"only {removed} base64 characters masked in {redacted}");
        Assert.Equal(encoded[..masked], redacted[..masked]);
        foreach (var piece in redacted.Split(Redactor.Mask))
        {
            Assert.DoesNotContain(secret, piece, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))[..8], piece, StringComparison.Ordinal);
        }
    }
}
