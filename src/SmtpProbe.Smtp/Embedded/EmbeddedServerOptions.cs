namespace SmtpProbe.Smtp.Embedded;

/// <summary>Settings for <see cref="EmbeddedSmtpServer"/>. Port 0 means "pick a free ephemeral port".</summary>
/// <param name="Username">The only SASL identity accepted; its local part is also a local mailbox when its domain is LocalDomain (`probe` and `postmaster` always are).</param>
/// <param name="Password">Password for <paramref name="Username"/>.</param>
/// <param name="Hostname">Name used in the banner, EHLO reply and the server certificate.</param>
/// <param name="LocalDomain">The domain the server is final destination for; everything else is relay.</param>
/// <param name="MxPort">Plain SMTP with optional STARTTLS and no AUTH (like an MX on port 25).</param>
/// <param name="SubmissionPort">STARTTLS required before AUTH/MAIL (like port 587).</param>
/// <param name="SmtpsPort">Implicit TLS (like port 465).</param>
/// <param name="Time">Clock for certificate validity, idle timeouts and message timestamps; defaults to the system clock.</param>
public sealed record EmbeddedServerOptions(
    string Username = "probe@example.test",
    string Password = "probe-secret-42",
    string Hostname = "mx.example.test",
    string LocalDomain = "example.test",
    int MxPort = 0,
    int SubmissionPort = 0,
    int SmtpsPort = 0,
    TimeProvider? Time = null);
