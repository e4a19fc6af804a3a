using System.Runtime.CompilerServices;
using Xunit;

namespace SmtpProbe.Testing;

/// <summary>
/// Committed golden files for user-visible text (diagnostics, console output, reports).
/// Why our own helper: Verify.Xunit cannot be restored here, and Snapshooter stores JSON
/// snapshots and silently creates a missing one unless forced into strict mode. Ours is ~40
/// lines, byte-for-byte, and a missing golden file always fails (CI can never pass on a
/// snapshot that was never reviewed). Set SMTP_PROBE_UPDATE_GOLDEN=1 to (re)write them, then
/// review the diff in git.
/// </summary>
public static class Golden
{
    /// <summary>Compares <paramref name="actual"/> with tests/&lt;Project&gt;/golden/&lt;name&gt;.</summary>
    public static void AssertMatches(string name, string actual, [CallerFilePath] string callerFile = "")
    {
        var path = Path.Combine(FindProjectDir(callerFile), "golden", name);
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("SMTP_PROBE_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        if (!File.Exists(path))
        {
            File.WriteAllText(path + ".received", actual);
            Assert.Fail($"golden file {name} is missing; wrote {path}.received. Review it, then rename it or run with SMTP_PROBE_UPDATE_GOLDEN=1.");
        }
        var expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (expected != actual)
        {
            File.WriteAllText(path + ".received", actual);
        }
        Assert.Equal(expected, actual);
    }

    /// <summary>The folder holding the caller's .csproj: golden files live beside the tests, not in bin/.</summary>
    public static string FindProjectDir(string callerFile)
    {
        var dir = Path.GetDirectoryName(callerFile);
        while (dir is not null && Directory.GetFiles(dir, "*.csproj").Length == 0)
        {
            dir = Path.GetDirectoryName(dir);
        }
        return dir ?? throw new InvalidOperationException($"no project folder above {callerFile}");
    }

    /// <summary>The repository root (holds smtp-probe.sln).</summary>
    public static string RepoRoot([CallerFilePath] string callerFile = "")
    {
        var dir = Path.GetDirectoryName(callerFile);
        while (dir is not null && !File.Exists(Path.Combine(dir, "smtp-probe.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return dir ?? throw new InvalidOperationException("repository root not found");
    }
}
