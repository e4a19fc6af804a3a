using SmtpProbe.Core.Results;

namespace SmtpProbe.Core.Evaluation;

/// <summary>The process exit code, as documented in README: a pure function of the results.</summary>
public static class ExitCodes
{
    public const int Passed = 0;
    public const int AssertionFailed = 1;
    public const int InvalidInput = 2;
    public const int RuntimeError = 3;

    /// <summary>
    /// A runtime error outranks an assertion failure: an error means something could not be checked
    /// at all, which a pipeline must not mistake for "checked and found different".
    /// </summary>
    public static int For(RunResult run)
    {
        var scenarios = run.Scenarios.ToList();
        if (scenarios.Any(s => s.Outcome == Outcome.Error))
        {
            return RuntimeError;
        }
        return scenarios.Any(s => s.Outcome == Outcome.Failed) ? AssertionFailed : Passed;
    }
}
