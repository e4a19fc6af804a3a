using System.Buffers;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Core.Text;
using SmtpProbe.Testing;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SmtpProbe.Cli.Tests;

/// <summary>
/// schemas/scenario.schema.json (editor help for scenario files) against the binder: the samples
/// validate, lenient forms the binder accepts validate, typical mistakes fail in both, and the
/// schema's key lists and enums are the binder's.
/// </summary>
public sealed class ScenarioSchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        // A private registry: building the schema in several tests must not collide in the global one.
        JsonSchema.FromText(File.ReadAllText(SchemaPath), new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    private static string SchemaPath => Path.Combine(Golden.RepoRoot(), "schemas", "scenario.schema.json");

    public static TheoryData<string> Samples() =>
        new(Directory.GetFiles(Path.Combine(Golden.RepoRoot(), "samples"), "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_validates_against_the_schema(string file)
    {
        var yaml = File.ReadAllText(Path.Combine(Golden.RepoRoot(), "samples", file));
        var problems = Problems(yaml);
        Assert.True(problems.Count == 0, $"{file} does not validate against scenario.schema.json:\n" + string.Join("\n", problems));
    }

    /// <summary>Forms the binder accepts that a stricter schema would flag: each must bind AND validate.</summary>
    public static TheoryData<string, string> Accepted() => new()
    {
        {
            "standard transaction",
            """
            name: minimal
            server: { host: mx.example.test }
            envelope: { from: a@example.test, to: b@example.test }
            """
        },
        {
            "lenient scalars and every step kind",
            """
            name: 12345
            description:
            server: { host: mx.example.test, port: "0587", family: ipv4, timeout: 1.5, connect_timeout: 500ms, command_timeout: 2m, retries: "3", retry_delay: 0 }
            tls: { mode: starttls, insecure: yes, server_name: "" }
            auth: { mechanism: SCRAM-SHA-256, username: 1001, password: 123456 }
            helo: probe.example.test
            envelope: { from: "", to: [a@example.test, "<b@example.test> NOTIFY=NEVER"] }
            message:
              subject: ~
              headers:
                X-Probe: "1"
                X-Empty:
              raw: "Subject: x\r\n\r\nbody\r\n"
            steps:
              - banner: 220
              - ehlo:
                expect: { has: [STARTTLS, "SIZE >= 1000", AUTH PLAIN], lacks: 8BITMIME }
              - starttls:
              - ehlo
              - auth
              - mail_from
              - rcpt_to
              - rcpt_to: c@example.test
                expect: [250, 251]
              - data
              - rset: ~
              - noop: ping
              - vrfy: postmaster
                expect: 5xx
              - expn: list
                expect: { code: 2XX, enhanced: 2.0.x }
              - help
              - send: "XCLIENT NAME=probe"
                expect: { contains: ok, text: "^OK" }
              - quit
            """
        },
        {
            "file defaults merged key by key",
            """
            server: { port: 2525 }
            auth: { username: u, allow_plaintext: True }
            helo: probe.example.test
            envelope: { from: a@example.test, to: b@example.test }
            scenarios:
              - name: one
                server: { host: mx1.example.test }
                auth: { password: "${env:PW:-secret}" }
              - name: two
                server: { host: mx2.example.test, port: "${PORT:-25}" }
                tls: { mode: implicit, insecure: true }
                auth: { password: "", mechanism: plain }
                steps:
                  - banner: { code: 220, contains: ESMTP }
                  - ehlo: probe.example.test
                  - auth: { password: wrong }
                    expect: 535
                  - quit
            """
        },
        {
            "variables where numbers, enums and codes go",
            """
            name: "${NAME:-variables}"
            server: { host: "${HOST:-localhost}", port: "${PORT:-25}", timeout: "${T:-10s}", family: "${FAM:-any}", retries: "${R:-0}" }
            tls: { mode: "${MODE:-none}", insecure: "${INSECURE:-no}" }
            auth: { mechanism: "${MECH:-plain}", username: u, password: p, allow_plaintext: "${PLAIN:-true}" }
            envelope: { from: a@example.test, to: b@example.test }
            steps:
              - ehlo
              - auth
              - vrfy: "${USER:-postmaster}"
                expect: "${CODE:-252}"
              - quit
            """
        },
        {
            "step auth with its own credentials",
            """
            name: auth in the step
            server: { host: mx.example.test, port: 465 }
            tls: { mode: implicit }
            steps:
              - ehlo
              - auth: { mechanism: login, username: u, password: p }
                expect: { code: 235, enhanced: 2.7.0 }
              - quit
            """
        },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Binder_accepted_document_validates(string because, string yaml)
    {
        var (file, diagnostics) = Bind(yaml);
        Assert.True(file is not null, $"{because}: the binder rejects it:\n" + string.Join("\n", diagnostics.Select(d => d.Message)));
        var problems = Problems(yaml);
        Assert.True(problems.Count == 0, $"{because}: the schema rejects what the binder accepts:\n" + string.Join("\n", problems));
    }

    /// <summary>Mistakes both must reject; the binder's message proves the document is wrong for the reason named.</summary>
    public static TheoryData<string, string> Rejected() => new()
    {
        { "unknown key `nmae`", "nmae: typo\nname: x\nserver: { host: h }\nsteps: [quit]\n" },
        { "unknown key `hots`", "name: x\nserver: { hots: h, host: h }\nsteps: [quit]\n" },
        { "unknown key `name` in a file with `scenarios:`", "name: x\nserver: { host: h }\nscenarios:\n  - name: y\n    steps: [quit]\n" },
        { "unknown TLS mode `startls`", "name: x\nserver: { host: h }\ntls: { mode: startls }\nsteps: [ehlo, quit]\n" },
        { "unknown step `rcpt_too`", "name: x\nserver: { host: h }\nsteps:\n  - ehlo\n  - rcpt_too: a@example.test\n" },
        { "unknown step `hello`", "name: x\nserver: { host: h }\nsteps:\n  - hello\n" },
        { "unknown step option `expct`", "name: x\nserver: { host: h }\nsteps:\n  - rcpt_to: a@example.test\n    expct: 250\n" },
        { "a step names one command", "name: x\nserver: { host: h }\nsteps:\n  - ehlo: a\n    quit:\n" },
        { "this step names no command", "name: x\nserver: { host: h }\nsteps:\n  - expect: 250\n" },
        { "`banner` can only be the first step", "name: x\nserver: { host: h }\nsteps:\n  - ehlo\n  - banner: 220\n" },
        { "`send` needs the line to send", "name: x\nserver: { host: h }\nsteps:\n  - send\n" },
        { "`quit` takes no argument", "name: x\nserver: { host: h }\nsteps:\n  - quit: now\n" },
        { "applies only to `ehlo` steps", "name: x\nserver: { host: h }\nsteps:\n  - helo: h\n    expect: { has: [STARTTLS] }\n" },
        { "`server.port` must be between 1 and 65535", "name: x\nserver: { host: h, port: 70000 }\nsteps: [quit]\n" },
        { "`server.timeout` must be a duration", "name: x\nserver: { host: h, timeout: 10 seconds }\nsteps: [quit]\n" },
        { "unknown SASL mechanism `md5`", "name: x\nserver: { host: h }\ntls: { mode: implicit }\nauth: { mechanism: md5, username: u, password: p }\nsteps: [ehlo, auth, quit]\n" },
        { "`600` is not a reply code", "name: x\nserver: { host: h }\nsteps:\n  - noop:\n    expect: 600\n" },
        { "`starttls` step but `tls.mode` is none", "name: x\nserver: { host: h }\nsteps: [ehlo, starttls, quit]\n" },
        { "`tls.mode` is starttls but no step is `starttls`", "name: x\nserver: { host: h }\ntls: { mode: starttls }\nsteps: [ehlo, quit]\n" },
        { "a scenario needs a `server`", "name: x\nsteps: [quit]\n" },
        { "`server` needs a `host`", "server: { port: 25 }\nscenarios:\n  - name: x\n    steps: [quit]\n" },
        { "needs `envelope: { from: ..., to: ... }`", "name: x\nserver: { host: h }\n" },
        { "either as its value or under `expect`", "name: x\nserver: { host: h }\nsteps:\n  - banner: 220\n    expect: 220\n" },
        { "`auth` needs a `password`", "name: x\nserver: { host: h }\ntls: { mode: implicit }\nsteps:\n  - auth: { username: u }\n" },
        { "`auth` step but the scenario has no `auth:` section", "name: x\nserver: { host: h }\ntls: { mode: implicit }\nsteps: [ehlo, auth]\n" },
        { "TLS options are given but `tls.mode` is none", "name: x\nserver: { host: h }\ntls: { insecure: true }\nsteps: [quit]\n" },
        { "AUTH would send the credentials in clear", "name: x\nserver: { host: h }\nauth: { username: u, password: p }\nenvelope: { from: a@example.test, to: b@example.test }\n" },
        // raw_file must exist, or the binder reports that first: the schema itself is a file that does.
        { "give either `raw` or `raw_file`, not both", $"name: x\nserver: {{ host: h }}\nsteps:\n  - data: {{ raw: x, raw_file: '{SchemaPath}' }}\n" },
        { "must be true or false", "name: x\nserver: { host: h }\ntls: { mode: implicit, insecure: on }\nsteps: [quit]\n" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Invalid_document_fails_validation(string binderSays, string yaml)
    {
        var (file, diagnostics) = Bind(yaml);
        Assert.Null(file);
        Assert.Contains(diagnostics, d => d.Message.Contains(binderSays, StringComparison.Ordinal));
        Assert.NotEmpty(Problems(yaml));
    }

    /// <summary>The key lists and enums are written out in the schema; they must stay the binder's.</summary>
    [Fact]
    public void Schema_vocabulary_is_the_binders()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        var defs = doc.RootElement.GetProperty("definitions");
        IEnumerable<string> Keys(string def) => defs.GetProperty(def).GetProperty("properties").EnumerateObject().Select(p => p.Name);
        IEnumerable<string> Enum(string def) => defs.GetProperty(def).GetProperty("anyOf")[0].GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);

        AssertSameSet(BinderList("ScenarioKeys"), Keys("scenarioItem"), "scenario keys");
        AssertSameSet(BinderList("FileKeys"), Keys("scenarioFile"), "file keys");
        AssertSameSet(BinderList("ServerKeys"), Keys("serverSection"), "server keys");
        AssertSameSet(BinderList("TlsKeys"), Keys("tlsSection"), "tls keys");
        AssertSameSet(BinderList("AuthKeys"), Keys("authSection"), "auth keys");
        AssertSameSet(BinderList("EnvelopeKeys"), Keys("envelopeSection"), "envelope keys");
        AssertSameSet(BinderList("MessageKeys"), Keys("messageSection"), "message keys");
        AssertSameSet(BinderList("ExpectKeys"), Keys("expectation"), "expectation keys");
        AssertSameSet(BinderList("StepOptionKeys").Concat(StepNames.ByName.Keys), Keys("stepMapping"), "step keys");
        AssertSameSet(BinderList("TlsModes"), Enum("tlsMode"), "TLS modes");
        AssertSameSet(BinderList("Families"), Enum("family"), "address families");
        AssertSameSet(ScenarioBinder.Mechanisms, Enum("mechanism"), "SASL mechanisms");

        // The case-insensitive pattern beside the mechanism enum names the same mechanisms.
        var pattern = defs.GetProperty("mechanism").GetProperty("anyOf")[1].GetProperty("pattern").GetString()!;
        foreach (var m in ScenarioBinder.Mechanisms)
        {
            Assert.Matches(pattern, m);
            Assert.Matches(pattern, m.ToUpperInvariant());
        }
        Assert.DoesNotMatch(pattern, "md5");

        // Bare steps are the step kinds that need no value: all but vrfy, expn and send.
        var bare = defs.GetProperty("bareStep").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!);
        AssertSameSet(StepNames.ByName.Keys.Except(["vrfy", "expn", "send"]), bare, "bare steps");
    }

    [Fact]
    public void Schema_is_valid_draft_07()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        Assert.Equal("http://json-schema.org/draft-07/schema#", doc.RootElement.GetProperty("$schema").GetString());
        var result = MetaSchemas.Draft7.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, "scenario.schema.json is not a valid draft-07 schema:\n" + string.Join("\n", Describe(result)));
    }

    private static (ScenarioFile? File, IReadOnlyList<SmtpProbe.Core.Diagnostics.Diagnostic> Diagnostics) Bind(string yaml) =>
        ScenarioBinder.Bind(new SourceText("scenario.yaml", yaml), Variables.Empty);

    private static string[] BinderList(string field)
    {
        var value = typeof(ScenarioBinder).GetField(field, BindingFlags.NonPublic | BindingFlags.Static)?.GetValue(null);
        return value as string[] ?? throw new InvalidOperationException($"ScenarioBinder.{field} is gone; update this test to the binder's new key list");
    }

    private static void AssertSameSet(IEnumerable<string> binder, IEnumerable<string> schema, string what)
    {
        var b = binder.Order(StringComparer.Ordinal).ToList();
        var s = schema.Order(StringComparer.Ordinal).ToList();
        Assert.True(b.SequenceEqual(s), $"{what}: binder [{string.Join(", ", b)}], schema [{string.Join(", ", s)}]");
    }

    /// <summary>Every schema error, empty when the YAML document is valid.</summary>
    private static List<string> Problems(string yaml)
    {
        var json = YamlToJson(yaml);
        return Describe(Schema.Value.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List }));
    }

    private static List<string> Describe(EvaluationResults result)
    {
        if (result.IsValid)
        {
            return [];
        }
        var problems = (result.Details ?? [])
            .SelectMany(d => (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}) {e.Key}: {e.Value}"))
            .ToList();
        return problems.Count > 0 ? problems : ["invalid, with no detailed errors"];
    }

    /// <summary>
    /// YAML → JSON the way an editor's YAML 1.2 (core schema) parser sees it: plain scalars that
    /// look like null, booleans or numbers become those; quoted and block scalars stay strings.
    /// </summary>
    private static JsonElement YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, stream.Documents[0].RootNode);
        }
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    private static void Write(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (key, value) in map.Children)
                {
                    w.WritePropertyName(((YamlScalarNode)key).Value ?? string.Empty);
                    Write(w, value);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Children)
                {
                    Write(w, item);
                }
                w.WriteEndArray();
                break;
            case YamlScalarNode { Style: not ScalarStyle.Plain } quoted:
                w.WriteStringValue(quoted.Value);
                break;
            case YamlScalarNode { Value: null or "" or "~" or "null" or "Null" or "NULL" }:
                w.WriteNullValue();
                break;
            case YamlScalarNode { Value: "true" or "True" or "TRUE" }:
                w.WriteBooleanValue(true);
                break;
            case YamlScalarNode { Value: "false" or "False" or "FALSE" }:
                w.WriteBooleanValue(false);
                break;
            case YamlScalarNode s when Regex.IsMatch(s.Value!, @"^[-+]?[0-9]+$") && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i):
                w.WriteNumberValue(i);
                break;
            case YamlScalarNode s when Regex.IsMatch(s.Value!, @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"):
                w.WriteNumberValue(double.Parse(s.Value!, CultureInfo.InvariantCulture));
                break;
            case YamlScalarNode s:
                w.WriteStringValue(s.Value);
                break;
            default:
                throw new NotSupportedException($"unexpected YAML node {node.GetType().Name}");
        }
    }
}
