using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace SmtpProbe.Smtp.Embedded;

/// <summary>One SMTP conversation on one accepted socket. Reply texts mirror Postfix's smtpd.</summary>
internal sealed class SmtpSession
{
    /// <summary>Longest command (or AUTH response) line accepted, excluding CRLF.</summary>
    internal const int MaxCommandLength = 4096;

    /// <summary>DATA lines longer than this are accepted, just read in pieces.</summary>
    internal const int DataSegmentLength = 8192;

    /// <summary>Postfix's smtpd_hard_error_limit.</summary>
    internal const int HardErrorLimit = 20;

    /// <summary>Postfix's smtpd_recipient_limit; also bounds per-transaction memory.</summary>
    internal const int MaxRecipients = 1000;

    /// <summary>Postfix's smtpd_timeout is 300s.</summary>
    internal static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan FarewellTimeout = TimeSpan.FromSeconds(10);

    private readonly EmbeddedSmtpServer _server;
    private readonly Socket _socket;
    private readonly EmbeddedPortKind _kind;
    private readonly string _clientEndPoint;
    private readonly int _localPort;
    private readonly string _hostname;
    private readonly NetworkStream _network;
    private Stream _stream;
    private SmtpLineReader _reader;
    private SslStream? _tls;
    private CancellationTokenSource? _idle;
    private CancellationToken _token;

    private string? _helo;
    private string? _authUser;
    private Transaction? _transaction;
    private int _errors;

    public SmtpSession(EmbeddedSmtpServer server, Socket socket, EmbeddedPortKind kind, string clientEndPoint, int localPort)
    {
        _server = server;
        _socket = socket;
        _kind = kind;
        _clientEndPoint = clientEndPoint;
        _localPort = localPort;
        _hostname = server.Options.Hostname;
        _network = new NetworkStream(socket, ownsSocket: true);
        _stream = _network;
        _reader = new SmtpLineReader(_network);
    }

    private enum Next
    {
        Continue,
        Close,
    }

    private bool AuthOffered => _kind == EmbeddedPortKind.Smtps || (_kind == EmbeddedPortKind.Submission && _tls is not null);

    public async Task RunAsync(CancellationToken shutdown)
    {
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _server.Time);
        using var io = CancellationTokenSource.CreateLinkedTokenSource(shutdown, idle.Token);
        _idle = idle;
        _token = io.Token;
        try
        {
            if (_kind == EmbeddedPortKind.Smtps)
            {
                await StartTlsAsync();
            }
            await ConverseAsync();
            await CloseGracefullyAsync();
        }
        catch (Exception) when (idle.IsCancellationRequested && !shutdown.IsCancellationRequested)
        {
            // Mid-handshake the client expects TLS records, so a plaintext reply would only be garbage to it.
            if (_tls is null || _stream == _tls)
            {
                await SayFarewellAsync($"421 4.4.2 {_hostname} Error: timeout exceeded", shutdown);
            }
        }
        catch (Exception)
        {
            // The client vanished, the TLS handshake failed or the server is shutting down: nobody to tell.
        }
        finally
        {
            _tls?.Dispose();
            _network.Dispose(); // owns the socket
        }
    }

    private async Task ConverseAsync()
    {
        await ReplyAsync($"220 {_hostname} ESMTP smtp-probe embedded server");
        while (true)
        {
            if (_errors >= HardErrorLimit)
            {
                await ReplyAsync($"421 4.7.0 {_hostname} Error: too many errors");
                return;
            }
            var segment = await ReadAsync(MaxCommandLength);
            switch (segment.End)
            {
                case LineEnd.Eof:
                    return;
                case LineEnd.BareLf:
                    await RejectBareLfAsync();
                    return;
                case LineEnd.Partial:
                    if (!await SkipRestOfLineAsync())
                    {
                        return;
                    }
                    await ReplyAsync("500 5.5.0 Error: line too long");
                    continue;
            }
            if (await DispatchAsync(Decode(segment.Content)) == Next.Close)
            {
                return;
            }
        }
    }

    private async Task<Next> DispatchAsync(string line)
    {
        var space = line.IndexOf(' ');
        var verb = (space < 0 ? line : line[..space]).Trim().ToUpperInvariant();
        var argument = space < 0 ? "" : line[(space + 1)..].Trim();
        if (verb.Length == 0)
        {
            await ReplyAsync("500 5.5.2 Error: bad syntax");
            return Next.Continue;
        }
        // Postfix with smtpd_tls_security_level=encrypt lets only HELO/EHLO/STARTTLS/RSET/NOOP/QUIT through before TLS.
        if (_kind == EmbeddedPortKind.Submission && _tls is null && verb is "MAIL" or "RCPT" or "DATA" or "AUTH" or "VRFY")
        {
            await ReplyAsync("530 5.7.0 Must issue a STARTTLS command first");
            return Next.Continue;
        }
        switch (verb)
        {
            case "EHLO":
                await EhloAsync(argument, extended: true);
                return Next.Continue;
            case "HELO":
                await EhloAsync(argument, extended: false);
                return Next.Continue;
            case "STARTTLS":
                return await StartTlsCommandAsync(argument);
            case "AUTH":
                return await AuthAsync(argument);
            case "MAIL":
                await MailAsync(argument);
                return Next.Continue;
            case "RCPT":
                await RcptAsync(argument);
                return Next.Continue;
            case "DATA":
                return await DataAsync(argument);
            case "RSET":
                if (argument.Length > 0)
                {
                    await ReplyAsync("501 5.5.4 Syntax: RSET");
                    return Next.Continue;
                }
                _transaction = null;
                await ReplyAsync("250 2.0.0 Ok");
                return Next.Continue;
            case "NOOP":
                await ReplyAsync("250 2.0.0 Ok");
                return Next.Continue;
            case "VRFY":
                // Postfix's disable_vrfy_command=yes: do not help address harvesters.
                await ReplyAsync("502 5.5.1 VRFY command is disabled");
                return Next.Continue;
            case "HELP":
                await ReplyAsync("214 2.0.0 See RFC 5321");
                return Next.Continue;
            case "QUIT":
                await ReplyAsync("221 2.0.0 Bye");
                return Next.Close;
            default:
                // EXPN lands here too: Postfix does not implement it at all.
                await ReplyAsync("502 5.5.2 Error: command not recognized");
                return Next.Continue;
        }
    }

    private async Task EhloAsync(string argument, bool extended)
    {
        if (argument.Length == 0)
        {
            await ReplyAsync(extended ? "501 5.5.4 Syntax: EHLO hostname" : "501 5.5.4 Syntax: HELO hostname");
            return;
        }
        // RFC 5321 4.1.4: EHLO/HELO in the middle of a session aborts any transaction in progress.
        _helo = argument;
        _transaction = null;
        if (!extended)
        {
            await ReplyAsync($"250 {_hostname}");
            return;
        }
        var lines = new List<string> { _hostname, "PIPELINING", $"SIZE {EmbeddedSmtpServer.MessageSizeLimit}" };
        if (_tls is null)
        {
            lines.Add("STARTTLS");
        }
        if (AuthOffered)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }
        lines.Add("ENHANCEDSTATUSCODES");
        lines.Add("8BITMIME");
        lines.Add("SMTPUTF8");
        var reply = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0)
            {
                reply.Append("\r\n");
            }
            reply.Append(i == lines.Count - 1 ? "250 " : "250-").Append(lines[i]);
        }
        await ReplyAsync(reply.ToString());
    }

    private async Task<Next> StartTlsCommandAsync(string argument)
    {
        if (argument.Length > 0)
        {
            await ReplyAsync("501 5.5.4 Syntax: STARTTLS");
            return Next.Continue;
        }
        if (_transaction is not null)
        {
            await ReplyAsync("503 5.5.1 Error: MAIL transaction in progress");
            return Next.Continue;
        }
        if (_tls is not null)
        {
            await ReplyAsync("554 5.5.1 Error: TLS already active");
            return Next.Continue;
        }
        await ReplyAsync("220 2.0.0 Ready to start TLS");
        // Bytes pipelined behind STARTTLS arrived in plaintext; running them inside TLS would let a
        // man-in-the-middle inject commands into the protected session (CVE-2011-0411).
        _reader.DiscardBuffered();
        await StartTlsAsync();
        // RFC 3207 4.2: forget everything learned before TLS; the client must EHLO again.
        _helo = null;
        _authUser = null;
        _transaction = null;
        return Next.Continue;
    }

    private async Task StartTlsAsync()
    {
        _tls = new SslStream(_network, leaveInnerStreamOpen: true);
        Touch();
        await _tls.AuthenticateAsServerAsync(_server.TlsOptions, _token);
        _stream = _tls;
        _reader = new SmtpLineReader(_tls);
    }

    private async Task<Next> AuthAsync(string argument)
    {
        if (!AuthOffered)
        {
            await ReplyAsync("503 5.5.1 Error: authentication not enabled");
            return Next.Continue;
        }
        if (_helo is null)
        {
            await ReplyAsync("503 5.5.1 Error: send HELO/EHLO first");
            return Next.Continue;
        }
        if (_transaction is not null)
        {
            await ReplyAsync("503 5.5.1 Error: MAIL transaction in progress");
            return Next.Continue;
        }
        if (_authUser is not null)
        {
            await ReplyAsync("503 5.5.1 Error: already authenticated");
            return Next.Continue;
        }
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2)
        {
            await ReplyAsync("501 5.5.4 Syntax: AUTH mechanism");
            return Next.Continue;
        }
        var initial = parts.Length == 2 ? parts[1] : null;
        return parts[0].ToUpperInvariant() switch
        {
            "PLAIN" => await AuthPlainAsync(initial),
            "LOGIN" => await AuthLoginAsync(initial),
            _ => await ReplyThenAsync("504 5.5.4 Unrecognized authentication type", Next.Continue),
        };
    }

    private async Task<Next> AuthPlainAsync(string? initial)
    {
        var response = initial;
        if (response is null)
        {
            await ReplyAsync("334 ");
            var (next, line) = await ReadAuthResponseAsync();
            if (line is null)
            {
                return next;
            }
            response = line;
        }
        if (!TryDecodeBase64(response, out var decoded))
        {
            await ReplyAsync("501 5.5.2 Cannot decode response");
            return Next.Continue;
        }
        // authzid NUL authcid NUL password (RFC 4616); acting as someone else is not allowed.
        var first = Array.IndexOf(decoded, (byte)0);
        var second = first < 0 ? -1 : Array.IndexOf(decoded, (byte)0, first + 1);
        var ok = false;
        string? user = null;
        if (first >= 0 && second > first && Array.IndexOf(decoded, (byte)0, second + 1) < 0)
        {
            var authzid = Encoding.UTF8.GetString(decoded, 0, first);
            user = Encoding.UTF8.GetString(decoded, first + 1, second - first - 1);
            ok = (authzid.Length == 0 || authzid == user) && CheckCredentials(user, decoded.AsSpan(second + 1));
        }
        return await FinishAuthAsync(ok, user);
    }

    private async Task<Next> AuthLoginAsync(string? initial)
    {
        var userText = initial;
        if (userText is null)
        {
            await ReplyAsync("334 VXNlcm5hbWU6");
            var (next, line) = await ReadAuthResponseAsync();
            if (line is null)
            {
                return next;
            }
            userText = line;
        }
        if (!TryDecodeBase64(userText, out var userBytes))
        {
            await ReplyAsync("501 5.5.2 Cannot decode response");
            return Next.Continue;
        }
        await ReplyAsync("334 UGFzc3dvcmQ6");
        var (after, passwordText) = await ReadAuthResponseAsync();
        if (passwordText is null)
        {
            return after;
        }
        if (!TryDecodeBase64(passwordText, out var password))
        {
            await ReplyAsync("501 5.5.2 Cannot decode response");
            return Next.Continue;
        }
        var user = Encoding.UTF8.GetString(userBytes);
        return await FinishAuthAsync(CheckCredentials(user, password), user);
    }

    /// <summary>Reads one SASL continuation line; a null line means the exchange already ended (reply sent or connection gone).</summary>
    private async Task<(Next Next, string? Line)> ReadAuthResponseAsync()
    {
        var segment = await ReadAsync(MaxCommandLength);
        switch (segment.End)
        {
            case LineEnd.Eof:
                return (Next.Close, null);
            case LineEnd.BareLf:
                await RejectBareLfAsync();
                return (Next.Close, null);
            case LineEnd.Partial:
                if (!await SkipRestOfLineAsync())
                {
                    return (Next.Close, null);
                }
                await ReplyAsync("500 5.5.6 Authentication Exchange line is too long");
                return (Next.Continue, null);
        }
        var line = Decode(segment.Content).Trim();
        if (line == "*")
        {
            await ReplyAsync("501 5.7.0 Authentication aborted");
            return (Next.Continue, null);
        }
        return (Next.Continue, line);
    }

    private async Task<Next> FinishAuthAsync(bool ok, string? user)
    {
        if (!ok)
        {
            await ReplyAsync("535 5.7.8 Error: authentication failed: authentication failure");
            return Next.Continue;
        }
        _authUser = user;
        await ReplyAsync("235 2.7.0 Authentication successful");
        return Next.Continue;
    }

    private bool CheckCredentials(string user, ReadOnlySpan<byte> password)
    {
        var userOk = string.Equals(user, _server.Options.Username, StringComparison.OrdinalIgnoreCase);
        // Constant-time so a probe cannot learn the password byte by byte from response timing.
        var passwordOk = CryptographicOperations.FixedTimeEquals(password, _server.PasswordBytes);
        return userOk & passwordOk;
    }

    private async Task MailAsync(string argument)
    {
        if (_helo is null)
        {
            await ReplyAsync("503 5.5.1 Error: send HELO/EHLO first");
            return;
        }
        if (_transaction is not null)
        {
            await ReplyAsync("503 5.5.1 Error: nested MAIL command");
            return;
        }
        if (!TryParsePath(argument, "FROM:", out var sender, out var parameters))
        {
            await ReplyAsync("501 5.5.4 Syntax: MAIL FROM:<address>");
            return;
        }
        foreach (var parameter in parameters)
        {
            var eq = parameter.IndexOf('=');
            var key = (eq < 0 ? parameter : parameter[..eq]).ToUpperInvariant();
            var value = eq < 0 ? null : parameter[(eq + 1)..];
            switch (key)
            {
                case "SIZE":
                    if (value is null || value.Length is 0 or > 20 || !value.All(char.IsAsciiDigit)
                        || !ulong.TryParse(value, out var size))
                    {
                        await ReplyAsync("501 5.5.4 Bad message size syntax");
                        return;
                    }
                    if (size > EmbeddedSmtpServer.MessageSizeLimit)
                    {
                        await ReplyAsync("552 5.3.4 Message size exceeds fixed limit");
                        return;
                    }
                    break;
                case "BODY":
                    if (!string.Equals(value, "7BIT", StringComparison.OrdinalIgnoreCase)
                        && !string.Equals(value, "8BITMIME", StringComparison.OrdinalIgnoreCase))
                    {
                        await ReplyAsync("501 5.5.4 Bad BODY keyword syntax");
                        return;
                    }
                    break;
                case "SMTPUTF8" when value is null:
                    break;
                case "AUTH" when value is not null:
                    // RFC 4954 5: a server may ignore the AUTH= parameter; Postfix does unless authenticated.
                    break;
                default:
                    await ReplyAsync($"555 5.5.4 Unsupported option: {parameter}");
                    return;
            }
        }
        _transaction = new Transaction(sender);
        await ReplyAsync("250 2.1.0 Ok");
    }

    private async Task RcptAsync(string argument)
    {
        if (_transaction is null)
        {
            await ReplyAsync("503 5.5.1 Error: need MAIL command");
            return;
        }
        if (!TryParsePath(argument, "TO:", out var recipient, out var parameters))
        {
            await ReplyAsync("501 5.5.4 Syntax: RCPT TO:<address>");
            return;
        }
        if (recipient.Length == 0)
        {
            await ReplyAsync("501 5.1.3 Bad recipient address syntax");
            return;
        }
        if (parameters.Count > 0)
        {
            // DSN is not advertised, so NOTIFY=/ORCPT= are as unknown as anything else.
            await ReplyAsync($"555 5.5.4 Unsupported option: {parameters[0]}");
            return;
        }
        if (_transaction.Recipients.Count >= MaxRecipients)
        {
            await ReplyAsync("452 4.5.3 Error: too many recipients");
            return;
        }
        var at = recipient.LastIndexOf('@');
        var local = at < 0 ? recipient : recipient[..at];
        // RFC 5321 4.5.1: a bare <postmaster> must be accepted; Postfix completes domainless addresses locally.
        var isLocal = at < 0 || string.Equals(recipient[(at + 1)..], _server.Options.LocalDomain, StringComparison.OrdinalIgnoreCase);
        if (isLocal && !_server.LocalMailboxes.Contains(local))
        {
            await ReplyAsync($"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in virtual mailbox table");
            return;
        }
        if (!isLocal && _authUser is null)
        {
            await ReplyAsync($"554 5.7.1 <{recipient}>: Relay access denied");
            return;
        }
        // Foreign recipients of an authenticated client are accepted but never relayed: nothing leaves this process.
        _transaction.Recipients.Add(recipient);
        await ReplyAsync("250 2.1.5 Ok");
    }

    private async Task<Next> DataAsync(string argument)
    {
        if (_transaction is null)
        {
            await ReplyAsync("503 5.5.1 Error: need RCPT command");
            return Next.Continue;
        }
        if (_transaction.Recipients.Count == 0)
        {
            await ReplyAsync("554 5.5.1 Error: no valid recipients");
            return Next.Continue;
        }
        if (argument.Length > 0)
        {
            await ReplyAsync("501 5.5.4 Syntax: DATA");
            return Next.Continue;
        }
        await ReplyAsync("354 End data with <CR><LF>.<CR><LF>");
        using var body = new MemoryStream();
        long size = 0;
        var atLineStart = true;
        while (true)
        {
            var segment = await ReadAsync(DataSegmentLength);
            if (segment.End == LineEnd.Eof)
            {
                return Next.Close;
            }
            if (segment.End == LineEnd.BareLf)
            {
                // Only <CRLF>.<CRLF> ends DATA; tolerating bare LF is what makes SMTP smuggling possible.
                await RejectBareLfAsync();
                return Next.Close;
            }
            var content = segment.Content.Span;
            if (atLineStart && segment.End == LineEnd.CrLf && content.Length == 1 && content[0] == (byte)'.')
            {
                break;
            }
            if (atLineStart && content.Length > 0 && content[0] == (byte)'.')
            {
                content = content[1..]; // RFC 5321 4.5.2 transparency
            }
            var length = content.Length + (segment.End == LineEnd.CrLf ? 2 : 0);
            size += length;
            if (size <= EmbeddedSmtpServer.MessageSizeLimit)
            {
                body.Write(content);
                if (segment.End == LineEnd.CrLf)
                {
                    body.Write("\r\n"u8);
                }
            }
            atLineStart = segment.End == LineEnd.CrLf;
        }
        var transaction = _transaction;
        _transaction = null;
        if (size > EmbeddedSmtpServer.MessageSizeLimit)
        {
            await ReplyAsync("552 5.3.4 Message size exceeds fixed limit");
            return Next.Continue;
        }
        var queueId = _server.NextQueueId();
        _server.Store(new ReceivedMessage(
            queueId,
            transaction.Sender,
            transaction.Recipients.ToArray(),
            body.ToArray(),
            _tls is not null,
            _authUser,
            _helo ?? "",
            _clientEndPoint,
            _localPort,
            _server.Time.GetUtcNow()));
        await ReplyAsync($"250 2.0.0 Ok: queued as {queueId}");
        return Next.Continue;
    }

    /// <summary>Parses "FROM:&lt;addr&gt; PARAM..." leniently like Postfix (space after the colon, missing brackets).</summary>
    internal static bool TryParsePath(string argument, string prefix, out string address, out List<string> parameters)
    {
        address = "";
        parameters = [];
        if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var rest = argument[prefix.Length..].TrimStart();
        string tail;
        if (rest.StartsWith('<'))
        {
            var close = rest.IndexOf('>');
            if (close < 0)
            {
                return false;
            }
            address = rest[1..close];
            tail = rest[(close + 1)..];
            if (tail.Length > 0 && tail[0] != ' ')
            {
                return false;
            }
        }
        else
        {
            var space = rest.IndexOf(' ');
            address = space < 0 ? rest : rest[..space];
            tail = space < 0 ? "" : rest[space..];
            if (address.Length == 0)
            {
                return false;
            }
        }
        if (address.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>'))
        {
            return false;
        }
        // Source routes (@a,@b:user@c) are obsolete; RFC 5321 C says to ignore the route part.
        if (address.StartsWith('@'))
        {
            var colon = address.IndexOf(':');
            if (colon < 0)
            {
                return false;
            }
            address = address[(colon + 1)..];
        }
        parameters.AddRange(tail.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return true;
    }

    private static bool TryDecodeBase64(string text, out byte[] decoded)
    {
        // "=" is RFC 4954's way of sending an empty initial response.
        if (text == "=")
        {
            decoded = [];
            return true;
        }
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (text.Length > 0 && Convert.TryFromBase64String(text, buffer, out var written))
        {
            decoded = buffer[..written];
            return true;
        }
        decoded = [];
        return text.Length == 0;
    }

    private static string Decode(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    private async ValueTask<LineSegment> ReadAsync(int maxLength)
    {
        var segment = await _reader.ReadAsync(maxLength, _token);
        Touch();
        return segment;
    }

    /// <summary>Consumes the remainder of an over-long line; false if the connection ended first.</summary>
    private async Task<bool> SkipRestOfLineAsync()
    {
        while (true)
        {
            var segment = await ReadAsync(MaxCommandLength);
            switch (segment.End)
            {
                case LineEnd.Eof:
                    return false;
                case LineEnd.Partial:
                    continue;
                default:
                    return true;
            }
        }
    }

    private Task RejectBareLfAsync() => ReplyAsync($"521 5.5.2 {_hostname} Error: bare <LF> received");

    private async Task<Next> ReplyThenAsync(string text, Next next)
    {
        await ReplyAsync(text);
        return next;
    }

    private async Task ReplyAsync(string text)
    {
        // Every 4xx/5xx counts towards the hard error limit, as in Postfix.
        if (text[0] is '4' or '5')
        {
            _errors++;
        }
        // Re-armed before writing so that a reply the client has seen always has a live idle timer behind it.
        Touch();
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text + "\r\n"), _token);
        await _stream.FlushAsync(_token);
    }

    private void Touch() => _idle?.CancelAfter(IdleTimeout);

    private async Task SayFarewellAsync(string text, CancellationToken shutdown)
    {
        try
        {
            using var limit = new CancellationTokenSource(FarewellTimeout, _server.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(shutdown, limit.Token);
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(text + "\r\n"), linked.Token);
            await _stream.FlushAsync(linked.Token);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // The client is already gone; the timeout reply was a courtesy.
        }
    }

    private async Task CloseGracefullyAsync()
    {
        try
        {
            if (_tls is not null)
            {
                await _tls.ShutdownAsync(); // TLS close_notify, so clients do not see a truncation attack
            }
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // Closing anyway.
        }
    }

    private sealed class Transaction(string sender)
    {
        public string Sender { get; } = sender;

        public List<string> Recipients { get; } = [];
    }
}
