using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Text;
using SmtpProbe.Smtp.Running;

namespace SmtpProbe.Smtp.Tests.Running;

public class ProbeRunTests
{
    [Fact]
    public async Task When_OneScenarioCrashes_ItBecomesAnInternalErrorAndTheOthersStillRun()
    {
        var (file, _) = ScenarioBinder.Bind(new SourceText("three.yaml", """
            server: { host: 127.0.0.1 }
            scenarios:
              - { name: first, steps: [ehlo] }
              - { name: second, steps: [ehlo] }
              - { name: third, steps: [ehlo] }
            """), Variables.Empty);
        var ran = new List<string>();
        var run = await ProbeRun.RunAsync([file!], (f, s, _) =>
        {
            ran.Add(s.Name);
            if (s.Name == "second")
            {
                throw new InvalidOperationException("a bug in a step executor");
            }
            return Task.FromResult(new ScenarioResult(s.Name, f.Path, s.Span, Outcome.Passed, ErrorKind.None, null, [], null, [], [], DateTimeOffset.UnixEpoch, TimeSpan.Zero));
        }, TimeProvider.System, TestContext.Current.CancellationToken);

        Assert.Equal(["first", "second", "third"], ran);
        var results = run.Scenarios.ToList();
        Assert.Equal([Outcome.Passed, Outcome.Error, Outcome.Passed], results.Select(r => r.Outcome));
        Assert.Equal(ErrorKind.Internal, results[1].ErrorKind);
        Assert.Contains("internal error in smtp-probe: InvalidOperationException: a bug in a step executor", results[1].Message, StringComparison.Ordinal);
    }
}
