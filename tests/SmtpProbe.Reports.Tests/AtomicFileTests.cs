namespace SmtpProbe.Reports.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "smtp-probe-atomic-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Creates_missing_folders_and_writes_the_content()
    {
        var path = Path.Combine(_dir, "reports", "nested", "junit.xml");

        AtomicFile.Write(path, s => s.Write("<testsuites/>"u8));

        Assert.Equal("<testsuites/>", File.ReadAllText(path));
        Assert.Equal(["junit.xml"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Replaces_existing_content_and_leaves_no_temp_file()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "report.json");
        File.WriteAllText(path, "old content that is longer than the new one");

        AtomicFile.Write(path, s => s.Write("new"u8));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["report.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Failed_write_keeps_the_old_report_and_leaves_no_temp_file()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "report.json");
        File.WriteAllText(path, "previous report");

        var ex = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("half a rep"u8);
            throw new InvalidOperationException("disk full");
        }));

        Assert.Equal("disk full", ex.Message);
        Assert.Equal("previous report", File.ReadAllText(path));
        Assert.Equal(["report.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Relative_path_is_written_relative_to_the_current_folder()
    {
        Directory.CreateDirectory(_dir);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_dir, "out", "r.txt"));

        AtomicFile.Write(relative, s => s.Write("x"u8));

        Assert.Equal("x", File.ReadAllText(Path.Combine(_dir, "out", "r.txt")));
    }

    [Fact]
    public void Real_report_written_atomically_is_complete()
    {
        var path = Path.Combine(_dir, "junit.xml");

        AtomicFile.Write(path, s => JUnitReport.Write(Fixtures.Sample(), s));

        Validation.AssertValidJUnit(File.ReadAllText(path));
    }
}
