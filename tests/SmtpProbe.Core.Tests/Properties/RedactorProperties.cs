using System.Text;
using CsCheck;
using SmtpProbe.Core.Redaction;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Tests.Properties;

/// <summary>
/// Whatever the secret (5-64 characters, printable ASCII with some multi-byte UTF-8) and however it reaches
/// the output (raw, base64, inside SASL PLAIN, inside a longer base64 payload at any byte alignment), the
/// redacted text gives it away in none of those forms, nor when any base64 run left in it is decoded.
/// </summary>
public sealed class RedactorProperties(ITestOutputHelper output)
{
    public const int Iterations = 100_000;

    public enum Form
    {
        Raw,
        Base64,
        PlainPayload,
        PlainPayloadWithAuthzid,
        Xoauth2,
        EmbeddedInPayload,
    }

    private static readonly string[] NonAscii = ["é", "ß", "ø", "€", "中", "日", "ж", "😀", "🔑", "\u00a0"];

    /// <summary>
    /// A text element: mostly printable ASCII, sometimes a 2-, 3- or 4-byte UTF-8 character, and the mask's own
    /// `*` more often than chance, so that masking next to a secret that contains `***` is tried too.
    /// </summary>
    private static readonly Gen<string> Element = Gen.Frequency(
        (8, Gen.Char[' ', '~'].Select(c => c.ToString())),
        (1, Gen.OneOf(NonAscii)),
        (1, Gen.Const("*")));

    private static readonly Gen<string> SecretGen = Element.Array[5, 64].Select(a => string.Concat(a));

    private static readonly Gen<string> UserGen = Gen.Char[' ', '~'].Array[1, 24].Select(a => new string(a));

    /// <summary>Text around the form in the output, e.g. "C: AUTH PLAIN " before and "\r\n" after.</summary>
    private static readonly Gen<string> Noise = Gen.OneOf(
        Gen.Const(string.Empty),
        Gen.OneOf("C: AUTH PLAIN ", "C: ", "S: 334 ", "\"sent\": \"", "<system-out>"),
        Gen.Char[' ', '~'].Array[0, 16].Select(a => new string(a)));

    private static readonly Gen<Case> Cases =
        from secret in SecretGen
        from user in UserGen
        from form in Gen.Enum<Form>()
        from prefix in Gen.Byte.Array[0, 20]
        from suffix in Gen.Byte.Array[0, 20]
        from before in Noise
        from after in Noise
        select new Case(secret, user, form, prefix, suffix, before, after);

    public sealed record Case(string Secret, string User, Form Form, byte[] Prefix, byte[] Suffix, string Before, string After)
    {
        public string Payload => Form switch
        {
            Form.Raw => Secret,
            Form.Base64 => B64(Encoding.UTF8.GetBytes(Secret)),
            Form.PlainPayload => B64(Encoding.UTF8.GetBytes($"\0{User}\0{Secret}")),
            Form.PlainPayloadWithAuthzid => B64(Encoding.UTF8.GetBytes($"{User}\0{User}\0{Secret}")),
            Form.Xoauth2 => B64(Encoding.UTF8.GetBytes($"user={User}\u0001auth=Bearer {Secret}\u0001\u0001")),
            _ => B64([.. Prefix, .. Encoding.UTF8.GetBytes(Secret), .. Suffix]),
        };

        public string Text => Before + Payload + After;

        public override string ToString() =>
            $"secret={Show(Secret)} user={Show(User)} form={Form} prefix=[{Convert.ToHexString(Prefix)}] suffix=[{Convert.ToHexString(Suffix)}] text={Show(Text)}";

        private static string Show(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    [Fact]
    public void When_SecretAppearsInAnyForm_RedactedTextGivesItAwayInNone()
    {
        Cases.Sample(c =>
        {
            var redacted = new Redactor([new Secret(c.Secret)], [c.User]).Redact(c.Text);
            var secretBytes = Encoding.UTF8.GetBytes(c.Secret);

            Assert.DoesNotContain(c.Secret, redacted, StringComparison.Ordinal);
            Assert.DoesNotContain(B64(secretBytes), redacted, StringComparison.Ordinal);
            Assert.DoesNotContain(B64(Encoding.UTF8.GetBytes($"\0{c.User}\0{c.Secret}")), redacted, StringComparison.Ordinal);
            if (c.Form != Form.Raw)
            {
                Assert.DoesNotContain(c.Payload, redacted, StringComparison.Ordinal);
            }
            Assert.False(DecodesToSecret(redacted, secretBytes), $"a base64 run left in `{redacted}` still decodes to the secret");
        }, iter: Iterations, print: c => c.ToString(), writeLine: output.WriteLine);
    }

    /// <summary>Known cases pinned as plain tests, so a regression names the form that broke.</summary>
    [Theory]
    [InlineData("s3cret-pass", "probe@example.test")]
    [InlineData("pässwörd€中😀", "ü")]
    [InlineData("12345", "u")]
    public void When_SecretIsEmbeddedAtEveryAlignment_ItIsMasked(string secret, string user)
    {
        var redactor = new Redactor([new Secret(secret)], [user]);
        for (var prefix = 0; prefix < 6; prefix++)
        {
            var payload = B64([.. Enumerable.Repeat((byte)'p', prefix), .. Encoding.UTF8.GetBytes(secret), (byte)'s']);

            var redacted = redactor.Redact("C: " + payload);

            Assert.Contains(Redactor.Mask, redacted, StringComparison.Ordinal);
            Assert.False(DecodesToSecret(redacted, Encoding.UTF8.GetBytes(secret)), redacted);
        }
    }

    /// <summary>Any run of base64 characters, decoded from any of the four phases, must not contain the secret's bytes.</summary>
    internal static bool DecodesToSecret(string text, byte[] secret)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!IsBase64Char(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && IsBase64Char(text[i]))
            {
                i++;
            }
            var run = text[start..i];
            for (var phase = 0; phase < 4 && phase < run.Length; phase++)
            {
                var usable = (run.Length - phase) / 4 * 4;
                if (usable == 0)
                {
                    continue;
                }
                var decoded = Convert.FromBase64String(run.Substring(phase, usable));
                if (decoded.AsSpan().IndexOf(secret) >= 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool IsBase64Char(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '/';

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);
}
