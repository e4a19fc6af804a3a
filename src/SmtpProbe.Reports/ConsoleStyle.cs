namespace SmtpProbe.Reports;

/// <summary>How the console report is rendered. <see cref="Color"/> turns on ANSI colours; the CLI decides (TTY, NO_COLOR, --color).</summary>
public readonly record struct ConsoleStyle(bool Color)
{
    public static ConsoleStyle Plain => new(false);

    public static ConsoleStyle Colored => new(true);
}
