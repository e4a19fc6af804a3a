using System.Text;

namespace SmtpProbe.Smtp.Sasl;

/// <summary>
/// RFC 7628 OAUTHBEARER client messages. Why not MailKit's SaslMechanismOAuthBearer: it needs the
/// service URI (host and port go into the message), which only MailKit's own clients can set (the
/// property is internal). The mechanism is formatting only — a GS2 header and key/value pairs, no
/// cryptography — so it is written out here in a few lines.
/// </summary>
internal static class OAuthBearer
{
    public const string Name = "OAUTHBEARER";

    /// <summary>The initial client response, base64: "n,a=USER,^Ahost=HOST^Aport=PORT^Aauth=Bearer TOKEN^A^A".</summary>
    public static string InitialResponse(string user, string host, int port, string token)
    {
        // RFC 5801 §4: ',' and '=' in the authzid are escaped as =2C and =3D.
        var authzid = user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
        var message = $"n,a={authzid},\u0001host={host}\u0001port={port}\u0001auth=Bearer {token}\u0001\u0001";
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(message));
    }

    /// <summary>RFC 7628 §3.2.3: after an error challenge (JSON), the client sends a single ^A and the server fails the exchange.</summary>
    public static string ErrorAcknowledgement { get; } = Convert.ToBase64String([0x01]);
}
