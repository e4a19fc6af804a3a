using SmtpProbe.Core.Results;

namespace SmtpProbe.Smtp.Protocol;

/// <summary>The probe could not finish a step: the kind says why, the message quotes the evidence.</summary>
public class SmtpProbeException(ErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorKind Kind { get; } = kind;

    /// <summary>TLS facts known when a handshake was refused (the certificate that failed verification).</summary>
    public TlsFacts? Tls { get; init; }

    /// <summary>What the server had sent when the step ended (escaped), e.g. half a reply before a timeout.</summary>
    public string? Evidence { get; init; }
}

/// <summary>The server broke RFC 5321's reply grammar; <see cref="Evidence"/> is what it actually sent (escaped).</summary>
public sealed class SmtpProtocolException : SmtpProbeException
{
    public SmtpProtocolException(string message, string evidence)
        : base(ErrorKind.Protocol, message)
    {
        Evidence = evidence;
    }
}
