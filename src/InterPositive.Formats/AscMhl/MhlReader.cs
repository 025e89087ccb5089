using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace InterPositive.Formats.AscMhl;

/// <summary>
/// Reads ASC MHL v2 manifests and chain files (ours and any conforming tool's). Lenient where the field is
/// (unknown elements and metadata are skipped, "xxh64be" is read as xxh64), strict where a wrong value would
/// make a verification meaningless (unparseable hashes, sizes and dates are reported, with the element).
/// </summary>
public static class MhlReader
{
    /// <summary>
    /// Characters one manifest or chain file may hold: 128 Mi, some 250 000 file entries (a full card holds a few
    /// thousand). Checked while reading, so a runaway file is refused before its tree is built.
    /// </summary>
    public const long MaxCharacters = 128L * 1024 * 1024;


    public static MhlManifest Read(Stream input, string source)
    {
        var root = Load(input, source);
        if (root.Name.LocalName != "hashlist")
        {
            throw new MalformedInputException($"root element is <{root.Name.LocalName}>, not an ASC MHL <hashlist>", source, field: "hashlist");
        }

        var ns = root.Name.Namespace;
        var version = (string?)root.Attribute("version");
        if (version is not null && !version.StartsWith('2'))
        {
            throw new MalformedInputException($"ASC MHL version {version} is not supported (2.0 is)", source, field: "hashlist@version");
        }

        var creatorElement = root.Element(ns + "creatorinfo") ?? throw new MalformedInputException("missing <creatorinfo>", source, field: "creatorinfo");
        var tool = creatorElement.Element(ns + "tool");
        var creator = new MhlCreatorInfo(
            ParseDate(creatorElement.Element(ns + "creationdate")?.Value, source, "creatorinfo/creationdate") ?? throw new MalformedInputException("missing <creationdate>", source, field: "creatorinfo/creationdate"),
            creatorElement.Element(ns + "hostname")?.Value ?? "",
            tool?.Value ?? "",
            (string?)tool?.Attribute("version"),
            creatorElement.Element(ns + "author")?.Value,
            creatorElement.Element(ns + "location")?.Value,
            creatorElement.Element(ns + "comment")?.Value);

        var processElement = root.Element(ns + "processinfo");
        var rootHash = processElement?.Element(ns + "roothash") is { } rh ? ReadDirectoryHashes(rh, ns, source, "roothash") : [];
        var ignore = processElement?.Element(ns + "ignore")?.Elements(ns + "pattern").Select(p => p.Value).ToList() ?? [];
        var process = new MhlProcessInfo(processElement?.Element(ns + "process")?.Value ?? MhlProcesses.InPlace, rootHash, ignore);

        var entries = new List<MhlEntry>();
        foreach (var element in root.Element(ns + "hashes")?.Elements() ?? [])
        {
            switch (element.Name.LocalName)
            {
                case "hash":
                    entries.Add(ReadFile(element, ns, source));
                    break;
                case "directoryhash":
                    var pathElement = element.Element(ns + "path") ?? throw new MalformedInputException("<directoryhash> without <path>", source, field: "directoryhash/path");
                    entries.Add(new MhlDirectoryHash(
                        NormalisePath(pathElement.Value, source),
                        ParseDate((string?)pathElement.Attribute("lastmodificationdate"), source, "directoryhash/path@lastmodificationdate"),
                        ReadDirectoryHashes(element, ns, source, "directoryhash " + pathElement.Value)));
                    break;
            }
        }

        var references = root.Element(ns + "references")?.Elements(ns + "hashlistreference")
            .Select(r => new MhlReference(
                NormalisePath(r.Element(ns + "path")?.Value ?? throw new MalformedInputException("<hashlistreference> without <path>", source, field: "hashlistreference/path"), source),
                r.Element(ns + "c4")?.Value.Trim() ?? ""))
            .ToList() ?? [];

        return new MhlManifest(creator, process, entries, references);
    }

    public static MhlManifest Read(ReadOnlySpan<byte> bytes, string source)
    {
        using var stream = new MemoryStream(bytes.ToArray(), writable: false);
        return Read(stream, source);
    }

    /// <summary>Reads <c>ascmhl_chain.xml</c>.</summary>
    public static IReadOnlyList<MhlChainEntry> ReadChain(Stream input, string source)
    {
        var root = Load(input, source);
        if (root.Name.LocalName != "ascmhldirectory")
        {
            throw new MalformedInputException($"root element is <{root.Name.LocalName}>, not <ascmhldirectory>", source, field: "ascmhldirectory");
        }

        var ns = root.Name.Namespace == XNamespace.None ? XNamespace.None : root.Name.Namespace;
        var chain = new List<MhlChainEntry>();
        foreach (var hashlist in root.Elements(ns + "hashlist"))
        {
            var sequence = (string?)hashlist.Attribute("sequencenr");
            if (!int.TryParse(sequence, NumberStyles.None, CultureInfo.InvariantCulture, out var generation) || generation < 1)
            {
                throw new MalformedInputException($"sequencenr '{sequence}' is not a generation number", source, field: "hashlist@sequencenr");
            }

            var path = hashlist.Element(ns + "path")?.Value.Trim();
            if (string.IsNullOrEmpty(path))
            {
                throw new MalformedInputException($"generation {generation} has no <path>", source, field: "hashlist/path");
            }

            chain.Add(new MhlChainEntry(generation, path, hashlist.Element(ns + "c4")?.Value.Trim() ?? ""));
        }

        return chain;
    }

    private static XElement Load(Stream input, string source) =>
        SafeXml.Load(input, source, MaxCharacters).Root ?? throw new MalformedInputException("empty XML document", source);

    private static MhlFileHash ReadFile(XElement element, XNamespace ns, string source)
    {
        var pathElement = element.Element(ns + "path") ?? throw new MalformedInputException("<hash> without <path>", source, field: "hash/path");
        var path = NormalisePath(pathElement.Value, source);
        var sizeText = (string?)pathElement.Attribute("size");
        long size = -1;
        if (sizeText is not null && (!long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 0))
        {
            throw new MalformedInputException($"size '{sizeText}' of {path} is not a byte count", source, field: "hash/path@size");
        }

        var hashes = new List<MhlHashValue>();
        foreach (var child in element.Elements())
        {
            if (!MhlHashFormats.TryParse(child.Name.LocalName, out var format))
            {
                continue;
            }

            var value = child.Value.Trim();
            if (format != MhlHashFormat.C4)
            {
                value = value.ToLowerInvariant();
            }

            if (!HashStrings.IsValid(format, value))
            {
                throw new MalformedInputException($"'{value}' is not a valid {format.ElementName()} hash for {path}", source, field: "hash/" + child.Name.LocalName);
            }

            hashes.Add(new MhlHashValue(format, value, (string?)child.Attribute("action"), ParseDate((string?)child.Attribute("hashdate"), source, "hash/@hashdate")));
        }

        return new MhlFileHash(
            path,
            size,
            ParseDate((string?)pathElement.Attribute("lastmodificationdate"), source, "hash/path@lastmodificationdate"),
            hashes,
            element.Element(ns + "previousPath")?.Value);
    }

    private static List<MhlDirectoryHashValue> ReadDirectoryHashes(XElement element, XNamespace ns, string source, string where)
    {
        var content = element.Element(ns + "content");
        var structure = element.Element(ns + "structure");
        var result = new List<MhlDirectoryHashValue>();
        foreach (var child in content?.Elements() ?? [])
        {
            if (!MhlHashFormats.TryParse(child.Name.LocalName, out var format))
            {
                continue;
            }

            var structureValue = structure?.Elements().FirstOrDefault(e => e.Name.LocalName == child.Name.LocalName)?.Value.Trim()
                ?? (string?)child.Attribute("structure") ?? "";
            var contentValue = child.Value.Trim();
            if (!HashStrings.IsValid(format, contentValue))
            {
                throw new MalformedInputException($"'{contentValue}' is not a valid {format.ElementName()} hash", source, field: where + "/content");
            }

            result.Add(new MhlDirectoryHashValue(format, contentValue, structureValue, ParseDate((string?)child.Attribute("hashdate"), source, where + "@hashdate")));
        }

        return result;
    }

    private static string NormalisePath(string path, string source)
    {
        var trimmed = path.Trim().Replace('\\', '/');
        if (trimmed.Length == 0 || trimmed.StartsWith('/') || trimmed.Split('/').Any(part => part == ".."))
        {
            throw new MalformedInputException($"path '{path}' is not relative to the history root", source, field: "path");
        }

        return trimmed;
    }

    private static DateTimeOffset? ParseDate(string? text, string source, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        throw new MalformedInputException($"'{text}' is not an xs:dateTime", source, field: field);
    }
}
