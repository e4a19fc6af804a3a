using System.Globalization;
using System.Text;
using System.Xml;
using Json.Schema;
using Microsoft.Extensions.Time.Testing;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Text;
using SmtpProbe.Reports;
using SmtpProbe.Smtp.Running;
using SmtpProbe.Testing;
using SmtpProbe.Testing.Scripted;

namespace SmtpProbe.Cli.Tests.Load;

/// <summary>
/// What hostile servers put into results (8-bit and invalid UTF-8 text, NUL, terminal escapes, bidi overrides,
/// 4 KiB evidence) must never break a report: the JSON and JUnit writers run over the results of the hostile
/// dialog corpus (tests/SmtpProbe.Smtp.Tests/dialogs/hostile), and their output validates against the schemas.
/// (Here rather than in SmtpProbe.Smtp.Tests, which does not reference SmtpProbe.Reports.)
/// </summary>
public class HostileReportsTests
{
    private static string Corpus => Path.Combine(Golden.RepoRoot(), "tests", "SmtpProbe.Smtp.Tests", "dialogs", "hostile");

    private const string Plain = """
        name: plain
        server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
        helo: probe.test
        envelope: { from: from@probe.test, to: to@mx.test }
        """;

    private const string Ehlo = """
        name: ehlo
        server: { host: 127.0.0.1, port: "${PORT}", timeout: 10s }
        helo: probe.test
        steps: [ehlo, quit]
        """;

    /// <summary>The corpus dialogs that need neither TLS, AUTH nor a clock: the ones whose replies carry hostile text.</summary>
    private static List<(string Name, string Yaml)> TextDialogs()
    {
        var chosen = new List<(string, string)>();
        foreach (var path in Directory.GetFiles(Corpus, "*.dialog").Order(StringComparer.Ordinal))
        {
            var header = File.ReadLines(path).TakeWhile(l => l.StartsWith('#')).ToList();
            var scenario = header.FirstOrDefault(l => l.StartsWith("# scenario:", StringComparison.Ordinal))?["# scenario:".Length..].Trim();
            if (header.Any(l => l.StartsWith("# advance:", StringComparison.Ordinal) || l.StartsWith("# bug:", StringComparison.Ordinal)))
            {
                continue;
            }
            if (scenario is "plain" or "ehlo")
            {
                chosen.Add((Path.GetFileNameWithoutExtension(path), scenario == "plain" ? Plain : Ehlo));
            }
        }
        return chosen;
    }

    private static async Task<ScenarioResult> RunDialogAsync(string name, string yaml)
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Path.Combine(Corpus, name + ".dialog"));
        var vars = new Dictionary<string, string> { ["PORT"] = server.Port.ToString(CultureInfo.InvariantCulture) };
        var (file, diagnostics) = ScenarioBinder.Bind(new SourceText($"{name}.yaml", yaml), new Variables(vars, _ => null));
        Assert.True(file is not null, string.Join("\n", diagnostics.Select(SmtpProbe.Core.Diagnostics.DiagnosticRenderer.Render)));
        var runner = new ScenarioRunner(new FakeTimeProvider(DateTimeOffset.UtcNow));
        return await runner.RunAsync(file, file.Scenarios[0], TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task When_HostileServersFillTheResults_JsonAndJUnitReportsAreWrittenAndValidate()
    {
        var dialogs = TextDialogs();
        Assert.True(dialogs.Count >= 20, $"only {dialogs.Count} text dialogs found in {Corpus}");
        Assert.Contains(dialogs, d => d.Name == "text-controls");
        Assert.Contains(dialogs, d => d.Name == "text-invalid-utf8");

        var files = new List<FileResult>();
        foreach (var (name, yaml) in dialogs)
        {
            var result = await RunDialogAsync(name, yaml);
            files.Add(new FileResult($"hostile/{name}.yaml", [result], result.StartedAt, result.Duration));
        }
        var run = new RunResult(files, files[0].StartedAt, TimeSpan.FromSeconds(1));

        // JSON: written, parses, validates, and carries the hostile text faithfully (escaped by the writer, not lost).
        var json = new MemoryStream();
        JsonReport.Write(run, json);
        var jsonText = Encoding.UTF8.GetString(json.ToArray());
        Assert.DoesNotContain(jsonText, c => c < ' ' && c != '\n');
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Golden.RepoRoot(), "schemas", "report.schema.json")));
        List<string> strings;
        using (var document = System.Text.Json.JsonDocument.Parse(jsonText))
        {
            var evaluation = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(evaluation.IsValid, string.Join("\n", (evaluation.Details ?? []).SelectMany(d => (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{d.InstanceLocation}: {e.Value}"))));
            strings = [.. StringsOf(document.RootElement)];
        }
        // Decoded back, the JSON holds exactly what the server sent (bad UTF-8 bytes as U+FFFD).
        Assert.Contains(strings, v => v.Contains("mx.test \u001b[2J\u001b]0;pwned\u0007 nul\0here del\u007f cr\rhere \u202eevil", StringComparison.Ordinal));
        Assert.Contains(strings, v => v.Contains("Gr\uFFFD\uFFFDe ready", StringComparison.Ordinal));
        Assert.Contains(strings, v => v.Contains("grüße 📫 ready", StringComparison.Ordinal));

        // JUnit: written and valid against the strict Ant XSD; XML-illegal characters appear as visible escapes.
        var junit = new MemoryStream();
        JUnitReport.Write(run, junit);
        var xml = Encoding.UTF8.GetString(junit.ToArray());
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema };
        settings.Schemas.Add(null, Path.Combine(Golden.RepoRoot(), "tests", "SmtpProbe.Reports.Tests", "Schemas", "JUnit.xsd"));
        settings.ValidationEventHandler += (_, e) => Assert.Fail($"JUnit invalid: {e.Message}");
        using (var reader = XmlReader.Create(new MemoryStream(junit.ToArray()), settings))
        {
            while (reader.Read())
            {
            }
        }
        Assert.Contains("\\x1b[2J", xml, StringComparison.Ordinal);
        Assert.Contains("nul\\x00here", xml, StringComparison.Ordinal);
        Assert.Contains("reply line longer than 4096 bytes", xml, StringComparison.Ordinal);

        // Console: nothing a terminal would obey (ESC, BEL, NUL, CR, DEL, bidi overrides) reaches it.
        var console = new StringWriter();
        ConsoleReport.Write(run, console, ConsoleStyle.Plain);
        var text = console.ToString();
        Assert.DoesNotContain(text, c => (c < ' ' && c != '\n' && c != '\t') || c == '\x7f' || c is >= '\u202A' and <= '\u202E');
        Assert.Contains("nul-in-text-ehlo-fails", text, StringComparison.Ordinal);
        Assert.Contains("rejected\\x00\\x00by policy", text, StringComparison.Ordinal);
    }

    private static IEnumerable<string> StringsOf(System.Text.Json.JsonElement e) => e.ValueKind switch
    {
        System.Text.Json.JsonValueKind.String => [e.GetString()!],
        System.Text.Json.JsonValueKind.Array => e.EnumerateArray().SelectMany(StringsOf).ToList(),
        System.Text.Json.JsonValueKind.Object => e.EnumerateObject().SelectMany(p => StringsOf(p.Value)).ToList(),
        _ => [],
    };

    [Fact]
    public async Task When_VerboseTranscriptShowsHostileText_TerminalControlsAreEscaped()
    {
        await using var server = ScriptedSmtpServer.StartFromFile(Path.Combine(Corpus, "text-controls.dialog"));
        var dir = Directory.CreateTempSubdirectory("smtp-probe-hostile-verbose-");
        try
        {
            var scenario = Path.Combine(dir.FullName, "controls.yaml");
            await File.WriteAllTextAsync(scenario, Ehlo, TestContext.Current.CancellationToken);
            var result = await CliHarness.RunAsync(null, "run", "--verbose", "--no-color", "--var", $"PORT={server.Port}", scenario);
            Assert.Equal(0, result.ExitCode);
            Assert.Contains("S: 220 mx.test", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(result.Stderr, c => (c < ' ' && c != '\n' && c != '\t') || c == '\x7f' || c is >= '\u202A' and <= '\u202E');
            Assert.Contains("\\x1b[2J", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
