using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Evaluation;
using SmtpProbe.Core.Reading;

namespace SmtpProbe.Cli.Commands;

/// <summary>`validate`: read and bind only. Opens no socket; prints every diagnostic.</summary>
internal sealed class ValidateCommand(TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
{
    public int Execute(string[] paths, string[] varArgs)
    {
        var vars = VariableArguments.Parse(varArgs, stderr);
        if (vars is null)
        {
            return ExitCodes.InvalidInput;
        }
        var loaded = ScenarioLoader.Load(paths, new Variables(vars, environment));
        if (Report(loaded, stderr))
        {
            return ExitCodes.InvalidInput;
        }
        var count = loaded.Files.Sum(f => f.Scenarios.Count);
        stdout.WriteLine($"{loaded.Files.Count} file{(loaded.Files.Count == 1 ? "" : "s")}, {count} scenario{(count == 1 ? "" : "s")}: valid");
        return ExitCodes.Passed;
    }

    /// <summary>Prints usage errors and diagnostics; true when anything makes the input unusable.</summary>
    public static bool Report(ScenarioLoader.LoadResult loaded, TextWriter stderr)
    {
        foreach (var u in loaded.UsageErrors)
        {
            stderr.WriteLine($"error: {u}");
        }
        foreach (var d in loaded.Diagnostics)
        {
            stderr.WriteLine(DiagnosticRenderer.Render(d));
            stderr.WriteLine();
        }
        var errors = loaded.Diagnostics.Count(d => d.Severity == Severity.Error);
        if (errors > 0)
        {
            stderr.WriteLine($"{errors} error{(errors == 1 ? "" : "s")}; nothing was sent");
        }
        return loaded.UsageErrors.Count > 0 || errors > 0;
    }
}
