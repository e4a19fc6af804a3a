using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Reading;

namespace SmtpProbe.Core.Tests.Properties;

/// <summary>
/// Inputs too big, too deep or too binary to commit to bad/: generated into a temp folder, loaded through
/// <see cref="ScenarioLoader.Load"/>, and held to what a user must get (one clean diagnostic with a position,
/// no exception text) and to a budget: each load under 1 s and under 100 MiB allocated on the loading thread.
/// The budget is not a benchmark; it catches a reader that slurps, recurses or expands what it should refuse.
/// </summary>
// Time budgets measure the loader, not its neighbours: this class runs alone, after the parallel tests.
[Collection(nameof(RunsAlone))]
public sealed class PathologicalInputTests(ITestOutputHelper output) : IDisposable
{
    private const long MaxAllocatedBytes = 100L * 1024 * 1024;
    private static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(1);
    private const string Head = "name: pathological\nserver: { host: mx.example.test }\n";

    private readonly TestFiles.TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Every generated input, by name; each writes its file and returns the diagnostic message expected first.</summary>
    private static readonly Dictionary<string, Func<string, (string File, string Message)>> Inputs = new(StringComparer.Ordinal)
    {
        ["binary-random-bytes"] = dir => (WriteBytes(dir, "binary.yaml", RandomBytes(64 * 1024, seed: 7)), "this is not a UTF-8 text file"),
        ["binary-utf8-with-nul"] = dir => (WriteBytes(dir, "nul.yaml", [.. Encoding.UTF8.GetBytes(Head), 0, 0, 0, (byte)'\n', .. Encoding.UTF8.GetBytes("steps: [ehlo]\n")]),
            "this is not a text file (it contains NUL bytes)"),
        ["utf16-with-bom"] = dir => (WriteBytes(dir, "utf16.yaml", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Head + "steps: [ehlo]\n")]),
            "this is not a UTF-8 text file"),
        ["flow-nesting-1000-unclosed"] = dir => (WriteText(dir, "deep.yaml", Head + "steps: " + new string('[', 1000) + "\n"), "invalid YAML: nesting deeper than 32 levels"),
        ["flow-nesting-1000-closed"] = dir => (WriteText(dir, "deep-closed.yaml", Head + "steps: " + new string('[', 1000) + new string(']', 1000) + "\n"), "invalid YAML: nesting deeper than 32 levels"),
        ["block-sequence-nesting-1000"] = dir => (WriteText(dir, "deep-block.yaml", Head + "steps:\n  " + string.Concat(Enumerable.Repeat("- ", 1000)) + "ehlo\n"), "invalid YAML: nesting deeper than 32 levels"),
        ["billion-laughs-12-levels"] = dir => (WriteText(dir, "laughs.yaml", BillionLaughs(12)), "invalid YAML: anchors (`&l0`) and aliases are not supported in scenarios"),
        ["alias-without-anchor"] = dir => (WriteText(dir, "alias.yaml", Head + "steps: *nowhere\n"), "invalid YAML: aliases (`*name`) are not supported in scenarios"),
        ["scalar-1MiB-over-limit"] = dir => (WriteText(dir, "long-over.yaml", Head + "description: " + new string('x', 1 << 20) + "\n"), "scenario file is too large"),
        ["scalar-1MB-bad-port"] = dir => (WriteText(dir, "long-port.yaml", "name: long\nserver: { host: mx.example.test, port: " + new string('9', 1_000_000) + " }\nsteps: [ehlo]\n"), "`server.port` must be between 1 and 65535"),
        ["unknown-keys-60000"] = dir => (WriteText(dir, "many-keys.yaml", Head + "steps: [ehlo]\n" + string.Concat(Enumerable.Range(0, 60_000).Select(i => $"k{i:D6}: v\n"))), "unknown key `k000000` in a scenario"),
        ["file-100MiB"] = dir => (Write100MiB(dir), "scenario file is too large"),
    };

    /// <summary>Rows whose budget assertion fails because of a bug in src; the reason says which.</summary>
    private static readonly Dictionary<string, string> BudgetKnownBugs = new(StringComparer.Ordinal)
    {

    };

    public static IEnumerable<TheoryDataRow<string>> Names() =>
        Inputs.Keys.Select(n => new TheoryDataRow<string>(n));

    public static IEnumerable<TheoryDataRow<string>> BudgetNames() =>
        Inputs.Keys.Select(n => new TheoryDataRow<string>(n) { Skip = BudgetKnownBugs.GetValueOrDefault(n) });

    [Theory]
    [MemberData(nameof(Names))]
    public void When_InputIsPathological_CleanDiagnosticsWithPositionsComeBack(string name)
    {
        var (file, message) = Inputs[name](_dir.Path);

        var (loaded, _, _) = Measure(file);

        Assert.Empty(loaded.Files);
        Assert.Empty(loaded.UsageErrors);
        Assert.NotEmpty(loaded.Diagnostics);
        var first = loaded.Diagnostics[0];
        Assert.All(loaded.Diagnostics, d => Assert.Equal(Severity.Error, d.Severity));
        Assert.StartsWith(message, first.Message, StringComparison.Ordinal);
        var position = new Regex($@"--> {Regex.Escape(Path.GetFileName(file))}:\d+:\d+\n");
        foreach (var rendered in loaded.Diagnostics.Take(3).Select(DiagnosticRenderer.Render))
        {
            Assert.Matches(position, rendered);
            Assert.DoesNotContain("Exception", rendered, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", rendered, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(BudgetNames))]
    public void When_InputIsPathological_LoadingStaysWithinOneSecondAnd100MiB(string name)
    {
        var (file, _) = Inputs[name](_dir.Path);

        var (loaded, elapsed, allocated) = Measure(file);

        output.WriteLine($"{name}: {new FileInfo(file).Length:N0} bytes on disk, {elapsed.TotalMilliseconds:N1} ms, {allocated / 1024.0 / 1024.0:N1} MiB allocated, {loaded.Diagnostics.Count} diagnostic(s)");
        Assert.True(elapsed < MaxTime, $"{name}: loading took {elapsed.TotalMilliseconds:N0} ms of CPU");
        Assert.True(allocated < MaxAllocatedBytes, $"{name}: loading allocated {allocated:N0} bytes");
    }

    /// <summary>One diagnostic per mistake is right, but a single 1 MB line must not paste megabytes into the terminal.</summary>
    [Fact]
    public void When_MistakeSitsOnAOneMegabyteLine_TheRenderedDiagnosticStaysShort()
    {
        var (file, _) = Inputs["scalar-1MB-bad-port"](_dir.Path);

        var loaded = ScenarioLoader.Load([file], Variables.Empty, relativeTo: _dir.Path);

        var rendered = DiagnosticRenderer.Render(Assert.Single(loaded.Diagnostics));
        Assert.True(rendered.Length < 1000, $"the diagnostic is {rendered.Length:N0} characters long");
    }

    /// <summary>
    /// `${file:PATH}` reads whatever PATH names. A FIFO blocks the read forever (and /dev/zero or /dev/urandom
    /// would read until memory runs out, so they are not tried here). The guard below only waits in the bug case,
    /// and then opens the FIFO for writing so the blocked read ends and nothing is left running.
    /// </summary>
    [Fact]
    public async Task When_FileReferenceNamesAFifo_LoadingReturnsADiagnosticInsteadOfBlocking()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "FIFOs are a Unix thing");
        var fifo = Path.Combine(_dir.Path, "secret.fifo");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }
        var scenario = WriteText(_dir.Path, "fifo.yaml", "name: fifo\nserver: { host: mx.example.test, port: 465 }\ntls: { mode: implicit }\nauth: { username: probe, password: \"${file:secret.fifo}\" }\nsteps: [ehlo, auth, quit]\n");

        var load = Task.Run(() => ScenarioLoader.Load([scenario], Variables.Empty, relativeTo: _dir.Path), TestContext.Current.CancellationToken);
        var returned = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)) == load;
        if (!returned)
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
            }
        }
        var loaded = await load;

        Assert.True(returned, "loading a scenario that reads a FIFO through ${file:...} blocked");
        Assert.Contains(loaded.Diagnostics, d => d.Severity == Severity.Error && d.Message.Contains("secret.fifo", StringComparison.Ordinal));
    }

    [Fact]
    public void When_SampleStartsWithAUtf8Bom_ItLoadsExactlyAsWithout()
    {
        foreach (var sample in Directory.GetFiles(Path.Combine(TestFiles.RepoRoot(), "samples"), "*.yaml"))
        {
            var plain = File.ReadAllBytes(sample);
            var withBom = WriteBytes(_dir.Path, "bom-" + Path.GetFileName(sample), [0xEF, 0xBB, 0xBF, .. plain]);
            var withoutBom = WriteBytes(_dir.Path, "plain-" + Path.GetFileName(sample), plain);

            var a = ScenarioLoader.Load([withBom], TestFiles.SampleVariables(), relativeTo: _dir.Path);
            var b = ScenarioLoader.Load([withoutBom], TestFiles.SampleVariables(), relativeTo: _dir.Path);

            Assert.Empty(b.Diagnostics);
            Assert.NotEmpty(b.Files);
            Assert.Equal(b.Diagnostics.Select(d => d.Message), a.Diagnostics.Select(d => d.Message));
            Assert.Equal(b.Files.SelectMany(f => f.Scenarios).Select(s => (s.Name, s.Span.Start)), a.Files.SelectMany(f => f.Scenarios).Select(s => (s.Name, s.Span.Start)));
        }
    }

    [Fact]
    public void When_FileWithABomHasAMistake_ItsColumnIsNotShiftedByTheBom()
    {
        var path = WriteBytes(_dir.Path, "bom-typo.yaml", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("name: x\nserver: { hots: mx.example.test }\nsteps: [ehlo]\n")]);

        var loaded = ScenarioLoader.Load([path], Variables.Empty, relativeTo: _dir.Path);

        var d = loaded.Diagnostics[0];
        Assert.Equal("unknown key `hots` in `server`", d.Message);
        Assert.Equal("bom-typo.yaml:2:11", $"{d.Span.File}:{d.Span.Start.Line}:{d.Span.Start.Column}");
    }

    private (ScenarioLoader.LoadResult Loaded, TimeSpan Elapsed, long Allocated) Measure(string file)
    {
        // Warm the reader once so the budget measures the input, not the JIT.
        ScenarioLoader.Load([WriteText(_dir.Path, "warm.yaml", Head + "stepz: [ehlo]\n")], Variables.Empty, relativeTo: _dir.Path);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var cpuBefore = ThreadCpuTime();
        var sw = Stopwatch.StartNew();
        var loaded = ScenarioLoader.Load([file], Variables.Empty, relativeTo: _dir.Path);
        sw.Stop();
        // The budget is the loader's own work: on Linux, this thread's CPU time, which other test
        // processes sharing the cores cannot inflate (wall time elsewhere).
        var cpu = ThreadCpuTime() - cpuBefore;
        return (loaded, cpu ?? sw.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>utime + stime of the calling thread from /proc/thread-self/stat (clock ticks of 10 ms); null off Linux.</summary>
    private static TimeSpan? ThreadCpuTime()
    {
        const string stat = "/proc/thread-self/stat";
        if (!File.Exists(stat))
        {
            return null;
        }
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static string BillionLaughs(int levels)
    {
        var sb = new StringBuilder(Head);
        sb.Append("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < levels; i++)
        {
            sb.Append($"l{i}: &l{i} [").Append(string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))).Append("]\n");
        }
        return sb.Append($"steps: *l{levels - 1}\n").ToString();
    }

    /// <summary>100 MiB of valid UTF-8 YAML (a scenario followed by comment lines), written in 1 MiB blocks.</summary>
    private static string Write100MiB(string dir)
    {
        var path = Path.Combine(dir, "huge.yaml");
        var block = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("# " + new string('x', 1021) + "\n", 1024)));
        using var stream = File.Create(path);
        var head = Encoding.UTF8.GetBytes(Head + "steps: [ehlo]\n");
        stream.Write(head);
        for (var i = 0; i < 100; i++)
        {
            stream.Write(block);
        }
        stream.SetLength(100L * 1024 * 1024);
        return path;
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string WriteBytes(string dir, string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string WriteText(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }
}

[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;
