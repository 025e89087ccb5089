using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace InterPositive.Formats.Cdl;

/// <summary>
/// ASC CDL XML files: <c>.cc</c> (one ColorCorrection), <c>.ccc</c> (ColorCorrectionCollection) and <c>.cdl</c>
/// (ColorDecisionList of ColorDecision with MediaRef). Namespace <c>urn:ASC:CDL:v1.01</c>; reading matches
/// local names so files without the namespace, and the <c>SATNode</c>/<c>ASC_SOP</c>/<c>ASC_SAT</c> spellings, load too.
/// </summary>
public static class CdlXml
{
    public const string Namespace = "urn:ASC:CDL:v1.01";

    /// <summary>Characters one .cc/.ccc/.cdl may hold (a day's collection is a few hundred KB).</summary>
    public const long MaxCharacters = 64L * 1024 * 1024;

    private static readonly XNamespace Ns = Namespace;

    /// <summary>Reads every correction in a .cc, .ccc or .cdl document (the root element decides which).</summary>
    public static IReadOnlyList<Cdl> Read(Stream stream, string source)
    {
        var document = SafeXml.Load(stream, source, MaxCharacters, lineInfo: true);
        var root = document.Root ?? throw new MalformedInputException("no root element", source);
        var results = new List<Cdl>();
        switch (root.Name.LocalName)
        {
            case "ColorCorrection":
                results.Add(ReadCorrection(root, source, null));
                break;
            case "ColorCorrectionCollection":
                foreach (var cc in Children(root, "ColorCorrection"))
                {
                    results.Add(ReadCorrection(cc, source, null));
                }

                break;
            case "ColorDecisionList":
                foreach (var decision in Children(root, "ColorDecision"))
                {
                    var media = Children(decision, "MediaRef").FirstOrDefault()?.Attribute("ref")?.Value;
                    foreach (var cc in Children(decision, "ColorCorrection"))
                    {
                        results.Add(ReadCorrection(cc, source, media));
                    }
                }

                break;
            default:
                throw new MalformedInputException($"root element <{root.Name.LocalName}> is not an ASC CDL document", source, field: root.Name.LocalName);
        }

        return results;
    }

    /// <summary>Reads a file's corrections from a string (tests and small payloads).</summary>
    public static IReadOnlyList<Cdl> Parse(string xml, string source)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml));
        return Read(stream, source);
    }

    /// <summary>A <c>.cc</c> document.</summary>
    public static XDocument ToColorCorrection(Cdl cdl) => new(new XDeclaration("1.0", "UTF-8", null), Correction(cdl));

    /// <summary>A <c>.ccc</c> document.</summary>
    public static XDocument ToCollection(IEnumerable<Cdl> corrections) =>
        new(new XDeclaration("1.0", "UTF-8", null), new XElement(Ns + "ColorCorrectionCollection", corrections.Select(Correction)));

    /// <summary>A <c>.cdl</c> document, one ColorDecision per correction with its MediaRef when set.</summary>
    public static XDocument ToDecisionList(IEnumerable<Cdl> corrections) =>
        new(
            new XDeclaration("1.0", "UTF-8", null),
            new XElement(
                Ns + "ColorDecisionList",
                corrections.Select(c => new XElement(
                    Ns + "ColorDecision",
                    c.MediaRef is null ? null : new XElement(Ns + "MediaRef", new XAttribute("ref", c.MediaRef)),
                    Correction(c)))));

    /// <summary>Writes a document as UTF-8 without BOM.</summary>
    public static void Write(XDocument document, Stream destination)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) };
        using var writer = XmlWriter.Create(destination, settings);
        document.Save(writer);
    }

    private static XElement Correction(Cdl cdl) => new(
        Ns + "ColorCorrection",
        cdl.Id is null ? null : new XAttribute("id", cdl.Id),
        cdl.Description is null ? null : new XElement(Ns + "Description", cdl.Description),
        new XElement(
            Ns + "SOPNode",
            new XElement(Ns + "Slope", Triple(cdl.Slope)),
            new XElement(Ns + "Offset", Triple(cdl.Offset)),
            new XElement(Ns + "Power", Triple(cdl.Power))),
        new XElement(Ns + "SatNode", new XElement(Ns + "Saturation", Number(cdl.Saturation))));

    private static Cdl ReadCorrection(XElement cc, string source, string? mediaRef)
    {
        var id = cc.Attribute("id")?.Value;
        var sop = Children(cc, "SOPNode").Concat(Children(cc, "ASC_SOP")).FirstOrDefault();
        var sat = Children(cc, "SatNode").Concat(Children(cc, "SATNode")).Concat(Children(cc, "ASC_SAT")).FirstOrDefault();
        var slope = sop is null ? CdlTriple.One : ReadTriple(sop, "Slope", CdlTriple.One, source);
        var offset = sop is null ? CdlTriple.Zero : ReadTriple(sop, "Offset", CdlTriple.Zero, source);
        var power = sop is null ? CdlTriple.One : ReadTriple(sop, "Power", CdlTriple.One, source);
        var saturation = 1.0;
        if (sat is not null && Children(sat, "Saturation").FirstOrDefault() is { } s)
        {
            var values = Numbers(s, source);
            if (values.Length != 1)
            {
                throw Error(s, source, FormattableString.Invariant($"Saturation needs one number, found {values.Length}"));
            }

            saturation = values[0];
        }

        var description = Children(cc, "Description").FirstOrDefault()?.Value
            ?? (sop is null ? null : Children(sop, "Description").FirstOrDefault()?.Value);
        return new Cdl(string.IsNullOrEmpty(id) ? null : id, slope, offset, power, saturation) { Description = description, MediaRef = mediaRef };
    }

    private static CdlTriple ReadTriple(XElement sop, string name, CdlTriple fallback, string source)
    {
        var element = Children(sop, name).FirstOrDefault();
        if (element is null)
        {
            return fallback;
        }

        var values = Numbers(element, source);
        if (values.Length != 3)
        {
            throw Error(element, source, FormattableString.Invariant($"{name} needs three numbers, found {values.Length}"));
        }

        return new CdlTriple(values[0], values[1], values[2]);
    }

    private static double[] Numbers(XElement element, string source)
    {
        var parts = element.Value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                throw Error(element, source, $"'{parts[i]}' is not a number");
            }
        }

        return values;
    }

    private static MalformedInputException Error(XElement element, string source, string cause)
    {
        var line = element is IXmlLineInfo info && info.HasLineInfo() ? FormattableString.Invariant($"{element.Name.LocalName} (line {info.LineNumber})") : element.Name.LocalName;
        return new MalformedInputException(cause, source, field: line);
    }

    private static IEnumerable<XElement> Children(XElement parent, string localName) =>
        parent.Elements().Where(e => e.Name.LocalName == localName);

    private static string Triple(CdlTriple t) => $"{Number(t.R)} {Number(t.G)} {Number(t.B)}";

    private static string Number(double value) => value.ToString("0.0#####", CultureInfo.InvariantCulture);
}
