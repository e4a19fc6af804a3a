using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Schema;
using Json.Schema;
using SmtpProbe.Testing;
using static SmtpProbe.Cli.Tests.CliHarness;

namespace SmtpProbe.Cli.Tests;

public class CliTests
{
    private static readonly Dictionary<string, string> NoEnv = [];

    [Fact]
    public async Task When_SamplesRunAgainstEmbeddedServer_AllPassAndExitIs0()
    {
        var result = await RunAsync(NoEnv, "run", "--embedded", Samples);
        Assert.True(result.ExitCode == 0, result.All);
        Golden.AssertMatches("run-embedded-samples.txt", Scrub(result.Stdout));
    }

    [Fact]
    public async Task When_ExpectationFails_EvidenceIsPrintedAndExitIs1()
    {
        var result = await RunAsync(NoEnv, "run", "--embedded", Path.Combine(Scenarios, "relay-wrongly-expected.yaml"));
        Assert.Equal(1, result.ExitCode);
        Golden.AssertMatches("run-failing-expectation.txt", Scrub(result.Stdout));
        Assert.Contains("server replied: 554 5.7.1 <someone@outside.example>: Relay access denied", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_ScenarioIsMalformed_DiagnosticsWithPositionsAndExitIs2()
    {
        var result = await RunAsync(NoEnv, "run", Path.Combine(Scenarios, "malformed.yaml"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("malformed.yaml:2:", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
        Golden.AssertMatches("run-malformed.txt", Scrub(result.Stderr));
    }

    [Fact]
    public async Task When_ServerRefusesTheConnection_ExitIs3WithARuntimeError()
    {
        var result = await RunAsync(NoEnv, "run", "--var", $"DEAD_PORT={DeadPort()}", Path.Combine(Scenarios, "refused.yaml"));
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("connection refused by 127.0.0.1:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("ERROR", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_ValidatingSamplesWithTheirVariables_ItSucceedsWithoutConnecting()
    {
        var result = await RunAsync(NoEnv, "validate", "--var", "SMTP_HOST=192.0.2.1", "--var", "SMTP_USER=u@example.com", Samples);
        // SMTP_PASSWORD comes from the environment only; without it the AUTH samples are invalid.
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("environment variable `SMTP_PASSWORD` is not defined", result.Stderr, StringComparison.Ordinal);
        var ok = await RunAsync(new Dictionary<string, string> { ["SMTP_PASSWORD"] = "x" }, "validate", "--var", "SMTP_HOST=192.0.2.1", "--var", "SMTP_USER=u@example.com", Samples);
        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.Contains("scenarios: valid", ok.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "--no-such-flag", "x.yaml")]
    [InlineData("run", "/no/such/file.yaml")]
    [InlineData("run", "--var", "no-equals-sign", "x.yaml")]
    [InlineData("frobnicate")]
    [InlineData("run")]
    public async Task When_CommandLineIsMisused_ExitIs2WithAMessage(params string[] args)
    {
        var result = await RunAsync(NoEnv, args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error:", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_FolderHoldsNoScenarios_ExitIs2()
    {
        var empty = Directory.CreateTempSubdirectory("smtp-probe-empty-");
        var result = await RunAsync(NoEnv, "run", empty.FullName);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("holds no scenario files", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_ValidateAgainstTheirSchemasAndHoldNoSecret()
    {
        var dir = Directory.CreateTempSubdirectory("smtp-probe-reports-");
        var junit = Path.Combine(dir.FullName, "out", "junit.xml");
        var json = Path.Combine(dir.FullName, "out", "report.json");
        var result = await RunAsync(NoEnv, "run", "--embedded", "--verbose", "--junit", junit, "--json", json, Samples, Path.Combine(Scenarios, "relay-wrongly-expected.yaml"));
        Assert.True(result.ExitCode == 1, result.All);

        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema };
        settings.Schemas.Add(null, Path.Combine(Root, "tests", "SmtpProbe.Reports.Tests", "Schemas", "JUnit.xsd"));
        settings.ValidationEventHandler += (_, e) => Assert.Fail($"JUnit invalid: {e.Message}");
        using (var reader = XmlReader.Create(junit, settings))
        {
            while (reader.Read())
            {
            }
        }

        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Root, "schemas", "report.schema.json")));
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var evaluation = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(evaluation.IsValid, string.Join("\n", (evaluation.Details ?? []).SelectMany(d => (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{d.InstanceLocation}: {e.Value}"))));

        // The embedded server's password and every encoding of it must be absent from every output.
        const string password = "probe-secret-42";
        var outputs = result.All + File.ReadAllText(junit) + File.ReadAllText(json);
        foreach (var form in Secrets.Forms(password, "probe@example.test"))
        {
            Assert.DoesNotContain(form, outputs, StringComparison.Ordinal);
        }
        Assert.Contains("AUTH PLAIN ***", outputs, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.FullName, "out"), "*.tmp"));
    }

    [Fact]
    public async Task When_JsonGoesToStdout_ConsoleSummaryMovesToStderr()
    {
        var result = await RunAsync(NoEnv, "run", "--embedded", "--json", "-", Path.Combine(Samples, "vrfy-disabled.yaml"));
        Assert.Equal(0, result.ExitCode);
        var parsed = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("smtp-probe", parsed["tool"]!.GetValue<string>());
        Assert.Contains("1 scenario: 1 passed", result.Stderr, StringComparison.Ordinal);
    }

    private static int DeadPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
