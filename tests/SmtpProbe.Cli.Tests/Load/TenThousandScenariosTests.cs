using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SmtpProbe.Core.Reading;
using SmtpProbe.Core.Results;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Core.Text;
using SmtpProbe.Smtp.Embedded;
using SmtpProbe.Smtp.Running;

namespace SmtpProbe.Cli.Tests.Load;

/// <summary>Runs alone (after the parallel tests): file-descriptor and memory figures mean nothing with neighbours.</summary>
[CollectionDefinition(nameof(LoadCollection), DisableParallelization = true)]
public sealed class LoadCollection;

/// <summary>
/// 10,000 scenarios of one file against the embedded server over real loopback TCP: every one is reported
/// with the right outcome, no socket is left open, and memory stays bounded (and returns once the results go).
/// </summary>
[Collection(nameof(LoadCollection))]
public class TenThousandScenariosTests(ITestOutputHelper output)
{
    private const int Count = 10_000;

    private enum Kind { Pass, Fail, Refused }

    // 89% a plain EHLO/MAIL/RCPT/QUIT that passes, 10% a RCPT the server refuses (550 vs expected 250), 1% a closed port.
    private static Kind KindOf(int i) => (i % 100) switch
    {
        99 => Kind.Refused,
        var r when r % 10 == 5 => Kind.Fail,
        _ => Kind.Pass,
    };

    [Fact]
    public async Task When_TenThousandScenariosRun_EveryOneIsReported_NoDescriptorLeaks_AndMemoryStaysBounded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await EmbeddedSmtpServer.StartAsync(new EmbeddedServerOptions(), ct);
        var closedPort = ClosedPort();

        var yaml = BuildYaml(server.MxPort, closedPort);
        var bindWatch = Stopwatch.StartNew();
        var (file, diagnostics) = ScenarioBinder.Bind(new SourceText("load.yaml", yaml), Variables.Empty);
        bindWatch.Stop();
        Assert.True(file is not null, string.Join("\n", diagnostics.Select(SmtpProbe.Core.Diagnostics.DiagnosticRenderer.Render)));
        Assert.Equal(Count, file.Scenarios.Count);

        // Baselines once everything long-lived exists (server, listeners, certificates, JIT, and the assemblies the
        // first connect error maps for its stack trace): one warm-up scenario of each kind.
        foreach (var (index, outcome) in new[] { (0, Outcome.Passed), (5, Outcome.Failed), (99, Outcome.Error) })
        {
            var warmup = await new ScenarioRunner(TimeProvider.System).RunAsync(file, file.Scenarios[index], ct);
            Assert.True(warmup.Outcome == outcome, $"warm-up s{index}: {warmup.Outcome} {warmup.Message}");
        }
        await Task.Yield();
        var fdBefore = OpenDescriptors();
        var targetsBefore = DescriptorTargets();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetBefore = Environment.WorkingSet;

        // A fire-and-forget task of smtp-probe's that faults unobserved would surface here once finalized.
        var unobserved = new System.Collections.Concurrent.ConcurrentQueue<string>();
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, e) => unobserved.Enqueue(e.Exception.ToString());
        TaskScheduler.UnobservedTaskException += onUnobserved;
        // The results live only inside RunAndVerifyAsync: once it returns, whatever is still reachable was kept by smtp-probe.
        var measured = await RunAndVerifyAsync(file, heapBefore, workingSetBefore, ct);
        // This continuation ran inline on the stack of the code that completed the run (ProbeRun's frames still hold
        // the results there); leave that stack before measuring what is really still reachable.
        await Task.Yield();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        TaskScheduler.UnobservedTaskException -= onUnobserved;
        var fdAfter = OpenDescriptors();
        var targetsAfter = DescriptorTargets();
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetAfter = Environment.WorkingSet;
        var figures = string.Join("\n",
            $"scenarios: {Count:N0} ({Count - (Count / 100) - (Count / 10):N0} pass, {Count / 10:N0} fail, {Count / 100:N0} connect errors)",
            $"bind: {bindWatch.Elapsed.TotalSeconds:0.00} s for {yaml.Length:N0} characters of YAML",
            $"run: {measured.Elapsed.TotalSeconds:0.00} s ({measured.Elapsed.TotalMilliseconds / Count:0.000} ms per scenario) on {Environment.ProcessorCount} cores",
            $"file descriptors: {fdBefore} before, {fdAfter} after, of which sockets {targetsBefore.Values.Count(t => t.StartsWith("socket:", StringComparison.Ordinal))} before, {targetsAfter.Values.Count(t => t.StartsWith("socket:", StringComparison.Ordinal))} after (new: {Describe(targetsAfter, targetsBefore)}; gone: {Describe(targetsBefore, targetsAfter)})",
            $"managed heap: {Mib(heapBefore)} before, {Mib(measured.PeakHeap)} peak (sampled every 50 ms), {Mib(measured.HeapWithResults)} holding the 10,000 results ({(measured.HeapWithResults - heapBefore) / Count:N0} bytes each), {Mib(heapAfter)} after dropping them",
            $"working set: {Mib(workingSetBefore)} before, {Mib(measured.PeakWorkingSet)} peak, {Mib(workingSetAfter)} after");
        output.WriteLine(figures);
        if (Environment.GetEnvironmentVariable("SMTP_PROBE_LOAD_FIGURES") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, figures + "\n", ct);
        }

        // No leaks: every connection's socket is closed (a few in-flight server-side closes are tolerated), and
        // nothing else piles up (a lazily loaded assembly or two may appear).
        var socketsBefore = targetsBefore.Values.Count(t => t.StartsWith("socket:", StringComparison.Ordinal));
        var socketsAfter = targetsAfter.Values.Count(t => t.StartsWith("socket:", StringComparison.Ordinal));
        Assert.True(socketsAfter <= socketsBefore + 4, $"sockets: {socketsBefore} before, {socketsAfter} after\n{figures}");
        Assert.True(fdAfter <= fdBefore + 16, $"file descriptors: {fdBefore} before, {fdAfter} after\n{figures}");
        Assert.True(unobserved.IsEmpty, $"{unobserved.Count} unobserved task exceptions, first: {unobserved.FirstOrDefault()}");
        // Memory returns once the results are gone, and never grew out of bounds while running.
        Assert.True(heapAfter - heapBefore < 32L << 20, $"managed heap grew by {Mib(heapAfter - heapBefore)} and stayed\n{figures}");
        Assert.True(measured.PeakHeap - heapBefore < 512L << 20, $"managed heap peaked {Mib(measured.PeakHeap - heapBefore)} above its start\n{figures}");
        Assert.True(measured.PeakWorkingSet < 2L << 30, $"working set peaked at {Mib(measured.PeakWorkingSet)}\n{figures}");
    }

    private sealed record Measured(TimeSpan Elapsed, long PeakHeap, long PeakWorkingSet, long HeapWithResults);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<Measured> RunAndVerifyAsync(ScenarioFile file, long heapBefore, long workingSetBefore, CancellationToken ct)
    {
        long peakWorkingSet = workingSetBefore, peakHeap = heapBefore;
        void Sample()
        {
            var ws = Environment.WorkingSet;
            var heap = GC.GetTotalMemory(forceFullCollection: false);
            InterlockedMax(ref peakWorkingSet, ws);
            InterlockedMax(ref peakHeap, heap);
        }
        var watch = Stopwatch.StartNew();
        RunResult run;
        using (new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(50)))
        {
            run = await ProbeRun.RunAsync([file], new ScenarioRunner(TimeProvider.System), TimeProvider.System, ct);
        }
        watch.Stop();
        Sample();

        // Every scenario, in order, with the outcome its kind implies.
        var results = run.Scenarios.ToList();
        Assert.Equal(Count, results.Count);
        var wrong = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            var r = results[i];
            var expectedName = $"s{i}";
            var ok = KindOf(i) switch
            {
                Kind.Pass => r.Outcome == Outcome.Passed && r.Steps.All(s => s.Outcome == Outcome.Passed),
                Kind.Fail => r.Outcome == Outcome.Failed && r.ErrorKind == ErrorKind.None
                    && r.Steps.First(s => s.Outcome == Outcome.Failed).Kind == "rcpt_to"
                    && r.Message!.Contains("expected code 250 or 251, got 550", StringComparison.Ordinal),
                Kind.Refused => r.Outcome == Outcome.Error && r.ErrorKind == ErrorKind.Connect
                    && r.Message!.Contains("connection refused", StringComparison.Ordinal),
                _ => false,
            };
            if (!ok || r.Name != expectedName)
            {
                wrong.Add($"{expectedName} ({KindOf(i)}): {r.Name} {r.Outcome}/{r.ErrorKind}: {r.Message}");
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} scenarios misreported, first: {string.Join("\n", wrong.Take(5))}");
        Assert.Equal(Count - (Count / 100) - (Count / 10), results.Count(r => r.Outcome == Outcome.Passed));

        var heapWithResults = GC.GetTotalMemory(forceFullCollection: true);
        return new Measured(watch.Elapsed, peakHeap, peakWorkingSet, heapWithResults);
    }

    private static string BuildYaml(int port, int closedPort)
    {
        var sb = new StringBuilder(Count * 64);
        sb.Append(CultureInfo.InvariantCulture, $"server: {{ host: 127.0.0.1, port: {port}, timeout: 10s }}\n");
        sb.Append("helo: probe.example.net\n");
        sb.Append("envelope: { from: probe@example.net, to: postmaster@example.test }\n");
        sb.Append("scenarios:\n");
        for (var i = 0; i < Count; i++)
        {
            sb.Append(KindOf(i) switch
            {
                Kind.Pass => string.Create(CultureInfo.InvariantCulture, $"  - {{ name: s{i}, steps: [ehlo, mail_from, rcpt_to, quit] }}\n"),
                Kind.Fail => string.Create(CultureInfo.InvariantCulture, $"  - {{ name: s{i}, steps: [ehlo, mail_from, {{ rcpt_to: nobody@example.test }}, quit] }}\n"),
                _ => string.Create(CultureInfo.InvariantCulture, $"  - {{ name: s{i}, server: {{ port: {closedPort} }}, steps: [ehlo, quit] }}\n"),
            });
        }
        return sb.ToString();
    }

    /// <summary>A loopback port nobody listens on: bound, then released (the kernel will not hand it out again soon).</summary>
    private static int ClosedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>What each open descriptor points at ("socket:[123]", "anon_inode:[eventpoll]", a path), by fd number.</summary>
    private static Dictionary<string, string> DescriptorTargets()
    {
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                targets[Path.GetFileName(fd)] = new FileInfo(fd).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                // Closed between listing and reading: it is not open any more.
            }
        }
        return targets;
    }

    private static string Describe(Dictionary<string, string> these, Dictionary<string, string> notIn)
    {
        var kinds = these.Where(t => !notIn.TryGetValue(t.Key, out var v) || v != t.Value)
            .GroupBy(t => t.Value.StartsWith("socket:", StringComparison.Ordinal) ? "socket" : t.Value)
            .Select(g => $"{g.Count()} {g.Key}")
            .ToList();
        return kinds.Count == 0 ? "none" : string.Join(", ", kinds);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):0.0} MiB";
}
