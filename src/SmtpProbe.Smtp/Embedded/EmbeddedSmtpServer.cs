using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace SmtpProbe.Smtp.Embedded;

/// <summary>
/// A small, honest SMTP server on loopback (RFC 5321, RFC 3207 STARTTLS, RFC 4954 AUTH) that replies like a
/// sensibly configured Postfix. It exists so smtp-probe can run its samples without a real mail server:
/// it keeps accepted messages in memory only and never opens an outbound connection.
/// </summary>
public sealed class EmbeddedSmtpServer : IAsyncDisposable
{
    /// <summary>The advertised SIZE and the hard cap for DATA (Postfix's default message_size_limit).</summary>
    public const long MessageSizeLimit = 10_240_000;

    internal const int MaxStoredMessages = 100;

    // Bounds memory even when 100 messages near the size limit arrive; the newest message is always kept.
    internal const long MaxStoredBytes = 64L * 1024 * 1024;

    internal const int MaxLoggedConnections = 1000;

    private readonly TcpListener[] _listeners;
    private readonly Task[] _acceptLoops;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _sessionsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly Queue<ReceivedMessage> _messages = new();
    private readonly Queue<string> _connections = new();
    private readonly EmbeddedCertificates _certificates;
    private long _storedBytes;
    private long _queueCounter;

    // Starts at 1 for the server itself so the count can only reach zero once disposal has begun.
    private int _activeSessions = 1;
    private int _disposed;

    private EmbeddedSmtpServer(EmbeddedServerOptions options, TimeProvider time, EmbeddedCertificates certificates, TcpListener[] listeners)
    {
        Options = options;
        Time = time;
        _certificates = certificates;
        _listeners = listeners;
        TlsOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificates.Context,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            EnabledSslProtocols = SslProtocols.None, // let the OS pick (TLS 1.2/1.3), as a current Postfix would
            AllowRenegotiation = false,
        };
        PasswordBytes = Encoding.UTF8.GetBytes(options.Password);
        LocalMailboxes = BuildLocalMailboxes(options);
        _acceptLoops = new Task[listeners.Length];
        var kinds = new[] { EmbeddedPortKind.Mx, EmbeddedPortKind.Submission, EmbeddedPortKind.Smtps };
        for (var i = 0; i < listeners.Length; i++)
        {
            _acceptLoops[i] = AcceptLoopAsync(listeners[i], kinds[i], _shutdown.Token);
        }
    }

    /// <summary>Always 127.0.0.1: the server never listens beyond loopback.</summary>
    public IPAddress Address => IPAddress.Loopback;

    /// <summary>Plain SMTP, STARTTLS offered, AUTH never offered (like an MX on port 25).</summary>
    public int MxPort => PortOf(0);

    /// <summary>STARTTLS required before AUTH/MAIL; AUTH PLAIN LOGIN offered only inside TLS (like port 587).</summary>
    public int SubmissionPort => PortOf(1);

    /// <summary>Implicit TLS from the first byte, AUTH PLAIN LOGIN offered (like port 465).</summary>
    public int SmtpsPort => PortOf(2);

    /// <summary>PEM of the CA that signed the server certificate; clients must trust it explicitly to verify.</summary>
    public string CaCertificatePem => _certificates.CaPem;

    /// <summary>The only SASL username accepted.</summary>
    public string Username => Options.Username;

    /// <summary>"connect from ADDRESS:PORT to port N" for each accepted connection (most recent 1000).</summary>
    public IReadOnlyList<string> LoggedConnections
    {
        get
        {
            lock (_gate)
            {
                return _connections.ToArray();
            }
        }
    }

    /// <summary>The most recent accepted messages (at most 100), oldest first.</summary>
    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToArray();
            }
        }
    }

    internal EmbeddedServerOptions Options { get; }

    internal TimeProvider Time { get; }

    internal SslServerAuthenticationOptions TlsOptions { get; }

    internal byte[] PasswordBytes { get; }

    internal IReadOnlySet<string> LocalMailboxes { get; }

    /// <summary>Generates the certificates and binds all three ports on 127.0.0.1.</summary>
    public static Task<EmbeddedSmtpServer> StartAsync(EmbeddedServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ct.ThrowIfCancellationRequested();
        Validate(options);
        var time = options.Time ?? TimeProvider.System;
        var certificates = EmbeddedCertificates.Create(options.Hostname, time);
        var listeners = new List<TcpListener>(3);
        try
        {
            foreach (var port in new[] { options.MxPort, options.SubmissionPort, options.SmtpsPort })
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listeners.Add(listener);
            }
        }
        catch
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
            certificates.Dispose();
            throw;
        }
        return Task.FromResult(new EmbeddedSmtpServer(options, time, certificates, listeners.ToArray()));
    }

    /// <summary>Stops listening, closes open connections and waits for their handlers to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _shutdown.CancelAsync();
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }
        await Task.WhenAll(_acceptLoops);
        SessionEnded();
        await _sessionsDone.Task;
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
        _certificates.Dispose();
        _shutdown.Dispose();
    }

    /// <summary>Deterministic Postfix-looking queue id: 10 uppercase hex digits from a per-server counter.</summary>
    internal string NextQueueId()
    {
        var n = (ulong)Interlocked.Increment(ref _queueCounter);
        // Multiplying by an odd constant is a bijection mod 2^40, so ids never repeat yet do not look sequential.
        var scrambled = (n * 0x5DEECE66DUL + 0xB) & 0xFF_FFFF_FFFFUL;
        return scrambled.ToString("X10", CultureInfo.InvariantCulture);
    }

    internal void Store(ReceivedMessage message)
    {
        lock (_gate)
        {
            _messages.Enqueue(message);
            _storedBytes += message.Data.Length;
            while (_messages.Count > 1 && (_messages.Count > MaxStoredMessages || _storedBytes > MaxStoredBytes))
            {
                _storedBytes -= _messages.Dequeue().Data.Length;
            }
        }
    }

    private void LogConnection(string line)
    {
        lock (_gate)
        {
            _connections.Enqueue(line);
            while (_connections.Count > MaxLoggedConnections)
            {
                _connections.Dequeue();
            }
        }
    }

    private int PortOf(int index) => ((IPEndPoint)_listeners[index].LocalEndpoint).Port;

    private async Task AcceptLoopAsync(TcpListener listener, EmbeddedPortKind kind, CancellationToken ct)
    {
        var localPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A reset before accept is the client's problem; the pause keeps fd exhaustion from spinning a core.
                await PauseAsync(ct);
                continue;
            }
            SmtpSession session;
            string remote;
            try
            {
                remote = socket.RemoteEndPoint?.ToString() ?? "unknown";
                session = new SmtpSession(this, socket, kind, remote, localPort);
            }
            catch (Exception)
            {
                // The peer vanished between accept and setup; keep listening for the next one.
                socket.Dispose();
                continue;
            }
            LogConnection($"connect from {remote} to port {localPort}");
            Interlocked.Increment(ref _activeSessions);
            _ = RunSessionAsync(session, ct);
        }
    }

    private async Task PauseAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), Time, ct);
        }
        catch (OperationCanceledException)
        {
            // Shutting down; the accept loop checks the token next.
        }
    }

    private async Task RunSessionAsync(SmtpSession session, CancellationToken ct)
    {
        try
        {
            await session.RunAsync(ct);
        }
        finally
        {
            SessionEnded();
        }
    }

    private void SessionEnded()
    {
        if (Interlocked.Decrement(ref _activeSessions) == 0)
        {
            _sessionsDone.TrySetResult();
        }
    }

    private static void Validate(EmbeddedServerOptions options)
    {
        foreach (var port in new[] { options.MxPort, options.SubmissionPort, options.SmtpsPort })
        {
            if (port is < 0 or > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"port {port} is outside 0..65535");
            }
        }
        if (string.IsNullOrWhiteSpace(options.Hostname) || options.Hostname.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException("Hostname must be a single non-empty word", nameof(options));
        }
        if (string.IsNullOrWhiteSpace(options.LocalDomain))
        {
            throw new ArgumentException("LocalDomain must not be empty", nameof(options));
        }
        if (string.IsNullOrEmpty(options.Username))
        {
            throw new ArgumentException("Username must not be empty", nameof(options));
        }
    }

    private static HashSet<string> BuildLocalMailboxes(EmbeddedServerOptions options)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "probe", "postmaster" };
        var at = options.Username.LastIndexOf('@');
        if (at > 0 && string.Equals(options.Username[(at + 1)..], options.LocalDomain, StringComparison.OrdinalIgnoreCase))
        {
            set.Add(options.Username[..at]);
        }
        return set;
    }
}

/// <summary>Which of the three listeners accepted a connection; decides TLS and AUTH policy.</summary>
internal enum EmbeddedPortKind
{
    Mx,
    Submission,
    Smtps,
}
