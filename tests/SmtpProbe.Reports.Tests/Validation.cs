using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Schema;
using Json.Schema;
using SmtpProbe.Testing;

namespace SmtpProbe.Reports.Tests;

/// <summary>Renders reports to text and checks them against the committed schemas.</summary>
internal static class Validation
{
    private static readonly Lazy<JsonSchema> ReportSchema = new(() =>
        // A private registry: building the same schema in several tests must not collide in the global one.
        JsonSchema.FromText(File.ReadAllText(ReportSchemaPath), new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    public static string ReportSchemaPath => Path.Combine(Golden.RepoRoot(), "schemas", "report.schema.json");

    public static string JUnitXsdPath => Path.Combine(Golden.FindProjectDir(ThisFile()), "Schemas", "JUnit.xsd");

    public static string JUnit(SmtpProbe.Core.Results.RunResult run, string hostname = "localhost")
    {
        using var stream = new MemoryStream();
        JUnitReport.Write(run, stream, hostname);
        return Utf8(stream);
    }

    public static string Json(SmtpProbe.Core.Results.RunResult run)
    {
        using var stream = new MemoryStream();
        JsonReport.Write(run, stream);
        return Utf8(stream);
    }

    public static string Console(SmtpProbe.Core.Results.RunResult run, bool color)
    {
        using var writer = new StringWriter();
        ConsoleReport.Write(run, writer, new ConsoleStyle(color));
        return writer.ToString();
    }

    /// <summary>Every schema error and warning, empty when the document is valid against JUnit.xsd.</summary>
    public static IReadOnlyList<string> JUnitProblems(string xml)
    {
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema };
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings | XmlSchemaValidationFlags.ProcessIdentityConstraints;
        settings.Schemas.Add(null, JUnitXsdPath);
        settings.ValidationEventHandler += (_, e) =>
            problems.Add($"{e.Severity} at {e.Exception?.LineNumber}:{e.Exception?.LinePosition}: {e.Message}");
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        while (reader.Read())
        {
        }
        return problems;
    }

    public static void AssertValidJUnit(string xml)
    {
        var problems = JUnitProblems(xml);
        Assert.True(problems.Count == 0, "JUnit XML does not validate against JUnit.xsd:\n" + string.Join("\n", problems));
    }

    /// <summary>Every schema error, empty when the document is valid against schemas/report.schema.json.</summary>
    public static IReadOnlyList<string> JsonProblems(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = ReportSchema.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }
        var problems = new List<string>();
        foreach (var detail in result.Details ?? [])
        {
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                problems.Add($"{detail.InstanceLocation} ({detail.EvaluationPath}) {keyword}: {message}");
            }
        }
        if (problems.Count == 0)
        {
            problems.Add("invalid, with no detailed errors");
        }
        return problems;
    }

    public static void AssertValidJson(string json)
    {
        var problems = JsonProblems(json);
        Assert.True(problems.Count == 0, "JSON report does not validate against report.schema.json:\n" + string.Join("\n", problems));
    }

    private static string Utf8(MemoryStream stream)
    {
        // Strict decoding: a report that is not valid UTF-8 is a bug, not something to paper over.
        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(stream.ToArray());
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
