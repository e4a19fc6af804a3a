using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit;

namespace SmtpProbe.Testing.Scripted;

/// <param name="Connections">How many connections to accept; each runs the whole dialog. Completion covers all.</param>
/// <param name="SafetyTimeout">Real-time cap on every server read/write/handshake/accept (default 10 s).</param>
/// <param name="Certificate">Which TLS certificate <c>!starttls</c> presents.</param>
/// <param name="CertificateHost">Host name put in the certificate's CN and SAN (besides localhost and loopback IPs).</param>
/// <param name="RequestClientCertificate">Ask for a client certificate in <c>!starttls</c> and record its subject as "* client certificate: ...".</param>
/// <param name="Protocols">TLS versions <c>!starttls</c> accepts (default: the system's), to test a client's version bounds.</param>
public sealed record ScriptedServerOptions(
    int Connections = 1,
    TimeSpan? SafetyTimeout = null,
    CertificateKind Certificate = CertificateKind.CaSigned,
    string CertificateHost = "localhost",
    bool RequestClientCertificate = false,
    System.Security.Authentication.SslProtocols Protocols = System.Security.Authentication.SslProtocols.None);

/// <summary>Outcome of all connections; <see cref="Failure"/> is the first failure, prefixed with the dialog name.</summary>
public sealed record DialogResult(bool Succeeded, string? Failure, IReadOnlyList<string> Transcript);

/// <summary>
/// An in-process SMTP server on 127.0.0.1 whose every byte comes from a dialog script and which
/// fails on any client byte the script did not expect. The dialog format is described on <see cref="DialogScript"/>.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private static readonly TimeSpan DefaultSafetyTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AssertCap = TimeSpan.FromSeconds(15);

    private readonly DialogScript _script;
    private readonly ScriptedServerOptions _options;
    private readonly TcpListener _listener;
    private readonly ServerCertificate _certificate;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Connection> _connections = [];
    private string? _failure;
    private int _disposed;

    private ScriptedSmtpServer(DialogScript script, ScriptedServerOptions? options)
    {
        _script = script;
        _options = options ?? new ScriptedServerOptions();
        if (_options.Connections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Connections must be at least 1");
        }
        SafetyTimeout = _options.SafetyTimeout ?? DefaultSafetyTimeout;
        if (SafetyTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "SafetyTimeout must be positive");
        }
        _certificate = TestCertificates.Get(_options.Certificate, _options.CertificateHost);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(_options.Connections + 8);
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        Completion = Task.Run(RunAsync);
    }

    /// <summary>Parses <paramref name="dialogPath"/> (throws <see cref="DialogFormatException"/> naming file:line) and starts listening.</summary>
    public static ScriptedSmtpServer StartFromFile(string dialogPath, ScriptedServerOptions? options = null) =>
        new(DialogScript.Load(dialogPath), options);

    /// <summary>Like <see cref="StartFromFile"/> for a dialog held in a string; <paramref name="name"/> appears in messages.</summary>
    public static ScriptedSmtpServer StartFromText(string dialogText, string name = "inline", ScriptedServerOptions? options = null) =>
        new(DialogScript.Parse(dialogText, name), options);

    public int Port => EndPoint.Port;

    public IPEndPoint EndPoint { get; }

    /// <summary>The TLS server certificate (with private key).</summary>
    public X509Certificate2 Certificate => _certificate.Leaf;

    /// <summary>PEM a client should trust: the test CA, or the certificate itself for <see cref="CertificateKind.SelfSigned"/>.</summary>
    public string CaCertificatePem => _certificate.TrustPem;

    /// <summary>Completes when the first connection reaches <c>!stall</c>; faults if the dialog ends without getting there.</summary>
    public Task WhenStalled => _stalled.Task;

    /// <summary>Completes (never faults) when every expected connection finished its dialog, or on the first failure.</summary>
    public Task<DialogResult> Completion { get; }

    public TimeSpan SafetyTimeout { get; }

    /// <summary>Awaits <see cref="Completion"/> and fails the test with reason and transcript unless the dialog succeeded.</summary>
    public async Task AssertCompletedAsync()
    {
        // A larger configured safety timeout must be able to fire before this cap does.
        var cap = SafetyTimeout + TimeSpan.FromSeconds(5) > AssertCap ? SafetyTimeout + TimeSpan.FromSeconds(5) : AssertCap;
        DialogResult result;
        try
        {
            result = await Completion.WaitAsync(cap);
        }
        catch (TimeoutException)
        {
            Assert.Fail(FailureMessage($"did not complete within {Display.Duration(cap)}", Transcript()));
            return;
        }
        if (!result.Succeeded)
        {
            Assert.Fail(FailureMessage(result.Failure ?? "(no reason)", result.Transcript));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _shutdown.CancelAsync();
        _listener.Stop();
        Connection[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }
        foreach (var connection in open)
        {
            connection.Abort();
        }
        try
        {
            await Completion.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Nothing more to do: the sockets are closed; a stuck task cannot keep a port open.
        }
    }

    private string FailureMessage(string failure, IReadOnlyList<string> transcript)
    {
        var sb = new StringBuilder();
        sb.Append("scripted SMTP dialog '").Append(_script.Name).Append("' failed: ").AppendLine(failure);
        sb.AppendLine("transcript:");
        foreach (var line in transcript)
        {
            sb.Append("  ").AppendLine(line);
        }
        return sb.ToString();
    }

    private List<string> Transcript()
    {
        Connection[] all;
        lock (_connections)
        {
            all = [.. _connections];
        }
        var lines = new List<string>();
        foreach (var connection in all)
        {
            if (_options.Connections > 1)
            {
                lines.Add($"=== connection {connection.Number} ===");
            }
            lines.AddRange(connection.TranscriptSnapshot());
        }
        return lines;
    }

    private void RecordFailure(string failure) => Interlocked.CompareExchange(ref _failure, failure, null);

    private async Task<DialogResult> RunAsync()
    {
        // Cancelled on the first failure too, so the other connections and the accept loop stop promptly.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        var runs = new List<Task>();
        try
        {
            for (var number = 1; number <= _options.Connections && !stop.IsCancellationRequested; number++)
            {
                Socket socket;
                using (var acceptTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
                {
                    acceptTimeout.CancelAfter(SafetyTimeout);
                    try
                    {
                        socket = await _listener.AcceptSocketAsync(acceptTimeout.Token);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        RecordFailure($"{_script.Name}: connection {number} of {_options.Connections} did not arrive within the safety timeout ({Display.Duration(SafetyTimeout)})");
                        break;
                    }
                    catch (Exception) when (stop.IsCancellationRequested)
                    {
                        break;
                    }
                }
                var connection = new Connection(this, number, socket, stop.Token);
                lock (_connections)
                {
                    _connections.Add(connection);
                }
                runs.Add(RunConnectionAsync(connection, stop));
            }
            await Task.WhenAll(runs);
        }
        catch (Exception ex)
        {
            RecordFailure($"{_script.Name}: internal error in the scripted server: {ex}");
        }
        finally
        {
            _listener.Stop();
        }
        if (_shutdown.IsCancellationRequested)
        {
            RecordFailure($"{_script.Name}: server disposed before the dialog completed");
        }
        var failure = Volatile.Read(ref _failure);
        if (!_stalled.Task.IsCompleted)
        {
            _stalled.TrySetException(new InvalidOperationException(
                $"dialog '{_script.Name}' ended without reaching !stall: {failure ?? "it succeeded"}"));
            _ = _stalled.Task.Exception; // observed: tests that never await WhenStalled must not trip UnobservedTaskException
        }
        return new DialogResult(failure is null, failure, Transcript());
    }

    private async Task RunConnectionAsync(Connection connection, CancellationTokenSource stop)
    {
        var failure = await connection.RunAsync();
        if (failure is not null)
        {
            RecordFailure(_options.Connections > 1 ? $"connection {connection.Number}: {failure}" : failure);
            await stop.CancelAsync();
        }
    }

    /// <summary>Raised inside a connection to end its dialog with a failure message.</summary>
    private sealed class DialogFailedException(string message) : Exception(message);

    /// <summary>One accepted connection executing the script.</summary>
    private sealed class Connection
    {
        private readonly ScriptedSmtpServer _server;
        private readonly Socket _socket;
        private readonly CancellationToken _stop;
        private readonly LineBuffer _input = new();
        private readonly List<string> _transcript = [];
        private Stream _stream;
        private bool _split;

        public Connection(ScriptedSmtpServer server, int number, Socket socket, CancellationToken stop)
        {
            _server = server;
            Number = number;
            _socket = socket;
            _stop = stop;
            // Without NoDelay, Nagle would merge !split's one-byte writes back into one segment.
            _socket.NoDelay = true;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public int Number { get; }

        private string Name => _server._script.Name;

        private TimeSpan Safety => _server.SafetyTimeout;

        public List<string> TranscriptSnapshot()
        {
            lock (_transcript)
            {
                return [.. _transcript];
            }
        }

        public void Abort()
        {
            try
            {
                _socket.Dispose();
            }
            catch (ObjectDisposedException)
            {
                // already closed by the dialog itself
            }
        }

        /// <summary>Runs the dialog; returns null on success, else the failure message.</summary>
        public async Task<string?> RunAsync()
        {
            try
            {
                var ended = false;
                foreach (var step in _server._script.Steps)
                {
                    if (await ExecuteAsync(step))
                    {
                        ended = true;
                        break;
                    }
                }
                if (!ended)
                {
                    Log("* end of dialog (waiting for the client to close)");
                    await ExpectCloseAsync(
                        "unexpected client data after end of dialog: ",
                        "the client did not close the connection after the end of the dialog");
                }
                return null;
            }
            catch (DialogFailedException ex)
            {
                Log("! " + ex.Message);
                return ex.Message;
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                Log("! stopped (server disposed or another connection failed)");
                return $"{Name}: stopped (server disposed or another connection failed)";
            }
            catch (Exception ex)
            {
                Log("! internal error: " + ex);
                return $"{Name}: internal error in the scripted server: {ex}";
            }
            finally
            {
                try
                {
                    await _stream.DisposeAsync();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    // The peer is gone already; the dialog outcome is decided.
                }
                _socket.Dispose();
            }
        }

        /// <summary>Executes one step; true when the step ended the connection.</summary>
        private async Task<bool> ExecuteAsync(DialogStep step)
        {
            switch (step)
            {
                case SendLineStep send:
                    // "S(split):" marks lines written one byte per write, the only trace of splitting a client can't see.
                    Log((_split ? "S(split): " : "S: ") + Display.Escape(send.Text));
                    await WriteAsync(Encoding.UTF8.GetBytes(send.Text + "\r\n"), step);
                    return false;

                case SendBytesStep bytes:
                    Log((_split ? "S(bytes, split): " : "S(bytes): ") + Display.EscapeBytes(bytes.Bytes));
                    await WriteAsync(bytes.Bytes, step);
                    return false;

                case ExpectLineStep expect:
                {
                    var line = await ReadLineAsync(step);
                    if (!string.Equals(line, expect.Text, StringComparison.Ordinal))
                    {
                        throw Fail($"line {step.Line}: expected   {step.Source}\n  but client sent: C: {Display.Escape(line)}");
                    }
                    return false;
                }

                case ExpectMatchStep match:
                {
                    var line = await ReadLineAsync(step);
                    if (!match.Pattern.IsMatch(line))
                    {
                        throw Fail($"line {step.Line}: expected a line matching   {step.Source}\n  but client sent: C: {Display.Escape(line)}");
                    }
                    return false;
                }

                case CollectUntilStep collect:
                    while (!string.Equals(await ReadLineAsync(step), collect.Terminator, StringComparison.Ordinal))
                    {
                    }
                    return false;

                case SplitStep split:
                    _split = split.On;
                    Log(split.On ? "* split on (one byte per write)" : "* split off");
                    return false;

                case StartTlsStep tls:
                    return await StartTlsAsync(tls);

                case StallStep:
                    await StallAsync(step);
                    return true;

                case CloseStep:
                    Log("* close");
                    await CloseGracefullyAsync();
                    return true;

                case ResetStep:
                    Log("* reset (TCP RST)");
                    // Linger 0 makes close() send RST instead of FIN: the client sees "connection reset".
                    _socket.LingerState = new LingerOption(true, 0);
                    _socket.Close();
                    return true;

                case ExpectCloseStep:
                    Log("* expect close");
                    await ExpectCloseAsync(
                        $"line {step.Line}: expected the client to close (!expect-close) but it sent: ",
                        $"the client did not close the connection at line {step.Line} (!expect-close)");
                    return true;

                default:
                    throw new InvalidOperationException($"unhandled step {step}");
            }
        }

        private async Task<bool> StartTlsAsync(StartTlsStep step)
        {
            if (_input.Count > 0)
            {
                // Bytes pipelined behind STARTTLS would be read as plaintext "inside" TLS: a classic injection bug.
                var early = _input.TakeAll();
                throw Fail($"line {step.Line}: client sent data after STARTTLS before the TLS handshake: {Display.EscapeBytes(early)}");
            }
            Log(step.ExpectRejected ? "* starttls (client expected to reject the certificate)" : "* starttls");
            var tls = new System.Net.Security.SslStream(_stream, leaveInnerStreamOpen: false);
            _stream = tls;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop);
            timeout.CancelAfter(Safety);
            try
            {
                await tls.AuthenticateAsServerAsync(
                    new System.Net.Security.SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = _server._certificate.Context,
                        ClientCertificateRequired = _server._options.RequestClientCertificate,
                        EnabledSslProtocols = _server._options.Protocols,
                        // Tests check what the client presented, not whom the server trusts: accept any certificate.
                        RemoteCertificateValidationCallback = _server._options.RequestClientCertificate ? (_, _, _, _) => true : null,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    },
                    timeout.Token);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                throw Fail($"line {step.Line}: the TLS handshake did not finish within the safety timeout ({Display.Duration(Safety)})");
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested && ex is IOException or System.Security.Authentication.AuthenticationException)
            {
                if (step.ExpectRejected)
                {
                    Log($"* client rejected the TLS handshake as expected ({Display.Describe(ex)})");
                    return true;
                }
                throw Fail($"line {step.Line}: TLS handshake failed: {Display.Describe(ex)}");
            }
            Log($"* tls established ({tls.SslProtocol}, {tls.NegotiatedCipherSuite})");
            Log($"* sni: {(string.IsNullOrEmpty(tls.TargetHostName) ? "(none)" : tls.TargetHostName)}");
            if (_server._options.RequestClientCertificate)
            {
                Log($"* client certificate: {tls.RemoteCertificate?.Subject ?? "(none)"}");
            }
            if (step.ExpectRejected)
            {
                // Some client stacks validate the certificate only after the handshake, then just drop the connection.
                await ExpectCloseAsync(
                    $"line {step.Line}: the client accepted the TLS session although the dialog expected it to reject the certificate, and sent: ",
                    $"line {step.Line}: the client neither rejected the TLS handshake nor closed the connection");
                return true;
            }
            return false;
        }

        private async Task StallAsync(DialogStep step)
        {
            Log("* stall (sending nothing; waiting for the client to close)");
            _server._stalled.TrySetResult();
            if (_input.Count > 0)
            {
                Log("C(ignored, stalled): " + Display.EscapeBytes(_input.TakeAll()));
            }
            var buffer = new byte[4096];
            while (true)
            {
                var (read, how) = await ReadSomeAsync(buffer,
                    $"line {step.Line}: the client did not close the connection within the safety timeout ({Display.Duration(Safety)}) after !stall");
                if (read == 0)
                {
                    Log("* client closed" + how);
                    return;
                }
                // A stalled server reads nothing per the script, but it must drain to notice the close.
                Log("C(ignored, stalled): " + Display.EscapeBytes(buffer.AsSpan(0, read)));
            }
        }

        private async Task CloseGracefullyAsync()
        {
            try
            {
                if (_stream is System.Net.Security.SslStream tls)
                {
                    await tls.ShutdownAsync().WaitAsync(Safety, _stop);
                }
                // FIN now: disposing a socket with unread input would send RST instead.
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
            {
                Log("* close: peer already gone (" + ex.Message + ")");
            }
        }

        /// <summary>Requires EOF (or reset) from the client; any byte is a failure.</summary>
        private async Task ExpectCloseAsync(string dataPrefix, string timeoutMessage)
        {
            if (_input.Count > 0)
            {
                var pending = _input.TakeAll();
                Log("C(unexpected): " + Display.EscapeBytes(pending));
                throw Fail(dataPrefix + Display.EscapeBytes(pending));
            }
            var buffer = new byte[4096];
            var (read, how) = await ReadSomeAsync(buffer, $"{timeoutMessage} within the safety timeout ({Display.Duration(Safety)})");
            if (read == 0)
            {
                Log("* client closed" + how);
                return;
            }
            Log("C(unexpected): " + Display.EscapeBytes(buffer.AsSpan(0, read)));
            throw Fail(dataPrefix + Display.EscapeBytes(buffer.AsSpan(0, read)));
        }

        /// <summary>Reads one client line for <paramref name="step"/>; closing, bare LF, overlong lines and silence fail.</summary>
        private async Task<string> ReadLineAsync(DialogStep step)
        {
            while (true)
            {
                if (_input.TryTakeLine(out var bytes, out var bareLf))
                {
                    var line = Display.Decode(bytes);
                    Log("C: " + Display.Escape(line) + (bareLf ? "   <- bare LF" : ""));
                    if (bareLf)
                    {
                        throw Fail($"line {step.Line}: client sent bare LF (line ended with LF, not CRLF): {Display.Escape(line)}\\n");
                    }
                    return line;
                }
                if (_input.IsFull)
                {
                    throw Fail($"line {step.Line}: client line longer than {LineBuffer.MaxLineBytes} bytes without CRLF (expected {step.Source})");
                }
                var (read, how) = await ReadSomeAsync(_input.FreeSpace(),
                    $"line {step.Line}: no data from the client within the safety timeout ({Display.Duration(Safety)}) while dialog expected: {step.Source}");
                if (read == 0)
                {
                    var partial = _input.Count > 0 ? $" (after a partial line without CRLF: {Display.EscapeBytes(_input.TakeAll())})" : "";
                    Log("* client closed" + how + partial);
                    throw Fail($"client closed at line {step.Line} while dialog expected: {step.Source}{partial}{how}");
                }
                _input.Advance(read);
            }
        }

        /// <summary>One read capped by the safety timeout; (0, how) on EOF or a connection error.</summary>
        private async Task<(int Read, string How)> ReadSomeAsync(Memory<byte> buffer, string timeoutMessage)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop);
            timeout.CancelAfter(Safety);
            try
            {
                var read = await _stream.ReadAsync(buffer, timeout.Token);
                return (read, "");
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                throw Fail(timeoutMessage);
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested && ex is IOException or System.Security.Authentication.AuthenticationException)
            {
                // A reset or a TLS alert is still the client going away; callers decide whether that is allowed.
                return (0, $" ({Display.Describe(ex)})");
            }
        }

        private async Task WriteAsync(byte[] data, DialogStep step)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop);
            timeout.CancelAfter(Safety);
            try
            {
                if (_split)
                {
                    for (var i = 0; i < data.Length; i++)
                    {
                        await _stream.WriteAsync(data.AsMemory(i, 1), timeout.Token);
                        await _stream.FlushAsync(timeout.Token);
                    }
                }
                else
                {
                    await _stream.WriteAsync(data, timeout.Token);
                    await _stream.FlushAsync(timeout.Token);
                }
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                throw Fail($"line {step.Line}: the client did not take the server's data within the safety timeout ({Display.Duration(Safety)})");
            }
            catch (IOException ex) when (!_stop.IsCancellationRequested)
            {
                throw Fail($"client closed at line {step.Line} while the server was sending {step.Source} ({Display.Describe(ex)})");
            }
        }

        private DialogFailedException Fail(string message) => new($"{Name}: {message}");

        private void Log(string line)
        {
            lock (_transcript)
            {
                _transcript.Add(line);
            }
        }
    }
}
