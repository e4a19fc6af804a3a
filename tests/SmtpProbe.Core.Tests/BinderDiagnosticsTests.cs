using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Tests;

/// <summary>Invalid scenarios the golden corpus does not cover, and known binder bugs.</summary>
public sealed class BinderDiagnosticsTests
{
    private const string Head = "name: x\nserver: { host: h }\n";

    private static IReadOnlyList<Diagnostic> Diagnose(string yaml)
    {
        var (file, diagnostics) = TestFiles.Bind(yaml);
        Assert.Null(file);
        return diagnostics;
    }

    public static TheoryData<string, string> OneProblem() => new()
    {
        { Head + "steps: [ehlo, { ehlo: a, quit: }]\n", "a step names one command, found `ehlo` and `quit`" },
        { Head + "steps: [vrfy]\n", "`vrfy` needs an argument" },
        { Head + "steps: [{ quit: now }]\n", "`quit` takes no argument" },
        { Head + "steps: [{ send: }]\n", "`send` needs the line to send" },
        { Head + "steps: [auth]\n", "`auth` step but the scenario has no `auth:` section" },
        { Head + "steps: [mail_from]\n", "`mail_from` has no address and the scenario has no `envelope` default" },
        { Head + "steps: [starttls]\n", "`starttls` step but `tls.mode` is none" },
        { Head + "tls: { mode: starttls }\nsteps: [ehlo, starttls, ehlo, starttls]\n", "a second `starttls` step" },
        { Head + "tls: { mode: starttls }\nsteps: [ehlo, { starttls: now }, { starttls: }]\n", "`starttls` takes no value" },
        { Head + "steps: [{ banner: 220, expect: 220 }]\n", "give the banner's expectation either as its value or under `expect`, not both" },
        { Head + "steps:\n  - ehlo:\n    expect: { has: [\"SIZE > 10\"] }\n", "`SIZE > 10` is not a capability check" },
        { Head + "steps:\n  - ehlo:\n    expect: { cod: 250 }\n", "unknown key `cod` in an expectation" },
        { Head + "steps: [data]\nmessage: { body: a, body_file: b.txt }\n", "file `b.txt` does not exist" },
        { Head + "steps: [ehlo]\ntls: { mode: implicit, ca_file: no-such-ca.pem }\n", "CA file `no-such-ca.pem` does not exist" },
        { "name: x\nserver: { host: h, bind: \"::1\", family: ipv4 }\nsteps: [ehlo]\n", "`server.bind` ::1 is not an IPv4 address but `family` is ipv4" },
        { "name: x\nserver: { host: h, family: ip4 }\nsteps: [ehlo]\n", "unknown address family `ip4`" },
        { "name: x\nserver: { host: h, retries: 11 }\nsteps: [ehlo]\n", "`server.retries` must be between 0 and 10, found 11" },
        { "name: x\nserver: { host: h, timeout: 0 }\nsteps: [ehlo]\n", "`server.timeout` must be between 1ms and 3600s, found `0`" },
        { "name: x\nserver: { host: \"mx example\" }\nsteps: [ehlo]\n", "`server.host` must be a host name or an IP address, found `mx example`" },
        { "name: x\nserver: { port: 25 }\nsteps: [ehlo]\n", "`server` needs a `host`" },
        { "name: x\nserver: { host: h, bind: 10.0.0.0/8 }\nsteps: [ehlo]\n", "`server.bind` must be a local IP address, found `10.0.0.0/8`" },
        { "name: x\nserver: { host: h }\ntls: { mode: implicit, insecure: maybe }\nsteps: [ehlo]\n", "`tls.insecure` must be true or false, found `maybe`" },
        { "name: \"two\\nlines\"\nserver: { host: h }\nsteps: [ehlo]\n", "`name` contains a line break" },
        { "name:\nserver: { host: h }\nsteps: [ehlo]\n", "`name` needs a value" },
        { "scenarios: []\n", "`scenarios` must be a non-empty list of scenarios" },
        { "server: { host: h }\nsteps: [ehlo]\nscenarios:\n  - name: a\n    steps: [ehlo]\n", "unknown key `steps` in a file with `scenarios:`" },
        { Head + "steps:\n  - ehlo:\n    expect: { code: 250, enhanced: 2.0.X }\n", "`expect.enhanced` must be an RFC 3463 status code like `2.1.5` or `5.7.x`, found `2.0.X`" },
        { Head + "auth: { username: u, password: p, mechanism: plain }\ntls: { mode: implicit }\nsteps:\n  - auth: { mechanism: cram_md5 }\n", "unknown SASL mechanism `cram_md5`" },
        { Head + "steps:\n  - rcpt_to: \"a@example.test\\r\\nDATA\"\n", "`rcpt_to` contains a line break" },
        { Head + "steps:\n  - send: \"NOOP\\r\\nQUIT\"\n", "`send` contains a line break" },
        { Head + "steps: [ehlo]\nmessage: { headers: { X-Probe: \"a\\nBcc: victim@example.test\" } }\n", "`message.headers.X-Probe` contains a line break" },
    };

    [Theory]
    [MemberData(nameof(OneProblem))]
    public void When_ScenarioHasOneProblem_ExactlyThatErrorIsReported(string yaml, string message)
    {
        var diagnostics = Diagnose(yaml);

        var d = Assert.Single(diagnostics);
        Assert.Equal(Severity.Error, d.Severity);
        Assert.Equal(message, d.Message);
    }

    [Fact]
    public void When_TwoCommandsShareAStep_HintSaysToSplitThem()
    {
        var d = Assert.Single(Diagnose(Head + "steps:\n  - ehlo: a\n    quit:\n"));

        Assert.Equal("write each command as its own `- ` item", d.Hint);
        Assert.Equal(new Text.SourcePosition(5, 5), d.Span.Start);
    }

    [Fact]
    public void When_StepsFollowQuit_EachOneIsReported()
    {
        var diagnostics = Diagnose(Head + "steps: [ehlo, quit, noop, rset]\n");

        Assert.Equal(["`noop` comes after `quit`", "`rset` comes after `quit`"], diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void When_SeveralKeysAreWrong_AllAreReportedInOnePass()
    {
        var diagnostics = Diagnose("name: x\nserver: { hots: h, prot: 25 }\ntsl: { mode: starttls }\nsteps: [ehlo]\n");

        Assert.Equal(
            ["unknown key `tsl` in a scenario", "unknown key `hots` in `server`", "unknown key `prot` in `server`", "`server` needs a `host`"],
            diagnostics.Select(d => d.Message));
        Assert.Equal(["did you mean `tls`?", "did you mean `host`?", "did you mean `port`?"], diagnostics.Take(3).Select(d => d.Hint));
    }

    [Fact]
    public void When_StepOptionIsMisspelled_HintSuggestsTheOption()
    {
        var d = Assert.Single(Diagnose(Head + "steps:\n  - ehlo:\n    expcet: 250\n"));

        Assert.Equal("unknown step option `expcet`", d.Message);
        Assert.Equal("did you mean `expect`?", d.Hint);
    }

    [Fact]
    public void When_SharedSectionHasAProblem_ItIsReportedOnce()
    {
        var diagnostics = Diagnose("server: { hots: h }\nscenarios:\n  - name: a\n    steps: [ehlo]\n  - name: b\n    steps: [ehlo]\n  - name: c\n    steps: [ehlo]\n");

        Assert.Equal(["unknown key `hots` in `server`", "`server` needs a `host`"], diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void When_AuthSectionIsInvalid_AuthStepDoesNotClaimTheSectionIsMissing()
    {
        var diagnostics = Diagnose(Head + "tls: { mode: implicit }\nauth: { mechanism: cram-md6, username: u, password: p }\nsteps: [ehlo, auth]\n");

        Assert.Equal(["unknown SASL mechanism `cram-md6`"], diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void When_ServerIsNotAMapping_OnlyThatIsReported()
    {
        var diagnostics = Diagnose("name: x\nserver: mx.example.test\nsteps: [ehlo]\n");

        Assert.Equal(["`server` must be a mapping, found the text `mx.example.test`"], diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void When_EnvelopeHasAnUndefinedVariable_OnlyTheVariableIsReported()
    {
        var diagnostics = Diagnose("name: x\nserver: { host: h }\nenvelope: { from: \"${SENDER}\", to: b@example.test }\n");

        Assert.Equal(["variable `SENDER` is not defined"], diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void When_FileIsAList_HintDoesNotMentionAScenarioKey()
    {
        var d = Assert.Single(Diagnose("- name: x\n  server: { host: h }\n"));

        Assert.DoesNotContain("`scenario:", d.Hint ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("`scenario`", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timeout: 99999999999999999999")]
    [InlineData("connect_timeout: 99999999999999999999ms")]
    [InlineData("retry_delay: 9999999999999999m")]
    public void When_DurationIsHuge_ItIsReportedAsOutOfRange(string setting)
    {
        var d = Assert.Single(Diagnose($"name: x\nserver: {{ host: h, {setting} }}\nsteps: [ehlo]\n"));

        Assert.Contains("must be between", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_SizeCheckNumberIsHuge_ItIsADiagnostic()
    {
        var d = Assert.Single(Diagnose(Head + "steps:\n  - ehlo:\n    expect: { has: [\"SIZE >= 99999999999999999999\"] }\n"));

        Assert.Contains("SIZE", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_BannerIsNotTheFirstStep_ItIsReported()
    {
        var diagnostics = Diagnose(Head + "steps: [ehlo, banner, quit]\n");

        Assert.Contains(diagnostics, d => d.Message.Contains("banner", StringComparison.Ordinal));
    }

    [Fact]
    public void When_NameIsMissing_OtherProblemsAreStillReported()
    {
        var diagnostics = Diagnose("server: { host: h, port: 0 }\nsteps: [ehlo]\n");

        Assert.Equal(["a scenario needs a `name`", "`server.port` must be between 1 and 65535, found 0"], diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void When_ScenarioIsValid_StepSpansPointAtTheStepKeyword()
    {
        var s = TestFiles.BindOne(Head + "steps:\n  - ehlo: a\n  - quit\n");

        Assert.Equal([(4, 5), (5, 5)], s.Steps.Skip(1).Select(x => (x.Span.Start.Line, x.Span.Start.Column)));
        Assert.Equal(StepKind.Quit, s.Steps[^1].Kind);
    }
}
