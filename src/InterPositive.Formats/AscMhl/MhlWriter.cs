using System.Globalization;
using System.Text;
using System.Xml;

namespace InterPositive.Formats.AscMhl;

/// <summary>Writes ASC MHL v2 manifests and chain files as the schema orders them, indented like the reference tool.</summary>
public static class MhlWriter
{
    public const string Namespace = "urn:ASC:MHL:v2.0";
    public const string DirectoryNamespace = "urn:ASC:MHL:DIRECTORY:v2.0";

    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
        IndentChars = "  ",
        NewLineChars = "\n",
        CloseOutput = false,
    };

    /// <summary>The manifest as bytes (what goes to disk and what its C4 id is computed from).</summary>
    public static byte[] ToBytes(MhlManifest manifest)
    {
        using var buffer = new MemoryStream();
        Write(buffer, manifest);
        return buffer.ToArray();
    }

    public static void Write(Stream output, MhlManifest manifest)
    {
        using var xml = XmlWriter.Create(output, Settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("hashlist", Namespace);
        xml.WriteAttributeString("version", "2.0");

        var creator = manifest.Creator;
        xml.WriteStartElement("creatorinfo", Namespace);
        xml.WriteElementString("creationdate", Namespace, Date(creator.CreationDate));
        xml.WriteElementString("hostname", Namespace, creator.HostName);
        xml.WriteStartElement("tool", Namespace);
        if (creator.ToolVersion is not null)
        {
            xml.WriteAttributeString("version", creator.ToolVersion);
        }

        xml.WriteString(creator.ToolName);
        xml.WriteEndElement();
        WriteOptional(xml, "author", creator.Author);
        WriteOptional(xml, "location", creator.Location);
        WriteOptional(xml, "comment", creator.Comment);
        xml.WriteEndElement();

        xml.WriteStartElement("processinfo", Namespace);
        xml.WriteElementString("process", Namespace, manifest.Process.Process);
        if (manifest.Process.RootHash.Count > 0)
        {
            xml.WriteStartElement("roothash", Namespace);
            WriteDirectoryHashes(xml, manifest.Process.RootHash);
            xml.WriteEndElement();
        }

        if (manifest.Process.IgnorePatterns.Count > 0)
        {
            xml.WriteStartElement("ignore", Namespace);
            foreach (var pattern in manifest.Process.IgnorePatterns)
            {
                xml.WriteElementString("pattern", Namespace, pattern);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();

        if (manifest.Entries.Count > 0)
        {
            xml.WriteStartElement("hashes", Namespace);
            foreach (var entry in manifest.Entries)
            {
                switch (entry)
                {
                    case MhlFileHash file:
                        WriteFile(xml, file);
                        break;
                    case MhlDirectoryHash directory:
                        WriteDirectory(xml, directory);
                        break;
                }
            }

            xml.WriteEndElement();
        }

        if (manifest.References.Count > 0)
        {
            xml.WriteStartElement("references", Namespace);
            foreach (var reference in manifest.References)
            {
                xml.WriteStartElement("hashlistreference", Namespace);
                xml.WriteElementString("path", Namespace, reference.Path);
                xml.WriteElementString("c4", Namespace, reference.C4);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndDocument();
        xml.Flush();
        output.WriteByte((byte)'\n');
    }

    /// <summary>The chain file bytes.</summary>
    public static byte[] ChainToBytes(IEnumerable<MhlChainEntry> chain)
    {
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, Settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("ascmhldirectory", DirectoryNamespace);
            foreach (var entry in chain.OrderBy(e => e.Generation))
            {
                xml.WriteStartElement("hashlist", DirectoryNamespace);
                xml.WriteAttributeString("sequencenr", entry.Generation.ToString(CultureInfo.InvariantCulture));
                xml.WriteElementString("path", DirectoryNamespace, entry.Path);
                xml.WriteElementString("c4", DirectoryNamespace, entry.C4);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>xs:dateTime as the reference tool writes it: seconds, explicit offset.</summary>
    public static string Date(DateTimeOffset value) => value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static void WriteOptional(XmlWriter xml, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            xml.WriteElementString(name, Namespace, value);
        }
    }

    private static void WriteFile(XmlWriter xml, MhlFileHash file)
    {
        xml.WriteStartElement("hash", Namespace);
        xml.WriteStartElement("path", Namespace);
        xml.WriteAttributeString("size", file.Size.ToString(CultureInfo.InvariantCulture));
        if (file.LastModified is { } modified)
        {
            xml.WriteAttributeString("lastmodificationdate", Date(modified));
        }

        xml.WriteString(file.Path);
        xml.WriteEndElement();
        foreach (var hash in file.Hashes.OrderBy(h => h.Format))
        {
            xml.WriteStartElement(hash.Format.ElementName(), Namespace);
            if (hash.Action is not null)
            {
                xml.WriteAttributeString("action", hash.Action);
            }

            if (hash.HashDate is { } date)
            {
                xml.WriteAttributeString("hashdate", Date(date));
            }

            xml.WriteString(hash.Value);
            xml.WriteEndElement();
        }

        if (file.PreviousPath is not null)
        {
            xml.WriteElementString("previousPath", Namespace, file.PreviousPath);
        }

        xml.WriteEndElement();
    }

    private static void WriteDirectory(XmlWriter xml, MhlDirectoryHash directory)
    {
        xml.WriteStartElement("directoryhash", Namespace);
        xml.WriteStartElement("path", Namespace);
        if (directory.LastModified is { } modified)
        {
            xml.WriteAttributeString("lastmodificationdate", Date(modified));
        }

        xml.WriteString(directory.Path);
        xml.WriteEndElement();
        WriteDirectoryHashes(xml, directory.Hashes);
        xml.WriteEndElement();
    }

    private static void WriteDirectoryHashes(XmlWriter xml, IReadOnlyList<MhlDirectoryHashValue> hashes)
    {
        var ordered = hashes.OrderBy(h => h.Format).ToList();
        foreach (var (element, pick) in new (string, Func<MhlDirectoryHashValue, string>)[] { ("content", h => h.Content), ("structure", h => h.Structure) })
        {
            xml.WriteStartElement(element, Namespace);
            foreach (var hash in ordered)
            {
                xml.WriteStartElement(hash.Format.ElementName(), Namespace);
                if (hash.HashDate is { } date)
                {
                    xml.WriteAttributeString("hashdate", Date(date));
                }

                xml.WriteString(pick(hash));
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }
    }
}
