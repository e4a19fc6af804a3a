using System.Globalization;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Evaluation;
using SmtpProbe.Core.Redaction;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Smtp.Messages;
using SmtpProbe.Smtp.Protocol;
using SmtpProbe.Smtp.Sasl;
using SmtpProbe.Smtp.Session;

namespace SmtpProbe.Smtp.Running;

/// <summary>
/// Runs one scenario over one connection, step by step, in the written order. The first step that
/// fails or errors ends the scenario (later steps are reported as skipped): nothing is ever sent
/// after a failed STARTTLS, and a broken server cannot drag the run past its timeouts.
/// </summary>
public sealed class ScenarioRunner(TimeProvider time, Action<string>? live = null)
{
    private int _messageSequence;

    public async Task<ScenarioResult> RunAsync(ScenarioFile file, Scenario scenario, CancellationToken ct = default)
    {
        var usernames = scenario.Steps.OfType<AuthStep>().Select(a => a.Auth.Username).Append(scenario.Auth?.Username).OfType<string>();
        var redactor = new Redactor(scenario.Secrets, usernames);
        var transcript = new Transcript(redactor, live);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var state = new State(scenario, file.Source, transcript);
        var results = new List<StepResult>();
        try
        {
            foreach (var step in scenario.Steps)
            {
                var stepResult = await RunStepAsync(state, step, results.Count + 1, ct).ConfigureAwait(false);
                results.Add(stepResult);
                if (stepResult.Outcome != Outcome.Passed)
                {
                    break;
                }
            }
            // An error marks the connection closed; otherwise (passed without `quit`, or a mere mismatch) the dialogue is intact: leave politely.
            if (state.Connection is { } open && !state.Closed)
            {
                await open.TryQuitAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            if (state.Connection is { } connection)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        for (var i = results.Count; i < scenario.Steps.Count; i++)
        {
            var skipped = scenario.Steps[i];
            results.Add(new StepResult(i + 1, skipped.Name, skipped.Span, null, [], [], Outcome.Skipped, ErrorKind.None, null, TimeSpan.Zero));
        }
        var failing = results.FirstOrDefault(r => r.Outcome is Outcome.Failed or Outcome.Error);
        var result = new ScenarioResult(
            scenario.Name,
            file.Path,
            scenario.Span,
            failing?.Outcome ?? Outcome.Passed,
            failing?.ErrorKind ?? ErrorKind.None,
            failing?.Message,
            results,
            state.Connection?.Facts ?? new ConnectionFacts(scenario.Server.Host, scenario.Server.Port, null, null, scenario.Tls.Mode.ToString().ToLowerInvariant()),
            state.Tls,
            transcript.Lines,
            startedAt,
            time.GetElapsedTime(started)) { Warnings = state.Warnings };
        return redactor.Redact(result);
    }

    private sealed class State(Scenario scenario, SmtpProbe.Core.Text.SourceText source, Transcript transcript)
    {
        public Scenario Scenario { get; } = scenario;

        public Transcript Transcript { get; } = transcript;

        public SmtpProbe.Core.Text.SourceText Source { get; } = source;

        public SmtpConnection? Connection { get; set; }

        public EhloCapabilities Capabilities { get; set; } = EhloCapabilities.None;

        public List<TlsFacts> Tls { get; } = [];

        public List<string> Warnings { get; } = [];

        /// <summary>Records a TLS session; relaxed verification that found problems becomes a warning, never silence.</summary>
        public void AddTls(TlsFacts facts)
        {
            Tls.Add(facts);
            if (facts.VerificationError is { } problem && facts.VerificationRelaxed)
            {
                Warnings.Add($"TLS certificate not fully verified (tls.verify: {Scenario.Tls.Verify.ToString().ToLowerInvariant()}): {problem}");
            }
        }

        public bool Closed { get; set; }
    }

    private async Task<StepResult> RunStepAsync(State state, Step step, int index, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var replies = new List<Reply>();
        string? sent = null;
        try
        {
            if (state.Connection is null)
            {
                state.Connection = await SmtpConnection.OpenAsync(state.Scenario.Server, state.Scenario.Tls, time, state.Transcript, ct).ConfigureAwait(false);
                if (state.Connection.Tls is { } implicitTls)
                {
                    state.AddTls(implicitTls);
                }
            }
            var connection = state.Connection;
            var checks = new List<CheckResult>();
            switch (step)
            {
                case BannerStep:
                    var banner = await connection.ReadBannerAsync(ct).ConfigureAwait(false);
                    connection.RecordReply(banner);
                    replies.Add(banner);
                    checks.AddRange(Assertions.Evaluate(step.Expect, banner));
                    if (step.Expect.Tls is { } implicitExpect && connection.Tls is { } implicitFacts)
                    {
                        checks.AddRange(TlsAssertions.Evaluate(implicitExpect, implicitFacts, time.GetUtcNow()));
                    }
                    break;

                case StartTlsStep:
                    if (state.Scenario.Tls.Mode == TlsMode.StartTls && !state.Capabilities.Has("STARTTLS"))
                    {
                        // No downgrade: required STARTTLS that is not offered ends the scenario before anything else is sent.
                        checks.Add(new CheckResult("EHLO advertises STARTTLS (tls.mode is starttls)", $"not advertised (advertised: {state.Capabilities})", false));
                        return Finish(step, index, started, sent, replies, checks, Outcome.Failed, ErrorKind.Tls,
                            "server does not advertise STARTTLS, which tls.mode starttls requires; nothing more is sent", state);
                    }
                    sent = "STARTTLS";
                    var tlsReply = await Command(connection, sent, replies, ct).ConfigureAwait(false);
                    checks.AddRange(Assertions.Evaluate(step.Expect, tlsReply));
                    if (tlsReply.Code == 220 && checks.All(c => c.Passed))
                    {
                        await connection.UpgradeAfterStartTlsAsync(state.Scenario.Tls, ct).ConfigureAwait(false);
                        state.AddTls(connection.Tls!);
                        if (step.Expect.Tls is { } tlsExpect)
                        {
                            checks.AddRange(TlsAssertions.Evaluate(tlsExpect, connection.Tls!, time.GetUtcNow()));
                        }
                        // RFC 3207 §4.2: forget everything learned before TLS; the next EHLO tells the truth.
                        state.Capabilities = EhloCapabilities.None;
                    }
                    break;

                case HelloStep hello:
                    sent = $"{(hello.Kind == StepKind.Ehlo ? "EHLO" : "HELO")} {hello.Domain}";
                    var helloReply = await Command(connection, sent, replies, ct).ConfigureAwait(false);
                    if (hello.Kind == StepKind.Ehlo)
                    {
                        state.Capabilities = EhloCapabilities.Parse(helloReply);
                    }
                    checks.AddRange(Assertions.Evaluate(step.Expect, helloReply));
                    break;

                case AuthStep auth:
                    if (!connection.IsTls && !auth.Auth.AllowPlaintext && !step.AllowPlaintext)
                    {
                        throw new SmtpProbeException(ErrorKind.Usage, "refusing to send credentials over a connection without TLS (add `allow_plaintext: true` to `auth` to allow it)");
                    }
                    if (!auth.Auth.Required && !state.Capabilities.Has("AUTH"))
                    {
                        // `required: false`: a server that offers no AUTH is fine; one that offers it must accept us.
                        state.Warnings.Add("AUTH skipped: the server advertises no AUTH and `auth.required` is false");
                        checks.Add(new CheckResult("AUTH advertised (optional)", "not advertised; AUTH skipped", true));
                        break;
                    }
                    var mechanism = SaslClient.ResolveMechanism(auth.Auth, state.Capabilities);
                    // Set before the exchange so a failure in it still reports what was being sent.
                    sent = $"AUTH {mechanism}";
                    sent = await SaslClient.AuthenticateAsync(connection, auth.Auth, mechanism, replies, ct).ConfigureAwait(false);
                    checks.AddRange(Assertions.Evaluate(step.Expect, replies[^1]));
                    break;

                case EnvelopeStep envelope:
                    GuardPlaintext(state, connection, step);
                    sent = $"{(envelope.Kind == StepKind.MailFrom ? "MAIL FROM" : "RCPT TO")}:<{envelope.Address}>{(envelope.Parameters.Length > 0 ? " " + envelope.Parameters : "")}";
                    checks.AddRange(Assertions.Evaluate(step.Expect, await Command(connection, sent, replies, ct).ConfigureAwait(false)));
                    break;

                case DataStep data:
                    GuardPlaintext(state, connection, step);
                    sent = "DATA";
                    var go = await Command(connection, sent, replies, ct).ConfigureAwait(false);
                    if (go.Code / 100 is 4 or 5)
                    {
                        // Refused at DATA: that reply is what the scenario's expectation judges.
                        checks.AddRange(Assertions.Evaluate(step.Expect, go));
                        break;
                    }
                    checks.AddRange(Assertions.Evaluate(data.StartExpect, go));
                    if (checks.All(c => c.Passed))
                    {
                        var payload = MessageComposer.Compose(data.Message, state.Scenario.HeloName, time, Interlocked.Increment(ref _messageSequence));
                        var final = await connection.SendMessageAsync(payload, MessageComposer.Describe(payload), ct).ConfigureAwait(false);
                        connection.RecordReply(final);
                        replies.Add(final);
                        sent = $"DATA\n{MessageComposer.Describe(payload)}\n.";
                        checks.AddRange(Assertions.Evaluate(step.Expect, final));
                    }
                    break;

                case SimpleStep simple:
                    sent = simple.Name.ToUpperInvariant() + (simple.Argument is { Length: > 0 } arg ? " " + arg : "");
                    var simpleReply = await Command(connection, sent, replies, ct).ConfigureAwait(false);
                    checks.AddRange(Assertions.Evaluate(step.Expect, simpleReply));
                    if (simple.Kind == StepKind.Quit)
                    {
                        state.Closed = true;
                    }
                    break;

                case SendStep raw:
                    sent = raw.Line;
                    checks.AddRange(Assertions.Evaluate(step.Expect, await Command(connection, sent, replies, ct).ConfigureAwait(false)));
                    break;
            }
            var passed = checks.All(c => c.Passed);
            return Finish(step, index, started, sent, replies, checks, passed ? Outcome.Passed : Outcome.Failed, ErrorKind.None, null, state);
        }
        catch (SmtpProbeException e)
        {
            if (e.Tls is { } refused)
            {
                state.Tls.Add(refused);
            }
            state.Transcript.Note($"error: {e.Message}");
            state.Closed = true;
            if (step.Kind == StepKind.Quit && e.Kind == ErrorKind.Protocol && replies.Count == 0 && e.Evidence is null)
            {
                // The transaction is over; a server that hangs up without its 221 broke RFC 5321 but lost nothing: a mismatch, not an error.
                var check = new CheckResult($"code {string.Join(" or ", step.Expect.Codes)}", $"no reply ({e.Message})", false);
                return Finish(step, index, started, sent, replies, [check], Outcome.Failed, ErrorKind.None, null, state);
            }
            return Finish(step, index, started, sent, replies, [], Outcome.Error, e.Kind, e.Message, state, e.Evidence);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // A socket failure that slipped past the connection's own translation: still the server's doing, not a crash.
            state.Transcript.Note($"error: {e.Message}");
            state.Closed = true;
            return Finish(step, index, started, sent, replies, [], Outcome.Error, ErrorKind.Protocol, $"connection failed: {e.Message}", state);
        }
    }

    private static void GuardPlaintext(State state, SmtpConnection connection, Step step)
    {
        // Defence in depth behind the binder's static rule: with tls.mode starttls nothing of the transaction leaves in clear.
        if (state.Scenario.Tls.Mode == TlsMode.StartTls && !connection.IsTls && !step.AllowPlaintext)
        {
            throw new SmtpProbeException(ErrorKind.Tls, $"refusing to send {step.Name} before TLS is up (tls.mode is starttls)");
        }
    }

    private static async Task<Reply> Command(SmtpConnection connection, string line, List<Reply> replies, CancellationToken ct)
    {
        var reply = await connection.CommandAsync(line, null, ct).ConfigureAwait(false);
        connection.RecordReply(reply);
        replies.Add(reply);
        return reply;
    }

    private StepResult Finish(Step step, int index, long started, string? sent, List<Reply> replies, List<CheckResult> checks,
        Outcome outcome, ErrorKind kind, string? problem, State state, string? evidence = null)
    {
        string? message = null;
        if (outcome != Outcome.Passed)
        {
            var notes = new List<string>();
            string headline;
            var failed = checks.Where(c => !c.Passed).ToList();
            if (outcome == Outcome.Failed && problem is null && failed.Count > 0)
            {
                headline = $"expected {failed[0].Expected}, got {failed[0].Actual}";
                notes.AddRange(failed.Skip(1).Select(c => $"also expected {c.Expected}, got {c.Actual}"));
            }
            else
            {
                headline = problem ?? "step failed";
                notes.AddRange(failed.Select(c => $"expected {c.Expected}, got {c.Actual}"));
            }
            if (sent is not null)
            {
                notes.Add($"sent: {sent.Replace("\n", " ", StringComparison.Ordinal)}");
            }
            if (replies.Count > 0)
            {
                var lines = replies[^1].RawLines.ToList();
                notes.Add($"server replied: {string.Join(" | ", lines.Take(12))}{(lines.Count > 12 ? $" | … ({lines.Count} lines)" : "")}");
            }
            if (evidence is not null)
            {
                notes.Add($"server sent: {evidence}");
            }
            var title = outcome == Outcome.Failed ? "failure" : "error";
            message = DiagnosticRenderer.Render(title, $"step {index.ToString(CultureInfo.InvariantCulture)} `{step.Name}`: {headline}", step.Span, SourceLineOf(step, state), notes, null);
        }
        return new StepResult(index, step.Name, step.Span, sent, replies, checks, outcome, kind, message, time.GetElapsedTime(started));
    }

    private static string SourceLineOf(Step step, State state) => state.Source.Line(step.Span.Start.Line);
}
