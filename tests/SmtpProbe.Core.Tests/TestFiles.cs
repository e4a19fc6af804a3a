using System.Runtime.CompilerServices;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Core.Text;
using SmtpProbe.Testing;

namespace SmtpProbe.Core.Tests;

/// <summary>Shared helpers: where the test files live, and binding a scenario from a string.</summary>
internal static class TestFiles
{
    /// <summary>tests/SmtpProbe.Core.Tests: bad/ and golden/ live beside the sources, not in bin/.</summary>
    public static string ProjectDir([CallerFilePath] string callerFile = "") => Golden.FindProjectDir(callerFile);

    public static string RepoRoot([CallerFilePath] string callerFile = "") => Golden.RepoRoot(callerFile);

    /// <summary>Variables the samples use; SMTP_PASSWORD comes from the (fake) environment only.</summary>
    public static Variables SampleVariables() => new(
        new Dictionary<string, string>
        {
            ["SMTP_HOST"] = "mx.example.test",
            ["SMTP_USER"] = "probe@example.test",
            ["SMTP_DOMAIN"] = "example.test",
        },
        name => name == "SMTP_PASSWORD" ? "sample-password" : null);

    public static (ScenarioFile? File, IReadOnlyList<Diagnostic> Diagnostics) Bind(string yaml, Variables? variables = null, string path = "test.yaml") =>
        ScenarioBinder.Bind(new SourceText(path, yaml), variables ?? Variables.Empty);

    /// <summary>Binds text that must be valid; fails with the rendered diagnostics otherwise.</summary>
    public static Scenario BindOne(string yaml, Variables? variables = null)
    {
        var (file, diagnostics) = Bind(yaml, variables);
        Assert.True(diagnostics.Count == 0, string.Join("\n\n", diagnostics.Select(DiagnosticRenderer.Render)));
        Assert.NotNull(file);
        return Assert.Single(file.Scenarios);
    }

    /// <summary>A fresh folder under the temp directory, removed by Dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "smtp-probe-core-tests-" + Guid.NewGuid().ToString("N"));

        public string Write(string name, string text)
        {
            var file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
