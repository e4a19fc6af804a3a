using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Text;
using SmtpProbe.Smtp.Running;
using SmtpProbe.Testing.Scripted;
using Xunit;

namespace SmtpProbe.Smtp.Tests.Running;

/// <summary>Binds an inline scenario against a scripted server (PORT, CA_FILE variables) and runs it.</summary>
internal static class ScenarioHarness
{
    /// <summary>Test certificates are made for "now"; the fake clock starts there so TLS verification agrees.</summary>
    public static Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock() => new(DateTimeOffset.UtcNow);

    public static string Dialog(string name) => Path.Combine(AppContext.BaseDirectory, "dialogs", "behaviours", name + ".dialog");

    public static Task<ScenarioResult> RunAsync(string yaml, ScriptedSmtpServer server, TimeProvider time, IReadOnlyList<string>? live = null, Action<string>? onLine = null, IReadOnlyDictionary<string, string>? extraVars = null)
    {
        var caFile = Path.Combine(Path.GetTempPath(), $"smtp-probe-test-ca-{server.Port}.pem");
        File.WriteAllText(caFile, server.CaCertificatePem);
        var vars = new Dictionary<string, string> { ["PORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["CA_FILE"] = caFile };
        foreach (var (k, v) in extraVars ?? new Dictionary<string, string>())
        {
            vars[k] = v;
        }
        var (file, diagnostics) = ScenarioBinder.Bind(new SourceText("scenario.yaml", yaml), new Variables(vars, name => name == "SECRET" ? "s3cr3t-Pa55word!" : null));
        Assert.True(file is not null, string.Join("\n", diagnostics.Select(SmtpProbe.Core.Diagnostics.DiagnosticRenderer.Render)));
        var runner = new ScenarioRunner(time, line =>
        {
            (live as List<string>)?.Add(line);
            onLine?.Invoke(line);
        });
        return runner.RunAsync(file, file.Scenarios[0], TestContext.Current.CancellationToken);
    }
}
