using SmtpProbe.Core.Results;
using SmtpProbe.Testing;

namespace SmtpProbe.Reports.Tests;

public class ConsoleReportTests
{
    [Fact]
    public void Plain_report_matches_golden_file()
    {
        Golden.AssertMatches("console-basic.txt", Validation.Console(Fixtures.Sample(), color: false));
    }

    [Fact]
    public void Colored_report_matches_golden_file()
    {
        Golden.AssertMatches("console-color.txt", Validation.Console(Fixtures.Sample(), color: true));
    }

    [Fact]
    public void Plain_report_contains_no_escape_sequences()
    {
        Assert.DoesNotContain('\u001b', Validation.Console(Fixtures.Sample(), color: false));
    }

    [Fact]
    public void Colored_report_paints_pass_green_failures_red_and_durations_dim()
    {
        var text = Validation.Console(Fixtures.Sample(), color: true);

        Assert.Contains("\u001b[32mPASS\u001b[0m  samples/mx-starttls.yaml", text);
        Assert.Contains("\u001b[31mFAIL\u001b[0m  samples/open-relay.yaml", text);
        Assert.Contains("\u001b[31mERROR\u001b[0m samples/mx-starttls.yaml", text);
        Assert.Contains("\u001b[2m(23 ms)\u001b[0m", text);
    }

    [Fact]
    public void Failure_message_is_printed_under_its_scenario_indented_by_six_spaces()
    {
        var lines = Validation.Console(Fixtures.Sample(), color: false).Split('\n');
        var fail = Array.FindIndex(lines, l => l.StartsWith("FAIL  ", StringComparison.Ordinal));

        Assert.Equal("      failure: relay to a foreign domain was accepted", lines[fail + 1]);
        Assert.Equal("       --> samples/open-relay.yaml:14:15", lines[fail + 2]);
        Assert.Equal("         = server replied: 250 2.1.5 Ok", lines[fail + 8]);
    }

    [Fact]
    public void Skipped_scenario_is_labelled_skip_and_counted_in_the_summary()
    {
        var text = Validation.Console(Fixtures.WithSkipped(), color: false);

        Assert.Contains("SKIP  samples/auth.yaml \u203a AUTH PLAIN is refused before STARTTLS (0 ms)\n", text);
        Assert.EndsWith("4 scenarios: 1 passed, 1 failed, 1 error, 1 skipped (10.41 s)\n", text);
    }

    [Fact]
    public void Summary_uses_singular_and_plural_words()
    {
        var one = Fixtures.Sample() with { Files = [Fixtures.Sample().Files[1]] };
        var none = new RunResult([], Fixtures.RunStart, TimeSpan.Zero);

        Assert.EndsWith("1 scenario: 0 passed, 1 failed, 0 errors (10.41 s)\n", Validation.Console(one, color: false));
        Assert.Equal("0 scenarios: 0 passed, 0 failed, 0 errors (0.00 s)\n", Validation.Console(none, color: false));
    }

    [Theory]
    [InlineData(0, "0 ms")]
    [InlineData(0.4, "0 ms")]
    [InlineData(0.5, "1 ms")]
    [InlineData(23.4, "23 ms")]
    [InlineData(10003, "10003 ms")]
    [InlineData(-5, "0 ms")]
    public void Durations_are_whole_milliseconds(double ms, string expected)
    {
        Assert.Equal(expected, ConsoleReport.FormatDuration(TimeSpan.FromMilliseconds(ms)));
    }

    [Fact]
    public void Server_text_cannot_inject_terminal_control_sequences()
    {
        var text = Validation.Console(Fixtures.Hostile(Fixtures.Evil), color: false);

        // Only newlines may remain as control characters; everything else is shown as an escape.
        Assert.DoesNotContain(text, c => char.IsControl(c) && c != '\n');
        // Strict UTF-8 encoding throws on a lone surrogate.
        _ = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(text);
        Assert.Contains(@"a\x00b \x1b[31mred\x1b[0m \uD800x\uDC00 café ÿ\x85", text);
        Assert.Contains("\U0001D11E <x@y>&\\x07", text);
    }

    [Fact]
    public void Bidi_overrides_in_server_text_are_shown_not_obeyed()
    {
        var text = Validation.Console(Fixtures.Hostile("ok\u202Egnp.exe\u2066"), color: false);

        Assert.Contains(@"ok\u202Egnp.exe\u2066", text);
    }
}
