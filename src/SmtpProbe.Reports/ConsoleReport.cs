using SmtpProbe.Core.Results;

namespace SmtpProbe.Reports;

/// <summary>
/// The human-readable report: one line per scenario, the diagnostic under each one that did not pass, and a summary.
/// The format is golden-tested; change it deliberately.
/// </summary>
public static class ConsoleReport
{
    private const string MessageIndent = "      ";
    private const string Green = "\u001b[32m";
    private const string Red = "\u001b[31m";
    private const string Yellow = "\u001b[33m";
    private const string Dim = "\u001b[2m";
    private const string Reset = "\u001b[0m";

    public static void Write(RunResult run, TextWriter output, ConsoleStyle style)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(output);

        foreach (var scenario in run.Scenarios)
        {
            WriteScenario(scenario, output, style);
        }
        var (passed, failed, errors, skipped) = ReportText.Count(run.Scenarios);

        var total = passed + failed + errors + skipped;
        if (total > 0)
        {
            output.Write('\n');
        }
        output.Write($"{total} {(total == 1 ? "scenario" : "scenarios")}: ");
        Paint(output, $"{passed} passed", passed > 0 ? Green : null, style);
        output.Write(", ");
        Paint(output, $"{failed} failed", failed > 0 ? Red : null, style);
        output.Write(", ");
        Paint(output, $"{errors} {(errors == 1 ? "error" : "errors")}", errors > 0 ? Red : null, style);
        if (skipped > 0)
        {
            // Only shown when present: most runs skip nothing and the line stays short.
            output.Write(", ");
            Paint(output, $"{skipped} skipped", Yellow, style);
        }
        output.Write(' ');
        Paint(output, $"({ReportText.Seconds(run.Duration, 2)} s)", Dim, style);
        output.Write('\n');
    }

    /// <summary>One live transcript line for a terminal: server text is escaped so it cannot drive the terminal.</summary>
    public static string TranscriptLine(string line) => "  " + ReportText.ForTerminal(line);

    /// <summary>"23 ms": whole milliseconds, invariant culture.</summary>
    public static string FormatDuration(TimeSpan duration) => $"{ReportText.WholeMilliseconds(duration)} ms";

    private static void WriteScenario(ScenarioResult scenario, TextWriter output, ConsoleStyle style)
    {
        var (label, color) = scenario.Outcome switch
        {
            Outcome.Passed => ("PASS", Green),
            Outcome.Failed => ("FAIL", Red),
            Outcome.Error => ("ERROR", Red),
            _ => ("SKIP", Yellow),
        };
        Paint(output, label, color, style);
        // Pad outside the colour codes so the columns line up with and without colour.
        output.Write(new string(' ', 6 - label.Length));
        output.Write(ReportText.ForTerminal(scenario.File));
        output.Write(" \u203a ");
        output.Write(ReportText.ForTerminal(scenario.Name));
        output.Write(' ');
        Paint(output, $"({FormatDuration(scenario.Duration)})", Dim, style);
        output.Write('\n');
        foreach (var warning in scenario.Warnings)
        {
            output.Write(MessageIndent);
            Paint(output, "warning: ", Yellow, style);
            output.Write(ReportText.ForTerminal(warning));
            output.Write('\n');
        }

        if (scenario.Outcome == Outcome.Passed || string.IsNullOrEmpty(scenario.Message))
        {
            return;
        }
        var lines = SmtpProbe.Core.Text.SourceText.SplitLines(scenario.Message.TrimEnd('\r', '\n'));
        foreach (var line in lines)
        {
            // Blank lines stay blank: no trailing whitespace in logs or golden files.
            if (line.Length > 0)
            {
                output.Write(MessageIndent);
                output.Write(ReportText.ForTerminal(line));
            }
            output.Write('\n');
        }
    }

    private static void Paint(TextWriter output, string text, string? color, ConsoleStyle style)
    {
        if (style.Color && color is not null)
        {
            output.Write(color);
            output.Write(text);
            output.Write(Reset);
        }
        else
        {
            output.Write(text);
        }
    }
}
