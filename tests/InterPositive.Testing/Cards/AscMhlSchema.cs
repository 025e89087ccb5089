using System.Xml;
using System.Xml.Schema;

namespace InterPositive.Testing.Cards;

/// <summary>Validates ASC MHL manifests and chain files against the reference XSDs in tests/data/ascmhl.</summary>
public static class AscMhlSchema
{
    private static readonly Lazy<XmlSchemaSet> Schemas = new(Load);

    /// <summary>The validation errors of a file (empty when it is valid).</summary>
    public static IReadOnlyList<string> Validate(string path)
    {
        using var stream = File.OpenRead(path);
        return Validate(stream);
    }

    public static IReadOnlyList<string> Validate(Stream xml)
    {
        var errors = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Schemas.Value, DtdProcessing = DtdProcessing.Prohibit };
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
        settings.ValidationEventHandler += (_, e) => errors.Add(FormattableString.Invariant($"{e.Severity} line {e.Exception?.LineNumber}: {e.Message}"));
        using var reader = XmlReader.Create(xml, settings);
        while (reader.Read())
        {
        }

        return errors;
    }

    /// <summary>Every .mhl and chain file under a folder, validated; returns "path: error" lines.</summary>
    public static IReadOnlyList<string> ValidateAll(string root)
    {
        var problems = new List<string>();
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".mhl", StringComparison.Ordinal) || System.IO.Path.GetFileName(f) == "ascmhl_chain.xml")
            .ToList();
        if (files.Count == 0)
        {
            problems.Add($"{root}: no ASC MHL files found");
        }

        foreach (var file in files)
        {
            problems.AddRange(Validate(file).Select(e => $"{file}: {e}"));
        }

        return problems;
    }

    private static XmlSchemaSet Load()
    {
        // The combined schema imports both by relative path; ASCMHLDirectory.xsd also names an https copy of
        // ASCMHL.xsd, which is never fetched (tests do not touch the network): the local one is already in the set.
        var set = new XmlSchemaSet { XmlResolver = new LocalFilesOnly() };
        set.ValidationEventHandler += (_, e) =>
        {
            if (e.Severity == XmlSeverityType.Error)
            {
                throw new InvalidOperationException("ASC MHL schema did not load: " + e.Message);
            }
        };
        set.Add(null, ReferenceData.Path("ascmhl", "ASCMHLDirectory__combined.xsd"));
        set.Compile();
        return set;
    }

    private sealed class LocalFilesOnly : XmlUrlResolver
    {
        public override object? GetEntity(Uri absoluteUri, string? role, Type? ofObjectToReturn) =>
            absoluteUri.IsFile ? base.GetEntity(absoluteUri, role, ofObjectToReturn) : throw new XmlException($"not fetched: {absoluteUri}");
    }
}
