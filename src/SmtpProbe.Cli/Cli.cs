using System.CommandLine;
using SmtpProbe.Cli.Commands;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Evaluation;

namespace SmtpProbe.Cli;

/// <summary>Verbs and options; each verb's work is in Commands/. Never prompts.</summary>
public static class Cli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, TimeProvider? time = null)
    {
        var paths = new Argument<string[]>("paths") { Arity = ArgumentArity.OneOrMore, Description = "Scenario files, folders (searched for *.yaml/*.yml) or globs" };
        var vars = new Option<string[]>("--var") { Description = "Set a variable: NAME=VALUE (repeatable); scenarios use it as ${NAME}", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report to FILE" };
        var json = new Option<string?>("--json") { Description = "Write a JSON report to FILE ('-' for standard output)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the redacted live transcript (C:/S: lines) to standard error" };
        var noColor = new Option<bool>("--no-color") { Description = "No ANSI colors (also when NO_COLOR is set or output is not a terminal)" };
        var embedded = new Option<bool>("--embedded") { Description = "Start smtp-probe's own SMTP server on loopback and point the scenarios' variables at it (SMTP_HOST, SMTP_PORT, SUBMISSION_PORT, SMTPS_PORT, SMTP_CA_FILE, SMTP_USER, SMTP_PASSWORD)" };

        var run = new Command("run", "Run scenarios and report: exit 0 passed, 1 an expectation failed, 2 invalid input, 3 runtime error")
        {
            paths, vars, junit, json, verbose, noColor, embedded,
        };
        run.SetAction((result, ct) => new RunCommand(stdout, stderr, environment, time ?? TimeProvider.System).ExecuteAsync(new RunCommand.Options(
            result.GetValue(paths) ?? [],
            result.GetValue(vars) ?? [],
            result.GetValue(junit),
            result.GetValue(json),
            result.GetValue(verbose),
            result.GetValue(noColor),
            result.GetValue(embedded)), ct));

        var validatePaths = new Argument<string[]>("paths") { Arity = ArgumentArity.OneOrMore, Description = "Scenario files, folders or globs" };
        var validateVars = new Option<string[]>("--var") { Description = "Set a variable: NAME=VALUE (repeatable)", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var validate = new Command("validate", "Read and check scenarios without opening any connection; prints every diagnostic")
        {
            validatePaths, validateVars,
        };
        validate.SetAction((result, _) => Task.FromResult(new ValidateCommand(stdout, stderr, environment).Execute(
            result.GetValue(validatePaths) ?? [], result.GetValue(validateVars) ?? [])));

        var servePort = new Option<int>("--port") { Description = "Port of the plain/STARTTLS listener (submission and implicit TLS use the next two); 0 picks free ports", DefaultValueFactory = _ => 0 };
        var serve = new Command("serve", "Run the embedded SMTP server on loopback until interrupted (for trying scenarios by hand)")
        {
            servePort,
        };
        serve.SetAction((result, ct) => new ServeCommand(stdout).ExecuteAsync(result.GetValue(servePort), ct));

        var root = new RootCommand("smtp-probe: SMTP checks as code. Runs YAML scenarios against mail servers and reports JUnit, JSON and a console summary.")
        {
            run, validate, serve,
        };
        var parsed = root.Parse(args);
        var verbs = new[] { "run", "validate", "serve" };
        if (args.Length > 0 && !args[0].StartsWith('-') && !verbs.Contains(args[0]))
        {
            // One clear message for a mistyped verb, instead of the parser's three.
            await stderr.WriteLineAsync($"error: unknown command `{args[0]}`").ConfigureAwait(false);
            await stderr.WriteLineAsync($"   = hint: {Suggestions.Hint(args[0], verbs)}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        // A token like `--jsno` would otherwise be taken as a scenario path: report it as the option it meant to be.
        var known = parsed.CommandResult.Command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Concat(["--help", "-h", "-?", "--"]).ToHashSet(StringComparer.Ordinal);
        var unknown = args.Skip(1).FirstOrDefault(a => a.StartsWith('-') && a.Length > 1 && !known.Contains(a.Split('=')[0]) && !File.Exists(a) && !Directory.Exists(a));
        if (unknown is not null && !args.Skip(1).TakeWhile(a => a != unknown).Any(a => a == "--"))
        {
            await stderr.WriteLineAsync($"error: unknown option `{unknown}`").ConfigureAwait(false);
            await stderr.WriteLineAsync($"   = hint: {Suggestions.DidYouMean(unknown, known.Where(k => k.StartsWith("--", StringComparison.Ordinal))) ?? $"run `smtp-probe {parsed.CommandResult.Command.Name} --help`"}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await stderr.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }
            await stderr.WriteLineAsync($"   = hint: run `smtp-probe {(parsed.CommandResult.Command is RootCommand ? "" : parsed.CommandResult.Command.Name + " ")}--help`").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }).ConfigureAwait(false);
    }
}
