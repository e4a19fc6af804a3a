using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Smtp.Running;

/// <summary>Runs every scenario of every file, in order, containing any unexpected failure to its own scenario.</summary>
public static class ProbeRun
{
    public static Task<RunResult> RunAsync(IReadOnlyList<ScenarioFile> files, ScenarioRunner runner, TimeProvider time, CancellationToken ct = default) =>
        RunAsync(files, runner.RunAsync, time, ct);

    /// <summary>The loop itself, with the per-scenario work as a parameter (tests inject a crashing one).</summary>
    public static async Task<RunResult> RunAsync(
        IReadOnlyList<ScenarioFile> files, Func<ScenarioFile, Scenario, CancellationToken, Task<ScenarioResult>> runScenario, TimeProvider time, CancellationToken ct = default)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var fileResults = new List<FileResult>();
        foreach (var file in files)
        {
            var fileStartedAt = time.GetUtcNow();
            var fileStarted = time.GetTimestamp();
            var scenarios = new List<ScenarioResult>();
            foreach (var scenario in file.Scenarios)
            {
                var scenarioStartedAt = time.GetUtcNow();
                var scenarioStarted = time.GetTimestamp();
                try
                {
                    scenarios.Add(await runScenario(file, scenario, ct).ConfigureAwait(false));
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    // A bug of ours must not lose the other scenarios or the reports: it becomes this scenario's error.
                    scenarios.Add(new ScenarioResult(scenario.Name, file.Path, scenario.Span, Outcome.Error, ErrorKind.Internal,
                        $"error: internal error in smtp-probe: {e.GetType().Name}: {e.Message}", [], null, [], [], scenarioStartedAt, time.GetElapsedTime(scenarioStarted)));
                }
            }
            fileResults.Add(new FileResult(file.Path, scenarios, fileStartedAt, time.GetElapsedTime(fileStarted)));
        }
        return new RunResult(fileResults, startedAt, time.GetElapsedTime(started));
    }
}
