using SmtpProbe.Core.Evaluation;
using SmtpProbe.Core.Results;

namespace SmtpProbe.Core.Tests;

public sealed class ExitCodesTests
{
    private static readonly DateTimeOffset At = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ScenarioResult Scenario(Outcome outcome) =>
        new($"s-{outcome}", "f.yaml", null, outcome, outcome == Outcome.Error ? ErrorKind.Connect : ErrorKind.None, null, [], null, [], [], At, TimeSpan.Zero);

    private static RunResult Run(params Outcome[][] files) =>
        new([.. files.Select((f, i) => new FileResult($"f{i}.yaml", [.. f.Select(Scenario)], At, TimeSpan.Zero))], At, TimeSpan.Zero);

    [Fact]
    public void When_EveryScenarioPassed_ExitCodeIs0() =>
        Assert.Equal(ExitCodes.Passed, ExitCodes.For(Run([Outcome.Passed, Outcome.Passed], [Outcome.Passed])));

    [Fact]
    public void When_AScenarioFailed_ExitCodeIs1() =>
        Assert.Equal(ExitCodes.AssertionFailed, ExitCodes.For(Run([Outcome.Passed], [Outcome.Failed])));

    [Fact]
    public void When_AScenarioErrored_ExitCodeIs3() =>
        Assert.Equal(ExitCodes.RuntimeError, ExitCodes.For(Run([Outcome.Error])));

    [Fact]
    public void When_ErrorAndFailureMix_ErrorOutranksFailure() =>
        Assert.Equal(ExitCodes.RuntimeError, ExitCodes.For(Run([Outcome.Failed, Outcome.Passed], [Outcome.Error], [Outcome.Failed])));

    [Fact]
    public void When_RunIsEmpty_ExitCodeIs0()
    {
        Assert.Equal(ExitCodes.Passed, ExitCodes.For(Run()));
        Assert.Equal(ExitCodes.Passed, ExitCodes.For(Run([])));
    }

    [Fact]
    public void When_OnlySkippedScenarios_ExitCodeIs0() =>
        Assert.Equal(ExitCodes.Passed, ExitCodes.For(Run([Outcome.Skipped, Outcome.Passed])));

    [Fact]
    public void When_CodesAreRead_TheyMatchTheDocumentedValues() =>
        Assert.Equal([0, 1, 2, 3], [ExitCodes.Passed, ExitCodes.AssertionFailed, ExitCodes.InvalidInput, ExitCodes.RuntimeError]);
}
