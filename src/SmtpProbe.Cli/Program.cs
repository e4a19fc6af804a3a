using SmtpProbe.Cli;

// Entry point: System.CommandLine wiring lives in Cli.cs; this file only hands over the arguments.
return await Cli.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable).ConfigureAwait(false);
