using System.Text.Json;
using SmtpProbe.Core.Results;
using SmtpProbe.Testing;

namespace SmtpProbe.Reports.Tests;

public class JsonReportTests
{
    [Fact]
    public void Report_validates_against_the_report_schema()
    {
        Validation.AssertValidJson(Validation.Json(Fixtures.Sample()));
    }

    [Fact]
    public void Report_with_skipped_scenario_validates_against_the_report_schema()
    {
        Validation.AssertValidJson(Validation.Json(Fixtures.WithSkipped()));
    }

    [Fact]
    public void Report_matches_golden_file()
    {
        Golden.AssertMatches("report-basic.json", Validation.Json(Fixtures.Sample()));
    }

    [Fact]
    public void Summary_counts_every_outcome()
    {
        using var doc = JsonDocument.Parse(Validation.Json(Fixtures.WithSkipped()));
        var summary = doc.RootElement.GetProperty("summary");

        Assert.Equal(4, summary.GetProperty("scenarios").GetInt32());
        Assert.Equal(1, summary.GetProperty("passed").GetInt32());
        Assert.Equal(1, summary.GetProperty("failed").GetInt32());
        Assert.Equal(1, summary.GetProperty("errors").GetInt32());
        Assert.Equal(1, summary.GetProperty("skipped").GetInt32());
    }

    [Fact]
    public void Header_names_the_tool_version_and_utc_start()
    {
        var run = Fixtures.Sample() with { StartedAt = new DateTimeOffset(2025, 3, 14, 11, 26, 53, TimeSpan.FromHours(2)) };
        using var doc = JsonDocument.Parse(Validation.Json(run));
        var root = doc.RootElement;

        Assert.Equal("smtp-probe", root.GetProperty("tool").GetString());
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("2025-03-14T09:26:53.000Z", root.GetProperty("startedAt").GetString());
        Assert.Equal(10412, root.GetProperty("durationMs").GetInt64());
    }

    [Fact]
    public void Failing_step_carries_its_reply_checks_and_message()
    {
        using var doc = JsonDocument.Parse(Validation.Json(Fixtures.Sample()));
        var scenario = doc.RootElement.GetProperty("files")[1].GetProperty("scenarios")[0];
        var rcpt = scenario.GetProperty("steps")[3];

        Assert.Equal("failed", scenario.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, scenario.GetProperty("errorKind").ValueKind);
        Assert.Equal("rcpt_to", rcpt.GetProperty("kind").GetString());
        Assert.Equal("RCPT TO:<someone@foreign.example>", rcpt.GetProperty("sent").GetString());
        Assert.Equal(250, rcpt.GetProperty("replies")[0].GetProperty("code").GetInt32());
        Assert.Equal("2.1.5", rcpt.GetProperty("replies")[0].GetProperty("enhancedCode").GetString());
        Assert.False(rcpt.GetProperty("checks")[0].GetProperty("passed").GetBoolean());
        Assert.Equal(Fixtures.RelayFailure, rcpt.GetProperty("message").GetString());
    }

    [Fact]
    public void Angle_brackets_and_non_ascii_stay_readable()
    {
        var text = Validation.Json(Fixtures.Hostile("<x@y> café ›"));

        Assert.Contains("\"C: EHLO <x@y> café ›\"", text);
    }

    [Fact]
    public void Every_outcome_and_error_kind_is_allowed_by_the_schema()
    {
        // Catches a new enum member in the model that the schema's enums do not know yet.
        var sample = Fixtures.Sample();
        var template = sample.Files[1].Scenarios[0];
        var scenarios = (from outcome in Enum.GetValues<Outcome>()
                         from kind in Enum.GetValues<ErrorKind>()
                         select template with { Outcome = outcome, ErrorKind = kind }).ToList();
        var run = sample with { Files = [sample.Files[1] with { Scenarios = scenarios }] };

        Validation.AssertValidJson(Validation.Json(run));
    }

    [Fact]
    public void Missing_positions_and_connection_are_written_as_null()
    {
        var sample = Fixtures.Sample();
        var bare = sample.Files[0].Scenarios[1] with { Span = null, Connection = null };
        var run = sample with { Files = [sample.Files[0] with { Scenarios = [bare] }] };

        var json = Validation.Json(run);
        using var doc = JsonDocument.Parse(json);
        var scenario = doc.RootElement.GetProperty("files")[0].GetProperty("scenarios")[0];

        Assert.Equal(JsonValueKind.Null, scenario.GetProperty("line").ValueKind);
        Assert.Equal(JsonValueKind.Null, scenario.GetProperty("column").ValueKind);
        Assert.Equal(JsonValueKind.Null, scenario.GetProperty("connection").ValueKind);
        Validation.AssertValidJson(json);
    }

    [Fact]
    public void Hostile_text_round_trips_except_lone_surrogates_and_stays_valid()
    {
        var json = Validation.Json(Fixtures.Hostile(Fixtures.Evil));

        Validation.AssertValidJson(json);
        using var doc = JsonDocument.Parse(json);
        var scenario = doc.RootElement.GetProperty("files")[0].GetProperty("scenarios")[0];
        var expected = Fixtures.Evil.Replace('\uD800', '\uFFFD').Replace('\uDC00', '\uFFFD');
        Assert.Equal("hostile " + expected, scenario.GetProperty("name").GetString());
        Assert.Equal("mx" + expected, scenario.GetProperty("steps")[0].GetProperty("replies")[0].GetProperty("lines")[0].GetString());
        // Controls are escaped by JSON itself, so the raw bytes never reach a terminal that cats the file.
        Assert.DoesNotContain('\u001b', json);
        Assert.DoesNotContain('\0', json);
    }

    [Fact]
    public void Schema_rejects_unknown_fields_and_unknown_outcomes()
    {
        // Guards the guard: the schema must be strict, or the validity tests above prove little.
        var json = Validation.Json(Fixtures.Sample());

        Assert.NotEmpty(Validation.JsonProblems(json.Replace("\"tool\": \"smtp-probe\",", "\"tool\": \"smtp-probe\", \"extra\": 1,", StringComparison.Ordinal)));
        Assert.NotEmpty(Validation.JsonProblems(json.Replace("\"outcome\": \"failed\"", "\"outcome\": \"broken\"", StringComparison.Ordinal)));
        Assert.NotEmpty(Validation.JsonProblems(json.Replace("\"transcript\": [", "\"transcripts\": [", StringComparison.Ordinal)));
        Assert.NotEmpty(Validation.JsonProblems(json.Replace("\"startedAt\": \"2025-03-14T09:26:53.000Z\"", "\"startedAt\": \"2025-03-14 09:26\"", StringComparison.Ordinal)));
    }
}
