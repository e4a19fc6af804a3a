using System.Diagnostics;
using SmtpProbe.Core.Reading;

namespace SmtpProbe.Core.Tests;

/// <summary>ScenarioLoader: file limits, encodings, path expansion and display paths.</summary>
public sealed class LoaderTests
{
    private const string Minimal = "name: minimal\nserver: { host: mx.example.test }\nsteps: [ehlo, quit]\n";

    [Fact]
    public void When_FileIsTwoMegabytes_OneDiagnosticComesQuickly()
    {
        using var dir = new TestFiles.TempDir();
        var path = dir.Write("big.yaml", "name: big\nbody: \"" + new string('x', 2 * 1024 * 1024) + "\"\n");
        var sw = Stopwatch.StartNew();

        var loaded = ScenarioLoader.Load([path], Variables.Empty, relativeTo: dir.Path);

        sw.Stop();
        Assert.Empty(loaded.Files);
        var d = Assert.Single(loaded.Diagnostics);
        Assert.Equal($"scenario file is too large ({new FileInfo(path).Length} bytes)", d.Message);
        Assert.Equal("big.yaml", d.Span.File);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
    }

    [Fact]
    public void When_FileIsNotUtf8_ItIsReportedAsNotText()
    {
        using var dir = new TestFiles.TempDir();
        var path = Path.Combine(dir.Path, "latin1.yaml");
        File.WriteAllBytes(path, [.. "name: caf"u8, 0xE9, (byte)'\n']);

        var loaded = ScenarioLoader.Load([path], Variables.Empty, relativeTo: dir.Path);

        Assert.Equal("this is not a UTF-8 text file", Assert.Single(loaded.Diagnostics).Message);
    }

    [Fact]
    public void When_FileStartsWithABom_ItLoads()
    {
        using var dir = new TestFiles.TempDir();
        var path = dir.Write("bom.yaml", "\uFEFF" + Minimal);

        var loaded = ScenarioLoader.Load([path], Variables.Empty, relativeTo: dir.Path);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal("minimal", Assert.Single(Assert.Single(loaded.Files).Scenarios).Name);
    }

    [Fact]
    public void When_PathDoesNotExist_ItIsAUsageErrorNotADiagnostic()
    {
        using var dir = new TestFiles.TempDir();

        var loaded = ScenarioLoader.Load([Path.Combine(dir.Path, "nope.yaml")], Variables.Empty, relativeTo: dir.Path);

        Assert.Empty(loaded.Diagnostics);
        Assert.StartsWith("no such file or folder: ", Assert.Single(loaded.UsageErrors), StringComparison.Ordinal);
    }

    [Fact]
    public void When_FolderIsGiven_ScenarioFilesLoadRecursivelyInOrdinalOrder()
    {
        using var dir = new TestFiles.TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));
        dir.Write("b.yaml", Minimal.Replace("minimal", "b", StringComparison.Ordinal));
        dir.Write("A.yml", Minimal.Replace("minimal", "A", StringComparison.Ordinal));
        dir.Write(Path.Combine("sub", "c.yaml"), Minimal.Replace("minimal", "c", StringComparison.Ordinal));
        dir.Write("notes.txt", "not a scenario");

        var loaded = ScenarioLoader.Load([dir.Path], Variables.Empty, relativeTo: dir.Path);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal(["A.yml", "b.yaml", "sub/c.yaml"], loaded.Files.Select(f => f.Path));
    }

    [Fact]
    public void When_GlobIsGiven_OnlyMatchingScenarioFilesLoad()
    {
        using var dir = new TestFiles.TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));
        dir.Write("a.yaml", Minimal);
        dir.Write(Path.Combine("sub", "b.yaml"), Minimal);

        var loaded = ScenarioLoader.Load([Path.Combine(dir.Path, "**", "*.yaml")], Variables.Empty, relativeTo: dir.Path);

        Assert.Equal(["a.yaml", "sub/b.yaml"], loaded.Files.Select(f => f.Path));
    }

    [Fact]
    public void When_FileIsOutsideTheBaseFolder_ItIsShownWithItsFullPath()
    {
        using var dir = new TestFiles.TempDir();
        var path = dir.Write("x.yaml", Minimal);

        Assert.Equal(path, ScenarioLoader.Display(path, Path.Combine(dir.Path, "elsewhere")));
        Assert.Equal("x.yaml", ScenarioLoader.Display(path, dir.Path));
    }

    [Fact]
    public void When_RelativeToIsNotTheWorkingFolder_FileReferencesResolveBesideTheScenario()
    {
        using var dir = new TestFiles.TempDir();
        dir.Write("password.txt", "s3cret\n");
        var path = dir.Write("auth.yaml", """
            name: file reference
            server: { host: mx.example.test, port: 465 }
            tls: { mode: implicit }
            auth: { username: probe, password: "${file:password.txt}" }
            steps: [ehlo, auth, quit]
            """);

        var loaded = ScenarioLoader.Load([path], Variables.Empty, relativeTo: dir.Path);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal("s3cret", Assert.Single(Assert.Single(loaded.Files).Scenarios).Auth!.Password.Value);
    }
}
