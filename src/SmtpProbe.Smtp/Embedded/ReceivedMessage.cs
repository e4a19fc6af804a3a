namespace SmtpProbe.Smtp.Embedded;

/// <summary>A message the embedded server accepted. It lives only in memory and is never delivered.</summary>
public sealed class ReceivedMessage
{
    internal ReceivedMessage(
        string queueId,
        string envelopeFrom,
        IReadOnlyList<string> recipients,
        ReadOnlyMemory<byte> data,
        bool tls,
        string? authenticatedUser,
        string heloName,
        string clientEndPoint,
        int serverPort,
        DateTimeOffset receivedAt)
    {
        QueueId = queueId;
        EnvelopeFrom = envelopeFrom;
        Recipients = recipients;
        Data = data;
        Tls = tls;
        AuthenticatedUser = authenticatedUser;
        HeloName = heloName;
        ClientEndPoint = clientEndPoint;
        ServerPort = serverPort;
        ReceivedAt = receivedAt;
    }

    /// <summary>The id from the "250 2.0.0 Ok: queued as ..." reply.</summary>
    public string QueueId { get; }

    /// <summary>The MAIL FROM address without angle brackets; empty for the null sender &lt;&gt;.</summary>
    public string EnvelopeFrom { get; }

    /// <summary>Accepted RCPT TO addresses, in order, without angle brackets.</summary>
    public IReadOnlyList<string> Recipients { get; }

    /// <summary>The message exactly as transmitted after DATA, with dot-stuffing removed and CRLF line ends.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Whether the transaction ran inside TLS (STARTTLS or implicit TLS).</summary>
    public bool Tls { get; }

    /// <summary>The SASL username, or null when the client did not authenticate.</summary>
    public string? AuthenticatedUser { get; }

    /// <summary>Whether the client authenticated before sending the message.</summary>
    public bool Authenticated => AuthenticatedUser is not null;

    /// <summary>The EHLO/HELO argument the client gave.</summary>
    public string HeloName { get; }

    /// <summary>The client's address:port as seen by the server.</summary>
    public string ClientEndPoint { get; }

    /// <summary>The server port the message arrived on.</summary>
    public int ServerPort { get; }

    /// <summary>When the final "." was received, by the server's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset ReceivedAt { get; }
}
