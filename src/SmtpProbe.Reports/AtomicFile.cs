namespace SmtpProbe.Reports;

/// <summary>
/// Writes a report file all-or-nothing: into a temp file beside the target, then renamed over it, so a crash,
/// a kill or a full disk never leaves CI reading half a report. ("-" for stdout is the CLI's business, not this.)
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);

        var target = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' has no parent folder", nameof(path));
        Directory.CreateDirectory(folder);
        // Same folder as the target: a rename is only atomic within one file system.
        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                // Data must be on disk before the rename publishes it, or a power cut can leave an empty file under the real name.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            // Only still there when writing or renaming failed.
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
