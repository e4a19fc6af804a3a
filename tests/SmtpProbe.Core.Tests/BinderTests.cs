using System.Net;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Scenarios;

namespace SmtpProbe.Core.Tests;

/// <summary>Valid scenarios: what the binder builds from them.</summary>
public sealed class BinderTests
{
    private static string SamplesDir => Path.Combine(TestFiles.RepoRoot(), "samples");

    public static TheoryData<string> Samples() =>
        [.. Directory.GetFiles(Path.Combine(TestFiles.RepoRoot(), "samples"), "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Samples))]
    public void When_SampleIsLoadedWithItsVariables_ItBindsWithoutDiagnostics(string sample)
    {
        var loaded = ScenarioLoader.Load([Path.Combine(SamplesDir, sample)], TestFiles.SampleVariables(), relativeTo: SamplesDir);

        Assert.Empty(loaded.UsageErrors);
        Assert.Empty(loaded.Diagnostics);
        var file = Assert.Single(loaded.Files);
        Assert.Equal(sample, file.Path);
        Assert.NotEmpty(file.Scenarios);
        Assert.All(file.Scenarios, s => Assert.Equal(StepKind.Banner, s.Steps[0].Kind));
        Assert.All(file.Scenarios, s => Assert.Equal("mx.example.test", s.Server.Host));
    }

    [Fact]
    public void When_SubmissionSampleIsBound_StepsAndSecretsAreAsWritten()
    {
        var loaded = ScenarioLoader.Load([Path.Combine(SamplesDir, "submission-auth.yaml")], TestFiles.SampleVariables(), relativeTo: SamplesDir);

        var s = Assert.Single(Assert.Single(loaded.Files).Scenarios);
        Assert.Equal(
            [StepKind.Banner, StepKind.Ehlo, StepKind.StartTls, StepKind.Ehlo, StepKind.Auth, StepKind.MailFrom, StepKind.RcptTo, StepKind.Data, StepKind.Quit],
            s.Steps.Select(x => x.Kind));
        Assert.Equal(587, s.Server.Port);
        Assert.Equal(TlsMode.StartTls, s.Tls.Mode);
        Assert.Null(s.Tls.CaFile);
        Assert.Equal("mx.example.test", s.Tls.ServerName);
        Assert.Equal("plain", s.Auth!.Mechanism);
        Assert.Equal("sample-password", Assert.Single(s.Secrets).Value);
        Assert.Equal(TimeSpan.FromSeconds(10), s.Server.CommandTimeout);
        var ehlo2 = s.Steps[3];
        Assert.Equal("AUTH", Assert.Single(ehlo2.Expect.Has).Keyword);
        Assert.Equal("PLAIN", ehlo2.Expect.Has[0].Parameter);
        var data = Assert.IsType<DataStep>(s.Steps[7]);
        Assert.Equal(["probe@example.test"], data.Message.To);
        Assert.Matches(data.Expect.TextMatches!, "2.0.0 Ok: QUEUED as 123");
    }

    [Fact]
    public void When_RecipientsSampleIsBound_EachScenarioSharesTheFileLevelServer()
    {
        var loaded = ScenarioLoader.Load([Path.Combine(SamplesDir, "recipients.yaml")], TestFiles.SampleVariables(), relativeTo: SamplesDir);

        var scenarios = Assert.Single(loaded.Files).Scenarios;
        Assert.Equal(["a known local user is accepted", "an unknown local user is rejected at RCPT"], scenarios.Select(s => s.Name));
        Assert.All(scenarios, s => Assert.Equal(("mx.example.test", 25, "probe.example.net"), (s.Server.Host, s.Server.Port, s.HeloName)));
        var rcpt = Assert.IsType<EnvelopeStep>(scenarios[1].Steps.Single(x => x.Kind == StepKind.RcptTo));
        Assert.Equal("no-such-user@example.test", rcpt.Address);
        Assert.Equal("5.1.1", rcpt.Expect.EnhancedCode);
    }

    [Fact]
    public void When_StepsAreAbsentWithoutTls_StandardTransactionIsGenerated()
    {
        var s = TestFiles.BindOne("""
            name: plain
            server: { host: mx.example.test }
            auth: { username: u, password: p, allow_plaintext: true }
            envelope: { from: a@example.test, to: [b@example.test, "<c@example.test> NOTIFY=NEVER"] }
            """);

        Assert.True(s.StandardTransaction);
        Assert.Equal(
            [StepKind.Banner, StepKind.Ehlo, StepKind.Auth, StepKind.MailFrom, StepKind.RcptTo, StepKind.RcptTo, StepKind.Data, StepKind.Quit],
            s.Steps.Select(x => x.Kind));
        Assert.Equal(25, s.Server.Port);
        var rcpts = s.Steps.OfType<EnvelopeStep>().Where(x => x.Kind == StepKind.RcptTo).ToList();
        Assert.Equal(["b@example.test", "c@example.test"], rcpts.Select(r => r.Address));
        Assert.Equal("NOTIFY=NEVER", rcpts[1].Parameters);
        Assert.Equal(["b@example.test", "<c@example.test> NOTIFY=NEVER"], s.Steps.OfType<DataStep>().Single().Message.To);
    }

    [Fact]
    public void When_StepsAreAbsentWithStarttls_StarttlsAndASecondEhloComeBeforeAuth()
    {
        var s = TestFiles.BindOne("""
            name: starttls
            server: { host: mx.example.test, port: 587 }
            tls: { mode: starttls }
            auth: { username: u, password: p }
            envelope: { from: a@example.test, to: b@example.test }
            """);

        Assert.Equal(
            [StepKind.Banner, StepKind.Ehlo, StepKind.StartTls, StepKind.Ehlo, StepKind.Auth, StepKind.MailFrom, StepKind.RcptTo, StepKind.Data, StepKind.Quit],
            s.Steps.Select(x => x.Kind));
    }

    [Fact]
    public void When_StepsAreAbsentWithImplicitTls_NoStarttlsAndPortDefaultsTo465()
    {
        var s = TestFiles.BindOne("""
            name: implicit
            server: { host: mx.example.test }
            tls: { mode: implicit }
            auth: { mechanism: LOGIN, username: u, password: p }
            envelope: { from: a@example.test, to: b@example.test }
            """);

        Assert.Equal(
            [StepKind.Banner, StepKind.Ehlo, StepKind.Auth, StepKind.MailFrom, StepKind.RcptTo, StepKind.Data, StepKind.Quit],
            s.Steps.Select(x => x.Kind));
        Assert.Equal(465, s.Server.Port);
        Assert.Equal("login", s.Auth!.Mechanism);
    }

    [Fact]
    public void When_StepsAreAbsentWithoutAuth_NoAuthStepIsGenerated()
    {
        var s = TestFiles.BindOne("""
            name: no auth
            server: { host: mx.example.test }
            envelope: { from: "", to: b@example.test }
            """);

        Assert.DoesNotContain(s.Steps, x => x.Kind == StepKind.Auth);
        Assert.Equal("", s.Steps.OfType<EnvelopeStep>().First().Address);
    }

    [Fact]
    public void When_StepsAreAbsent_GeneratedStepsCarryDefaultExpectations()
    {
        var s = TestFiles.BindOne("""
            name: defaults
            server: { host: mx.example.test, port: 465 }
            tls: { mode: implicit }
            auth: { username: u, password: p }
            envelope: { from: a@example.test, to: b@example.test }
            """);

        Assert.All(s.Steps, x => Assert.True(x.Expect.IsDefault));
        Assert.Equal(
            ["220", "250", "235", "250", "250,251", "250", "221"],
            s.Steps.Select(x => string.Join(',', x.Expect.Codes)));
        Assert.Equal("354", Assert.Single(s.Steps.OfType<DataStep>().Single().StartExpect.Codes).Pattern);
    }

    public static TheoryData<string, string> DefaultCodes() => new()
    {
        { "- ehlo", "250" },
        { "- helo", "250" },
        { "- mail_from: a@example.test", "250" },
        { "- rcpt_to: b@example.test", "250,251" },
        { "- data", "250" },
        { "- rset", "250" },
        { "- noop", "250" },
        { "- vrfy: postmaster", "250,251,252" },
        { "- expn: staff", "250" },
        { "- help", "211,214" },
        { "- quit", "221" },
        { "- send: XCLIENT NAME=probe", "" },
    };

    [Theory]
    [MemberData(nameof(DefaultCodes))]
    public void When_StepHasNoExpect_ItsKindsDefaultCodesApply(string step, string codes)
    {
        var s = TestFiles.BindOne($"name: d\nserver: {{ host: h }}\nenvelope: {{ from: a@example.test, to: b@example.test }}\nsteps:\n  {step}\n");

        var bound = s.Steps[1];
        Assert.True(bound.Expect.IsDefault);
        Assert.Equal(codes, string.Join(',', bound.Expect.Codes));
    }

    [Fact]
    public void When_DataStepHasNoExpect_ItExpects354ThenFinal250()
    {
        var s = TestFiles.BindOne("name: d\nserver: { host: h }\nsteps:\n  - ehlo\n  - mail_from: a@example.test\n  - rcpt_to: b@example.test\n  - data: { subject: hi, body: \"text\\n\" }\n");

        var data = s.Steps.OfType<DataStep>().Single();
        Assert.Equal("354", Assert.Single(data.StartExpect.Codes).Pattern);
        Assert.Equal("250", Assert.Single(data.Expect.Codes).Pattern);
        Assert.Equal("hi", data.Message.Subject);
        Assert.Equal("text\n", data.Message.Body);
        Assert.Equal(["b@example.test"], data.Message.To);
    }

    [Fact]
    public void When_FirstStepIsNotBanner_ADefaultBannerIsPrepended()
    {
        var s = TestFiles.BindOne("name: x\nserver: { host: h }\nsteps:\n  - ehlo: probe.example.test\n  - quit\n");

        Assert.False(s.StandardTransaction);
        Assert.Equal([StepKind.Banner, StepKind.Ehlo, StepKind.Quit], s.Steps.Select(x => x.Kind));
        Assert.True(s.Steps[0].Expect.IsDefault);
        Assert.Equal("220", Assert.Single(s.Steps[0].Expect.Codes).Pattern);
        Assert.Equal(3, s.Steps[0].Span.Start.Line);
        Assert.Equal("probe.example.test", Assert.IsType<HelloStep>(s.Steps[1]).Domain);
    }

    [Fact]
    public void When_BannerIsWrittenFirst_ItIsNotDuplicatedAndItsValueIsTheExpectation()
    {
        var s = TestFiles.BindOne("name: x\nserver: { host: h }\nsteps:\n  - banner: { code: 2xx, contains: ESMTP }\n  - quit\n");

        Assert.Equal([StepKind.Banner, StepKind.Quit], s.Steps.Select(x => x.Kind));
        Assert.False(s.Steps[0].Expect.IsDefault);
        Assert.Equal("2xx", Assert.Single(s.Steps[0].Expect.Codes).Pattern);
        Assert.Equal("ESMTP", s.Steps[0].Expect.TextContains);
    }

    [Theory]
    [InlineData("expect: 550", "550")]
    [InlineData("expect: 5XX", "5xx")]
    [InlineData("expect: [250, 251]", "250,251")]
    [InlineData("expect: { code: [\"25x\"] }", "25x")]
    public void When_ExpectIsShorthandOrList_CodesAreBound(string expect, string codes)
    {
        var s = TestFiles.BindOne($"name: x\nserver: {{ host: h }}\nsteps:\n  - rcpt_to: b@example.test\n    {expect}\n");

        Assert.False(s.Steps[1].Expect.IsDefault);
        Assert.Equal(codes, string.Join(',', s.Steps[1].Expect.Codes));
    }

    [Fact]
    public void When_ScenariosListIsUsed_FileLevelSectionsAreDefaultsOverriddenKeyByKey()
    {
        var (file, diagnostics) = TestFiles.Bind("""
            server: { host: mx.example.test, port: 25, timeout: 5s }
            helo: shared.example.test
            envelope: { from: a@example.test, to: b@example.test }
            scenarios:
              - name: uses the defaults
              - name: overrides the port and helo
                server: { port: 2525 }
                helo: own.example.test
            """);

        Assert.Empty(diagnostics);
        var s = file!.Scenarios;
        Assert.Equal(2, s.Count);
        Assert.Equal(("mx.example.test", 25, "shared.example.test"), (s[0].Server.Host, s[0].Server.Port, s[0].HeloName));
        Assert.Equal(("mx.example.test", 2525, "own.example.test"), (s[1].Server.Host, s[1].Server.Port, s[1].HeloName));
        Assert.Equal(TimeSpan.FromSeconds(5), s[1].Server.ConnectTimeout);
        Assert.All(s, x => Assert.True(x.StandardTransaction));
    }

    [Fact]
    public void When_ServerHasOptionalSettings_TheyAreBound()
    {
        var s = TestFiles.BindOne("""
            name: x
            server:
              host: mx.example.test
              bind: 127.0.0.2
              family: ipv4
              timeout: 2m
              connect_timeout: 1500ms
              retries: 3
              retry_delay: 0
            steps: [ehlo]
            """);

        Assert.Equal(IPAddress.Parse("127.0.0.2"), s.Server.Bind);
        Assert.Equal(AddressFamilyPreference.IPv4, s.Server.Family);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), s.Server.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), s.Server.CommandTimeout);
        Assert.Equal(3, s.Server.ConnectRetries);
        Assert.Equal(TimeSpan.Zero, s.Server.RetryDelay);
        Assert.Equal("localhost", s.HeloName);
    }

    [Fact]
    public void When_AuthPasswordsAreGiven_EveryNonEmptyOneIsASecret()
    {
        var s = TestFiles.BindOne("""
            name: secrets
            server: { host: h, port: 465 }
            tls: { mode: implicit }
            auth: { username: u, password: "${env:SMTP_PASSWORD}" }
            steps:
              - ehlo
              - auth: { password: wrong-on-purpose }
                expect: 535
              - auth: { password: "" }
                expect: 5xx
              - auth
              - quit
            """, TestFiles.SampleVariables());

        Assert.Equal(["sample-password", "wrong-on-purpose"], s.Secrets.Select(x => x.Value).Order(StringComparer.Ordinal));
        var auths = s.Steps.OfType<AuthStep>().ToList();
        Assert.Equal(["wrong-on-purpose", "", "sample-password"], auths.Select(a => a.Auth.Password.Value));
        Assert.All(auths, a => Assert.Equal("u", a.Auth.Username));
        Assert.Equal("***", s.Auth!.Password.ToString());
    }

    [Fact]
    public void When_StepAllowsPlaintext_MailFromBeforeStarttlsIsAccepted()
    {
        var s = TestFiles.BindOne("""
            name: enforcement
            server: { host: h, port: 587 }
            tls: { mode: starttls }
            auth: { username: u, password: p }
            steps:
              - ehlo
              - mail_from: probe@example.test
                allow_plaintext: true
                expect: { code: 530, enhanced: 5.7.0 }
              - auth:
                allow_plaintext: true
                expect: 538
              - starttls
              - ehlo
              - quit
            """);

        var mail = s.Steps.Single(x => x.Kind == StepKind.MailFrom);
        Assert.True(mail.AllowPlaintext);
        Assert.True(s.Steps.Single(x => x.Kind == StepKind.Auth).AllowPlaintext);
        Assert.False(s.Steps.Single(x => x.Kind == StepKind.Quit).AllowPlaintext);
    }

    [Fact]
    public void When_StarttlsExpectsARefusal_LaterStepsCountAsStillInClear()
    {
        var (_, diagnostics) = TestFiles.Bind("""
            name: refused starttls
            server: { host: h, port: 587 }
            tls: { mode: starttls }
            steps:
              - ehlo
              - starttls:
                expect: 454
              - mail_from: a@example.test
            """);

        Assert.Equal("`mail_from` comes before `starttls` although `tls.mode` is starttls", Assert.Single(diagnostics).Message);
    }

    [Fact]
    public void When_TlsServerNameIsAbsent_ItDefaultsToTheHost()
    {
        var s = TestFiles.BindOne("name: x\nserver: { host: mx.example.test }\ntls: { mode: implicit, insecure: true }\nsteps: [ehlo]\n");

        Assert.Equal("mx.example.test", s.Tls.ServerName);
        Assert.True(s.Tls.Insecure);
    }

    [Theory]
    [InlineData("a@example.test", "a@example.test", "")]
    [InlineData("<a@example.test>", "a@example.test", "")]
    [InlineData("<a@example.test> SIZE=100 BODY=8BITMIME", "a@example.test", "SIZE=100 BODY=8BITMIME")]
    [InlineData("a@example.test SIZE=100", "a@example.test", "SIZE=100")]
    [InlineData("<>", "", "")]
    [InlineData("", "", "")]
    public void When_AddressHasParameters_TheyAreSplitOff(string text, string address, string parameters)
    {
        Assert.Equal((address, parameters), ScenarioBinder.SplitAddress(text));
    }
}
