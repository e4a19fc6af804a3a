using System.Text;

namespace SmtpProbe.Testing;

/// <summary>Every encoded form of a secret that must never appear in any output (raw, base64, the SASL payloads that carry it).</summary>
public static class Secrets
{
    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static IEnumerable<string> Forms(string secret, string user, string? authzid = null)
    {
        yield return secret;
        yield return Base64(secret);
        yield return Base64($"\0{user}\0{secret}");
        yield return Base64($"{user}\0{user}\0{secret}");
        if (authzid is not null)
        {
            yield return Base64($"{authzid}\0{user}\0{secret}");
        }
        yield return Base64($"user={user}\u0001auth=Bearer {secret}\u0001\u0001");
    }
}
