using System.Text.RegularExpressions;
using SmtpProbe.Testing;

namespace SmtpProbe.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output and a controlled environment.</summary>
internal static partial class CliHarness
{
    public static string Root { get; } = Golden.RepoRoot();

    public static string Samples => Path.Combine(Root, "samples");

    public static string Scenarios => Path.Combine(Golden.FindProjectDir(ThisFile()), "scenarios");

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + "\n" + Stderr;
    }

    public static async Task<Outcome> RunAsync(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr, name => env is not null && env.TryGetValue(name, out var v) ? v : null);
        return new Outcome(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>User-visible text minus what changes run to run: timings, ports, the checkout's location.</summary>
    public static string Scrub(string text)
    {
        text = text.Replace(Root + "/", "", StringComparison.Ordinal);
        text = MsRegex().Replace(text, "(# ms)");
        text = SecondsRegex().Replace(text, "(# s)");
        text = PortRegex().Replace(text, "127.0.0.1:#");
        text = EmbeddedRegex().Replace(text, "embedded SMTP server on 127.0.0.1: #");
        return text;
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    [GeneratedRegex(@"\(\d+ ms\)")]
    private static partial Regex MsRegex();

    [GeneratedRegex(@"\(\d+\.\d+ s\)")]
    private static partial Regex SecondsRegex();

    [GeneratedRegex(@"127\.0\.0\.1:\d+")]
    private static partial Regex PortRegex();

    [GeneratedRegex(@"embedded SMTP server on 127\.0\.0\.1: .*")]
    private static partial Regex EmbeddedRegex();
}
