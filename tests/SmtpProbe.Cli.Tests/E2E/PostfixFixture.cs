namespace SmtpProbe.Cli.Tests.E2E;

/// <summary>
/// The real Postfix + Dovecot that scripts/mta/postfix-up.sh starts on loopback. Its facts come from
/// the env file that script writes. Where it is missing the tests skip with the way to start it;
/// where SMTP_PROBE_REQUIRE_E2E=1 (CI) a missing Postfix is a failure, never a skip.
/// </summary>
public sealed class PostfixFixture
{
    public PostfixFixture()
    {
        var path = Environment.GetEnvironmentVariable("SMTP_PROBE_E2E_ENV") ?? "/tmp/smtp-probe-e2e/e2e.env";
        EnvFile = path;
        if (File.Exists(path))
        {
            Values = File.ReadAllLines(path)
                .Select(l => l.Split('=', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        }
    }

    public string EnvFile { get; }

    public IReadOnlyDictionary<string, string>? Values { get; }

    public string this[string key] => Values![key];

    /// <summary>Call first in every e2e test.</summary>
    public void Require()
    {
        if (Values is not null && Values.ContainsKey("SMTP_E2E_PORT_MX"))
        {
            return;
        }
        var reason = $"Postfix is not running for the end-to-end tests ({EnvFile} not found): start it with `sudo bash scripts/mta/postfix-up.sh` or run `./scripts/test`";
        if (Environment.GetEnvironmentVariable("SMTP_PROBE_REQUIRE_E2E") == "1")
        {
            Assert.Fail(reason + " (SMTP_PROBE_REQUIRE_E2E=1: a skip would hide it)");
        }
        Assert.Skip(reason);
    }

    /// <summary>--var arguments that point the samples at this Postfix.</summary>
    public string[] SampleVars() =>
    [
        "--var", $"SMTP_HOST={this["SMTP_E2E_HOST"]}",
        "--var", $"SMTP_PORT={this["SMTP_E2E_PORT_MX"]}",
        "--var", $"SUBMISSION_PORT={this["SMTP_E2E_PORT_SUBMISSION"]}",
        "--var", $"SMTPS_PORT={this["SMTP_E2E_PORT_SMTPS"]}",
        "--var", $"SMTP_CA_FILE={this["SMTP_E2E_CA"]}",
        "--var", $"SMTP_USER={this["SMTP_E2E_USER"]}",
        "--var", $"SMTP_DOMAIN={this["SMTP_E2E_DOMAIN"]}",
    ];

    /// <summary>The environment the samples read the password from (`${env:SMTP_PASSWORD}`).</summary>
    public Dictionary<string, string> PasswordEnvironment() => new() { ["SMTP_PASSWORD"] = this["SMTP_E2E_PASSWORD"] };
}
