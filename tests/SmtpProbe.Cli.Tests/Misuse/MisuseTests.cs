using SmtpProbe.Testing;
using static SmtpProbe.Cli.Tests.CliHarness;

namespace SmtpProbe.Cli.Tests.Misuse;

/// <summary>
/// The command line used wrongly: each mistake exits 2 with a one-line `error:` (optionally followed by a hint),
/// never a stack trace, and what the user reads is pinned in golden/misuse/ (temp paths scrubbed to &lt;tmp&gt;).
/// Report destinations that cannot be written are checked too: a run whose report is lost must not look green.
/// </summary>
public sealed class MisuseTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnv = [];

    private const string Valid = "name: a valid scenario\nserver: { host: \"${SMTP_HOST}\", port: \"${SMTP_PORT}\", timeout: 5s }\nsteps: [ehlo, quit]\n";

    private const string ReportBug = "BUG: RunCommand.WriteReports runs after the scenarios and lets the exception from AtomicFile.Write (IOException, DirectoryNotFoundException, FileNotFoundException) escape; System.CommandLine's default handler prints `Unhandled exception: ...` with a stack trace and exits 1, so a passing run (0) and a runtime error (3) both turn into 'an expectation failed', and the console summary is never printed. Check report destinations before any socket opens (exit 2, `error: cannot write the JUnit report to PATH: ...`); if writing still fails after the run, print the summary, then one `error:` line, and exit 3";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smtp-probe-misuse-");

    public void Dispose()
    {
        foreach (var f in _dir.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(f.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        _dir.Delete(recursive: true);
    }

    private string Tmp(string name) => Path.Combine(_dir.FullName, name);

    private string WriteValid(string name = "ok.yaml")
    {
        File.WriteAllText(Tmp(name), Valid);
        return Tmp(name);
    }

    [Fact]
    public async Task When_FlagIsUnknown_ExitIs2() =>
        AssertUsageError(await RunAsync(NoEnv, "run", "--frobnicate", WriteValid()), "unknown-flag");

    [Fact]
    public async Task When_VerbIsUnknown_ExitIs2() =>
        AssertUsageError(await RunAsync(NoEnv, "frobnicate", WriteValid()), "unknown-verb");

    [Fact]
    public async Task When_NoArgumentsAreGiven_ExitIs2() =>
        AssertUsageError(await RunAsync(NoEnv), "no-arguments");

    [Theory]
    [InlineData("run")]
    [InlineData("validate")]
    public async Task When_NoPathIsGiven_ExitIs2(string verb) =>
        AssertUsageError(await RunAsync(NoEnv, verb), $"no-paths-{verb}");

    [Fact]
    public async Task When_FileDoesNotExist_ExitIs2() =>
        AssertUsageError(await RunAsync(NoEnv, "run", Tmp("nope.yaml")), "missing-file");

    [Fact]
    public async Task When_FileIsNotReadable_ExitIs2()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("chmod 000 is a Unix thing");
            return;
        }
        var path = WriteValid("locked.yaml");
        File.SetUnixFileMode(path, UnixFileMode.None);
        Assert.SkipWhen(CanRead(path), "running as root (or with CAP_DAC_OVERRIDE): a chmod 000 file is still readable; /proc/self/mem below covers the read error");

        AssertUsageError(await RunAsync(NoEnv, "validate", path), "unreadable-file");
    }

    /// <summary>A file that fails with an I/O error even for root (EIO on the first read), so the read-error path is covered everywhere.</summary>
    [Fact]
    public async Task When_FileFailsToRead_ExitIs2()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/proc/self/mem"), "needs Linux /proc/self/mem");

        AssertUsageError(await RunAsync(NoEnv, "validate", "/proc/self/mem"), "read-error");
    }

    [Fact]
    public async Task When_FolderHoldsNoScenarios_ExitIs2()
    {
        Directory.CreateDirectory(Tmp("empty"));
        File.WriteAllText(Tmp("empty/notes.txt"), "not a scenario");

        AssertUsageError(await RunAsync(NoEnv, "run", Tmp("empty")), "empty-folder");
    }

    [Fact]
    public async Task When_GlobMatchesNothing_ExitIs2()
    {
        WriteValid();

        AssertUsageError(await RunAsync(NoEnv, "run", Tmp("*.yml")), "glob-matches-nothing");
    }

    [Fact]
    public async Task When_GlobStartsInAFolderThatDoesNotExist_ExitIs2() =>
        AssertUsageError(await RunAsync(NoEnv, "run", Tmp("missing/**/*.yaml")), "glob-missing-folder");

    [Theory]
    [InlineData("=x", "var-no-name")]
    [InlineData("x", "var-no-equals")]
    [InlineData("a b=c", "var-space-in-name")]
    public async Task When_VarIsMalformed_ExitIs2(string value, string golden) =>
        AssertUsageError(await RunAsync(NoEnv, "validate", "--var", value, WriteValid()), golden);

    [Fact]
    public async Task When_VarIsMissingItsValue_ExitIs2() =>
        AssertUsageError(await RunAsync(NoEnv, "validate", WriteValid(), "--var"), "var-missing-value");

    [Fact]
    public async Task When_JUnitFolderCannotBeCreated_ExitIs2AndNothingIsSent()
    {
        File.WriteAllText(Tmp("a-file"), "a file, not a folder");

        var result = await RunAsync(NoEnv, "run", "--var", "SMTP_HOST=127.0.0.1", "--var", "SMTP_PORT=1", "--junit", Tmp("a-file/reports/junit.xml"), WriteValid());

        AssertUsageError(result, "junit-folder-under-a-file");
    }

    [Fact]
    public async Task When_JsonPathIsAFolder_ExitIs2AndNothingIsSent()
    {
        Directory.CreateDirectory(Tmp("report.json"));

        var result = await RunAsync(NoEnv, "run", "--var", "SMTP_HOST=127.0.0.1", "--var", "SMTP_PORT=1", "--json", Tmp("report.json"), WriteValid());

        AssertUsageError(result, "json-path-is-a-folder");
    }

    [Fact]
    public async Task When_JsonFolderIsNotWritable_ExitIs2AndNothingIsSent()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "needs Linux /proc");

        var result = await RunAsync(NoEnv, "run", "--var", "SMTP_HOST=127.0.0.1", "--var", "SMTP_PORT=1", "--json", "/proc/smtp-probe-report.json", WriteValid());

        AssertUsageError(result, "json-unwritable-folder");
    }

    [Fact]
    public async Task When_JUnitPathIsEmpty_ExitIs2AndNothingIsSent() =>
        AssertUsageError(await RunAsync(NoEnv, "run", "--var", "SMTP_HOST=127.0.0.1", "--var", "SMTP_PORT=1", "--junit", "", WriteValid()), "junit-empty-path");

    /// <summary>
    /// Holds before and after the fix of <see cref="ReportBug"/>: a passing run whose report cannot be written
    /// does not exit 0 and leaves no report behind. (Today it exits 1 with a stack trace; see the skipped tests.)
    /// </summary>
    [Fact]
    public async Task When_ReportCannotBeWrittenAfterAPassingRun_TheExitCodeIsNotGreen()
    {
        File.WriteAllText(Tmp("a-file"), "a file, not a folder");

        var result = await RunAsync(NoEnv, "run", "--embedded", "--junit", Tmp("a-file/junit.xml"), WriteValid());

        Assert.True(result.ExitCode != 0, result.All);
        Assert.False(File.Exists(Tmp("a-file/junit.xml")));
    }

    private void AssertUsageError(Outcome result, string golden)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}\n{result.All}");
        var lines = result.Stderr.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.True(l.StartsWith("   = hint: ", StringComparison.Ordinal) || l.StartsWith("error: ", StringComparison.Ordinal), $"not an error or hint line: `{l}`"));
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.All, StringComparison.Ordinal);
        Golden.AssertMatches($"misuse/{golden}.txt", ScrubTemp(result.Stderr));
    }

    private string ScrubTemp(string text) => Scrub(text.Replace(_dir.FullName, "<tmp>", StringComparison.Ordinal));

    private static bool CanRead(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
