using System.Text;
using System.Text.RegularExpressions;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Reading;

/// <summary>Turns command-line paths (files, folders, globs) into bound scenario files, in a stable order.</summary>
public static class ScenarioLoader
{
    public sealed record LoadResult(IReadOnlyList<ScenarioFile> Files, IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> UsageErrors);

    public static LoadResult Load(IReadOnlyList<string> paths, Variables variables, string? relativeTo = null)
    {
        var usage = new List<string>();
        var files = Expand(paths, usage);
        if (usage.Count == 0 && files.Count == 0)
        {
            usage.Add($"no scenario files (*.yaml, *.yml) found in {string.Join(", ", paths)}");
        }
        var bound = new List<ScenarioFile>();
        var diagnostics = new List<Diagnostic>();
        foreach (var path in files)
        {
            var shown = Display(path, relativeTo);
            string text;
            try
            {
                // Check the size before reading: a 100 MB file must cost nothing.
                var length = new FileInfo(path).Length;
                if (length > YamlTreeReader.MaxBytes)
                {
                    var source = new SourceText(shown, string.Empty);
                    diagnostics.Add(Diagnostic.Error(source, source.Start, $"scenario file is too large ({length} bytes)", $"a scenario file may hold at most {YamlTreeReader.MaxBytes} bytes"));
                    continue;
                }
                var bytes = File.ReadAllBytes(path);
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                var source = new SourceText(shown, string.Empty);
                diagnostics.Add(Diagnostic.Error(source, source.Start, "this is not a UTF-8 text file", "a scenario is a UTF-8 YAML file"));
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                usage.Add($"cannot read {shown}: {e.Message}");
                continue;
            }
            var (file, fileDiagnostics) = ScenarioBinder.Bind(new SourceText(shown, text.TrimStart('\uFEFF'), path), variables);
            diagnostics.AddRange(fileDiagnostics);
            if (file is not null)
            {
                bound.Add(file);
            }
        }
        return new LoadResult(bound, diagnostics, usage);
    }

    /// <summary>Files as given; folders recursively; `*`, `**` and `?` globs. Sorted ordinally, duplicates removed.</summary>
    public static IReadOnlyList<string> Expand(IReadOnlyList<string> paths, List<string> errors)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            if (path.IndexOfAny(['*', '?']) >= 0)
            {
                var matches = Glob(path).ToList();
                if (matches.Count == 0)
                {
                    errors.Add($"no file matches {path}");
                }
                result.UnionWith(matches);
            }
            else if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(IsScenarioFile).Select(Path.GetFullPath).ToList();
                if (found.Count == 0)
                {
                    errors.Add($"folder {path} holds no scenario files (*.yaml, *.yml)");
                }
                result.UnionWith(found);
            }
            else if (File.Exists(path))
            {
                result.Add(Path.GetFullPath(path));
            }
            else
            {
                errors.Add($"no such file or folder: {path}");
            }
        }
        return [.. result];
    }

    private static bool IsScenarioFile(string f) =>
        f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<string> Glob(string pattern)
    {
        var full = Path.GetFullPath(pattern.Replace('\\', '/'));
        var segments = full.Split('/');
        var firstWild = Array.FindIndex(segments, s => s.IndexOfAny(['*', '?']) >= 0);
        var root = string.Join('/', segments[..firstWild]);
        if (root.Length == 0)
        {
            root = "/";
        }
        if (!Directory.Exists(root))
        {
            return [];
        }
        var regex = new Regex("^" + string.Concat(full.Select((c, i) => c switch
        {
            '*' when i + 1 < full.Length && full[i + 1] == '*' => ".*",
            '*' when i > 0 && full[i - 1] == '*' => string.Empty,
            '*' => "[^/]*",
            '?' => "[^/]",
            _ => Regex.Escape(c.ToString()),
        })).Replace(".*/", "(.*/)?", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => f.Replace('\\', '/'))
            .Where(f => regex.IsMatch(f) && IsScenarioFile(f));
    }

    /// <summary>Paths in messages and reports are relative to the working folder when inside it.</summary>
    public static string Display(string fullPath, string? relativeTo)
    {
        var baseDir = relativeTo ?? Directory.GetCurrentDirectory();
        var rel = Path.GetRelativePath(baseDir, fullPath);
        return rel.StartsWith("..", StringComparison.Ordinal) ? fullPath : rel.Replace('\\', '/');
    }
}
