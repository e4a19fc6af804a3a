using SmtpProbe.Core.Results;
using SmtpProbe.Smtp.Tests.Running;
using SmtpProbe.Testing.Scripted;

namespace SmtpProbe.Smtp.Tests.Hostile;

/// <summary>
/// The runner against a corpus of hostile and broken servers (dialogs/hostile, one behaviour per file, the
/// expectation in each file's header): every run must end within its timeouts with the right outcome,
/// error kind, failing step and a message that quotes the evidence.
/// </summary>
public class HostileServerTests
{
    /// <summary>Real-time cap on a whole run: far beyond any legitimate run, only a hang reaches it.</summary>
    private static readonly TimeSpan HangCap = TimeSpan.FromSeconds(30);

    /// <summary>Rows marked `# bug:` are skipped unless SMTP_PROBE_RUN_BUG_ROWS=1 (to check a fix).</summary>
    public static IEnumerable<TheoryDataRow<string>> Corpus() =>
        HostileDialog.Names().Select(name => HostileDialog.Load(name).Bug is { } bug && Environment.GetEnvironmentVariable("SMTP_PROBE_RUN_BUG_ROWS") != "1"
            ? new TheoryDataRow<string>(name) { Skip = "BUG: " + bug }
            : new TheoryDataRow<string>(name));

    [Fact]
    public void Corpus_HasAtLeastThirtyBehaviours_EachWithAHeader()
    {
        var names = HostileDialog.Names().ToList();
        Assert.True(names.Count >= 30, $"only {names.Count} hostile dialogs");
        foreach (var name in names)
        {
            var dialog = HostileDialog.Load(name); // throws on a missing or malformed header
            Assert.False(string.IsNullOrWhiteSpace(dialog.Behaviour), name);
            _ = HostileScenarios.Yaml(dialog.Scenario);
            Assert.True(dialog.ExpectOutcome != Outcome.Passed || (dialog.ExpectKinds.SequenceEqual([ErrorKind.None]) && dialog.ExpectStep is null), $"{name}: a passing dialog has no failing step or kind");
            Assert.True(dialog.ExpectOutcome != Outcome.Error || !dialog.ExpectKinds.Contains(ErrorKind.None), $"{name}: an error needs a kind");
        }
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task HostileServer_RunEndsWithTheExpectedOutcomeAndEvidence(string name)
    {
        var dialog = HostileDialog.Load(name);
        await using var server = ScriptedSmtpServer.StartFromFile(dialog.Path, new ScriptedServerOptions(Certificate: dialog.Certificate));
        var result = await RunDialogAsync(dialog, server);
        var context = Describe(dialog, result);

        Assert.True(dialog.ExpectOutcome == result.Outcome, $"outcome {result.Outcome}, expected {dialog.ExpectOutcome}\n{context}");
        Assert.True(dialog.ExpectKinds.Contains(result.ErrorKind), $"error kind {result.ErrorKind}, expected {string.Join(" or ", dialog.ExpectKinds)}\n{context}");
        var failing = result.Steps.FirstOrDefault(s => s.Outcome is Outcome.Failed or Outcome.Error);
        Assert.True(dialog.ExpectStep == failing?.Kind, $"failing step `{failing?.Kind}`, expected `{dialog.ExpectStep}`\n{context}");
        foreach (var expected in dialog.ExpectMessages)
        {
            Assert.True(result.Message?.Contains(expected, StringComparison.Ordinal) == true, $"message lacks `{expected}`\n{context}");
        }
        foreach (var unwanted in dialog.ExpectMessageLacks)
        {
            Assert.True(result.Message?.Contains(unwanted, StringComparison.Ordinal) != true, $"message contains `{unwanted}`\n{context}");
        }
        foreach (var expected in dialog.ExpectTranscript)
        {
            Assert.True(result.Transcript.Any(l => l.Contains(expected, StringComparison.Ordinal)), $"transcript lacks `{expected}`\n{context}");
        }
        foreach (var verb in dialog.ExpectNotSent)
        {
            Assert.False(result.Transcript.Any(l => l.StartsWith("C: " + verb, StringComparison.Ordinal)), $"`{verb}` was sent\n{context}");
        }
        AssertConsistent(result, context);
        if (dialog.Strict)
        {
            await server.AssertCompletedAsync();
        }
    }

    internal static async Task<ScenarioResult> RunDialogAsync(HostileDialog dialog, ScriptedSmtpServer server)
    {
        var clock = new WatchedClock();
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (dialog.AdvanceAfter is { } marker)
        {
            clock.WatchFor(marker);
        }
        var run = ScenarioHarness.RunAsync(HostileScenarios.Yaml(dialog.Scenario), server, clock, onLine: line =>
        {
            clock.See(line);
            if (line.StartsWith("* connected", StringComparison.Ordinal))
            {
                connected.TrySetResult();
            }
        });
        if (dialog.Advance is { } advance)
        {
            // Race-free: the server is silent for good and the client's deadline is armed (see WatchedClock).
            await Task.WhenAll(server.WhenStalled, connected.Task, dialog.AdvanceAfter is null ? Task.CompletedTask : clock.TimerArmedAfterMarker).WaitAsync(HangCap, TestContext.Current.CancellationToken);
            clock.Advance(advance);
        }
        ScenarioResult result;
        try
        {
            result = await run.WaitAsync(HangCap, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{dialog.Name}: the run did not end within {HangCap.TotalSeconds:0} s (a hang past every timeout)");
            throw;
        }
        return result;
    }

    private static void AssertConsistent(ScenarioResult result, string context)
    {
        var failing = result.Steps.FirstOrDefault(s => s.Outcome is Outcome.Failed or Outcome.Error);
        if (failing is null)
        {
            Assert.True(result.Message is null, context);
            Assert.All(result.Steps, s => Assert.Equal(Outcome.Passed, s.Outcome));
            return;
        }
        Assert.Equal(failing.Outcome, result.Outcome);
        Assert.Equal(failing.ErrorKind, result.ErrorKind);
        Assert.Equal(failing.Message, result.Message);
        Assert.Contains($"step {failing.Index} `{failing.Kind}`: ", result.Message, StringComparison.Ordinal);
        Assert.All(result.Steps.Take(failing.Index - 1), s => Assert.Equal(Outcome.Passed, s.Outcome));
        Assert.All(result.Steps.Skip(failing.Index), s => Assert.Equal(Outcome.Skipped, s.Outcome));
        if (failing.Outcome == Outcome.Error)
        {
            Assert.Contains(result.Transcript, l => l.StartsWith("* error: ", StringComparison.Ordinal));
        }
    }

    private static string Describe(HostileDialog dialog, ScenarioResult result) =>
        $"dialog {dialog.Name}: {dialog.Behaviour}\nmessage:\n{result.Message}\ntranscript:\n  {string.Join("\n  ", result.Transcript)}";
}
