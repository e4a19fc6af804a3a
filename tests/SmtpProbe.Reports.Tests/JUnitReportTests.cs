using System.Xml.Linq;
using SmtpProbe.Core.Results;
using SmtpProbe.Testing;

namespace SmtpProbe.Reports.Tests;

public class JUnitReportTests
{
    [Fact]
    public void Report_validates_against_the_strict_junit_schema()
    {
        Validation.AssertValidJUnit(Validation.JUnit(Fixtures.Sample()));
    }

    [Fact]
    public void Report_matches_golden_file()
    {
        Golden.AssertMatches("junit-basic.xml", Validation.JUnit(Fixtures.Sample()));
    }

    [Fact]
    public void Schema_check_really_rejects_invalid_documents()
    {
        // Guards the guard: a validator that accepts anything would make every other test here meaningless.
        var xml = Validation.JUnit(Fixtures.Sample()).Replace("<testsuites>", "<testsuites name=\"x\">", StringComparison.Ordinal);

        Assert.NotEmpty(Validation.JUnitProblems(xml));
        Assert.NotEmpty(Validation.JUnitProblems("<testsuites><testsuite name=\"a\"/></testsuites>"));
    }

    [Fact]
    public void Each_file_is_a_testsuite_with_counts_timestamp_and_sequential_ids()
    {
        var suites = Parse(Validation.JUnit(Fixtures.WithSkipped())).Root!.Elements("testsuite").ToList();

        Assert.Equal(3, suites.Count);
        var first = suites[0];
        Assert.Equal("samples/mx-starttls.yaml", (string?)first.Attribute("name"));
        Assert.Equal("smtp-probe", (string?)first.Attribute("package"));
        Assert.Equal("localhost", (string?)first.Attribute("hostname"));
        Assert.Equal("2025-03-14T09:26:53", (string?)first.Attribute("timestamp"));
        Assert.Equal("2", (string?)first.Attribute("tests"));
        Assert.Equal("0", (string?)first.Attribute("failures"));
        Assert.Equal("1", (string?)first.Attribute("errors"));
        Assert.Equal("0", (string?)first.Attribute("skipped"));
        Assert.Equal("10.031", (string?)first.Attribute("time"));
        Assert.Equal(["0", "1", "2"], suites.Select(s => (string?)s.Attribute("id")));
        Assert.Equal("1", (string?)suites[2].Attribute("skipped"));
    }

    [Fact]
    public void Timestamp_is_written_in_utc_without_a_zone()
    {
        var run = Fixtures.Sample();
        var local = run with { Files = [run.Files[0] with { StartedAt = new DateTimeOffset(2025, 3, 14, 11, 26, 53, TimeSpan.FromHours(2)) }] };

        var suite = Parse(Validation.JUnit(local)).Root!.Element("testsuite")!;

        Assert.Equal("2025-03-14T09:26:53", (string?)suite.Attribute("timestamp"));
    }

    [Fact]
    public void Hostname_is_taken_from_the_caller_and_falls_back_to_localhost()
    {
        Assert.Equal("ci-runner-7", (string?)Parse(Validation.JUnit(Fixtures.Sample(), "ci-runner-7")).Root!.Element("testsuite")!.Attribute("hostname"));
        Assert.Equal("localhost", (string?)Parse(Validation.JUnit(Fixtures.Sample(), " ")).Root!.Element("testsuite")!.Attribute("hostname"));
    }

    [Fact]
    public void Failed_scenario_becomes_an_assertion_failure_with_the_full_diagnostic()
    {
        var testcase = Case(Validation.JUnit(Fixtures.Sample()), "relay to a foreign domain is refused");

        Assert.Equal("samples.open-relay", (string?)testcase.Attribute("classname"));
        Assert.Equal("0.012", (string?)testcase.Attribute("time"));
        var failure = Assert.Single(testcase.Elements());
        Assert.Equal("failure", failure.Name.LocalName);
        Assert.Equal("assertion", (string?)failure.Attribute("type"));
        Assert.Equal("failure: relay to a foreign domain was accepted", (string?)failure.Attribute("message"));
        Assert.Equal(Fixtures.RelayFailure, failure.Value);
    }

    [Fact]
    public void Errored_scenario_becomes_an_error_typed_by_its_error_kind()
    {
        var testcase = Case(Validation.JUnit(Fixtures.Sample()), "implicit TLS on 465");

        var error = Assert.Single(testcase.Elements());
        Assert.Equal("error", error.Name.LocalName);
        Assert.Equal("timeout", (string?)error.Attribute("type"));
        Assert.Equal("error: timed out after 10000 ms waiting for the TLS handshake", (string?)error.Attribute("message"));
        Assert.Equal(Fixtures.ImplicitTlsTimeout, error.Value);
    }

    [Fact]
    public void Passed_scenario_has_no_child_and_skipped_scenario_has_skipped()
    {
        var xml = Validation.JUnit(Fixtures.WithSkipped());

        Assert.Empty(Case(xml, "MX accepts mail for its domain over STARTTLS").Elements());
        Assert.Equal("skipped", Assert.Single(Case(xml, "AUTH PLAIN is refused before STARTTLS").Elements()).Name.LocalName);
        Validation.AssertValidJUnit(xml);
    }

    [Fact]
    public void Transcript_and_tls_facts_go_in_the_suite_system_out_grouped_by_scenario()
    {
        var suite = Parse(Validation.JUnit(Fixtures.Sample())).Root!.Element("testsuite")!;
        var systemOut = suite.Element("system-out")!.Value;

        Assert.StartsWith("=== MX accepts mail for its domain over STARTTLS [passed, 23 ms]\n", systemOut);
        Assert.Contains("tls: TLSv1.3 TLS_AES_256_GCM_SHA384, forward secrecy yes, host mx.example.net, certificate verified\n", systemOut);
        Assert.Contains("transcript:\n* connected to mx.example.net:25 (203.0.113.25:25)\nS: 220 mx.example.net ESMTP Postfix\n", systemOut);
        Assert.Contains("\n=== implicit TLS on 465 [error, 10003 ms]\n", systemOut);
    }

    [Theory]
    [InlineData("samples/open-relay.yaml", "samples.open-relay")]
    [InlineData("open-relay.yaml", "open-relay")]
    [InlineData("./checks/tls/mx.v2.yaml", "checks.tls.mx.v2")]
    [InlineData(@"checks\mx.yml", "checks.mx")]
    [InlineData("checks/no-extension", "checks.no-extension")]
    [InlineData("checks/.hidden", "checks..hidden")]
    public void Classname_is_the_path_without_extension_in_dotted_form(string path, string expected)
    {
        Assert.Equal(expected, JUnitReport.ClassName(path));
    }

    [Fact]
    public void Hostile_text_is_escaped_visibly_and_the_report_stays_valid()
    {
        var xml = Validation.JUnit(Fixtures.Hostile(Fixtures.Evil));

        Validation.AssertValidJUnit(xml);
        var failure = Parse(xml).Descendants("failure").Single();
        Assert.Equal(@"failure: reply text a\x00b \x1b[31mred\x1b[0m \uD800x\uDC00 café ÿ" + "\u0085" + @" \uFFFE " + "\uFFFD \U0001D11E <x@y>&\\x07",
            (string?)failure.Attribute("message"));
        Assert.Contains(@"\x00", Parse(xml).Descendants("system-out").Single().Value);
    }

    [Fact]
    public void Empty_run_is_still_a_valid_document()
    {
        var xml = Validation.JUnit(new RunResult([], Fixtures.RunStart, TimeSpan.Zero));

        Validation.AssertValidJUnit(xml);
        Assert.Empty(Parse(xml).Root!.Elements());
    }

    [Fact]
    public void Scenario_without_message_still_gets_a_failure_message()
    {
        var run = Fixtures.Sample();
        var bare = run with { Files = [run.Files[1] with { Scenarios = [run.Files[1].Scenarios[0] with { Message = null }] }] };

        var failure = Parse(Validation.JUnit(bare)).Descendants("failure").Single();

        Assert.Equal("scenario failed", (string?)failure.Attribute("message"));
        Assert.Equal("", failure.Value);
    }

    private static XDocument Parse(string xml) => XDocument.Parse(xml, LoadOptions.PreserveWhitespace);

    private static XElement Case(string xml, string name) =>
        Parse(xml).Descendants("testcase").Single(e => (string?)e.Attribute("name") == name);
}
