using System.Net;
using MailKit.Security;
using SmtpProbe.Core.Evaluation;
using SmtpProbe.Core.Redaction;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Smtp.Protocol;
using SmtpProbe.Smtp.Session;

namespace SmtpProbe.Smtp.Sasl;

/// <summary>
/// SMTP AUTH (RFC 4954) driven by MailKit's SASL mechanisms: we own the exchange (so every reply is
/// recorded and asserted), MailKit owns the crypto. Client payloads are masked in the transcript.
/// </summary>
public static class SaslClient
{
    /// <summary>Strongest first: what `mechanism: auto` picks from the server's EHLO AUTH list.</summary>
    public static readonly IReadOnlyList<string> AutoPreference = ["SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"];

    /// <summary>A server that keeps challenging is broken; bound the rounds.</summary>
    public const int MaxRounds = 10;

    public static string ResolveMechanism(AuthSpec auth, EhloCapabilities caps)
    {
        if (auth.Mechanism != "auto")
        {
            return auth.Mechanism.ToUpperInvariant();
        }
        var offered = caps.Parameters("AUTH");
        return AutoPreference.FirstOrDefault(m => offered.Contains(m, StringComparer.OrdinalIgnoreCase))
            ?? throw new SmtpProbeException(ErrorKind.Auth, offered.Count == 0
                ? "`mechanism: auto` but the server's EHLO reply advertises no AUTH mechanisms"
                : $"`mechanism: auto` found none of {string.Join(", ", AutoPreference)} in the server's AUTH {string.Join(' ', offered)}");
    }

    /// <summary>Runs the exchange; returns every reply in order (the last is the final 235/535/...).</summary>
    /// <summary>Runs the exchange; every reply goes into <paramref name="replies"/> as it arrives, so a failure keeps the evidence.</summary>
    public static async Task<string> AuthenticateAsync(
        SmtpConnection connection, AuthSpec auth, string mechanismName, List<Reply> replies, CancellationToken ct)
    {
        if (mechanismName == OAuthBearer.Name)
        {
            return await OAuthBearerAsync(connection, auth, replies, ct).ConfigureAwait(false);
        }
        var mechanism = SaslMechanism.Create(mechanismName, new NetworkCredential(auth.Username, auth.Password.Value))
            ?? throw new SmtpProbeException(ErrorKind.Auth, $"SASL mechanism {mechanismName} is not supported by smtp-probe");
        if (auth.AuthorizationId is { Length: > 0 } authzid)
        {
            switch (mechanism)
            {
                case SaslMechanismPlain plain:
                    plain.AuthorizationId = authzid;
                    break;
                case SaslMechanismScramBase scram:
                    scram.AuthorizationId = authzid;
                    break;
                default:
                    throw new SmtpProbeException(ErrorKind.Auth, $"SASL mechanism {mechanismName} carries no authorization identity (`authzid`); PLAIN and SCRAM do");
            }
        }
        var initialResponse = auth.InitialResponse && mechanism.SupportsInitialResponse;

        string command;
        if (initialResponse)
        {
            var initial = await mechanism.ChallengeAsync((string?)null, ct).ConfigureAwait(false);
            command = $"AUTH {mechanismName} {(string.IsNullOrEmpty(initial) ? "=" : initial)}";
        }
        else
        {
            command = $"AUTH {mechanismName}";
        }
        var shownCommand = initialResponse ? $"AUTH {mechanismName} {Redactor.Mask}" : command;
        var reply = await connection.CommandAsync(command, shownCommand, ct, label: $"AUTH {mechanismName}").ConfigureAwait(false);
        connection.RecordReply(reply);
        replies.Add(reply);
        var rounds = 0;
        while (reply.Code == 334)
        {
            if (++rounds > MaxRounds)
            {
                await CancelAsync(connection, ct).ConfigureAwait(false);
                throw new SmtpProtocolException($"server sent more than {MaxRounds} AUTH challenges", string.Join(" | ", replies.TakeLast(3).SelectMany(r => r.RawLines)));
            }
            string response;
            var challenge = reply.Lines[0].Trim();
            // MailKit skips some malformed challenges silently; say plainly what is wrong instead.
            if (!mechanism.IsAuthenticated && challenge.Length > 0 && !IsBase64(challenge))
            {
                await CancelAsync(connection, ct).ConfigureAwait(false);
                throw new SmtpProtocolException($"server's AUTH challenge could not be processed by {mechanismName}: it is not valid base64", $"334 {challenge}");
            }
            try
            {
                response = mechanism.IsAuthenticated ? string.Empty : await mechanism.ChallengeAsync(challenge, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FormatException or SaslException or ArgumentException or InvalidOperationException or NotSupportedException)
            {
                await CancelAsync(connection, ct).ConfigureAwait(false);
                throw new SmtpProtocolException($"server's AUTH challenge could not be processed by {mechanismName}: {e.Message}", $"334 {challenge}");
            }
            reply = await connection.CommandAsync(response, Redactor.Mask, ct, label: $"the AUTH {mechanismName} response").ConfigureAwait(false);
            connection.RecordReply(reply);
            replies.Add(reply);
        }
        return shownCommand;
    }

    /// <summary>RFC 4954 §4: "*" cancels. Its own failure (a server that just closes) must not hide the real diagnosis.</summary>
    private static async Task CancelAsync(SmtpConnection connection, CancellationToken ct)
    {
        try
        {
            connection.RecordReply(await connection.CommandAsync("*", null, ct, label: "the AUTH cancel (*)").ConfigureAwait(false));
        }
        catch (SmtpProbeException)
        {
        }
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[((text.Length * 3) / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    private static async Task<string> OAuthBearerAsync(SmtpConnection connection, AuthSpec auth, List<Reply> replies, CancellationToken ct)
    {
        var shown = $"AUTH {OAuthBearer.Name} {Redactor.Mask}";
        var initial = OAuthBearer.InitialResponse(auth.AuthorizationId ?? auth.Username, connection.Facts.Host, connection.Facts.Port, auth.Password.Value);
        var reply = await connection.CommandAsync($"AUTH {OAuthBearer.Name} {initial}", shown, ct).ConfigureAwait(false);
        connection.RecordReply(reply);
        replies.Add(reply);
        if (reply.Code == 334)
        {
            // The server's 334 carries a JSON error; acknowledge it so the server sends its final reply.
            reply = await connection.CommandAsync(OAuthBearer.ErrorAcknowledgement, Redactor.Mask, ct).ConfigureAwait(false);
            connection.RecordReply(reply);
            replies.Add(reply);
        }
        return shown;
    }
}
