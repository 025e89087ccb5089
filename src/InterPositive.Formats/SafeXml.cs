using System.Xml;
using System.Xml.Linq;

namespace InterPositive.Formats;

/// <summary>
/// Loads XML from cards and sidecars as hostile input: no DTD (so no entity expansion and no external entities, XXE),
/// no resolver, a character budget checked while reading, and a nesting limit checked element by element before the
/// tree grows, and an element count (LINQ to XML reads <c>Value</c> recursively, so a 100 000-deep document would end in a stack overflow
/// that no handler can catch). Every refusal is a <see cref="MalformedInputException"/> naming the source and line.
/// </summary>
public static class SafeXml
{
    /// <summary>Deeper than any MHL, CDL or camera sidecar nests (they use fewer than ten levels).</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Elements in one document: 4 Mi, a million MHL file entries. The character budget alone would let 128 Mi
    /// characters of <c>&lt;a/&gt;</c> build 32 million nodes (gigabytes) before the document ended.
    /// </summary>
    public const int MaxElements = 4 * 1024 * 1024;

    public static XDocument Load(Stream input, string source, long maxCharacters, bool lineInfo = false, int maxElements = MaxElements)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxCharacters,
            MaxCharactersFromEntities = 1024,
            CloseInput = false,
        };
        using var inner = XmlReader.Create(input, settings);
        try
        {
            using var reader = new DepthLimitedReader(inner, MaxDepth, maxElements, source);
            return XDocument.Load(reader, lineInfo ? LoadOptions.SetLineInfo : LoadOptions.None);
        }
        catch (XmlException error)
        {
            // The field names the line so the one-line error says where. A refused DTD is reported without a position.
            var field = error.LineNumber > 0 ? FormattableString.Invariant($"line {error.LineNumber}")
                : error.Message.Contains("DTD", StringComparison.Ordinal) ? "DOCTYPE" : "document";
            throw new MalformedInputException($"not well-formed XML: {error.Message}", source, field: field, innerException: error);
        }
    }

    /// <summary>Passes every call through, refusing an element that opens deeper than the limit or past the count.</summary>
    private sealed class DepthLimitedReader(XmlReader inner, int maxDepth, int maxElements, string source) : XmlReader, IXmlLineInfo
    {
        private int _elements;

        public override int AttributeCount => inner.AttributeCount;

        public override string BaseURI => inner.BaseURI;

        public override int Depth => inner.Depth;

        public override bool EOF => inner.EOF;

        public override bool IsEmptyElement => inner.IsEmptyElement;

        public override string LocalName => inner.LocalName;

        public override string NamespaceURI => inner.NamespaceURI;

        public override XmlNameTable NameTable => inner.NameTable;

        public override XmlNodeType NodeType => inner.NodeType;

        public override string Prefix => inner.Prefix;

        public override ReadState ReadState => inner.ReadState;

        public override string Value => inner.Value;

        public int LineNumber => inner is IXmlLineInfo info ? info.LineNumber : 0;

        public int LinePosition => inner is IXmlLineInfo info ? info.LinePosition : 0;

        public bool HasLineInfo() => inner is IXmlLineInfo info && info.HasLineInfo();

        public override string GetAttribute(int i) => inner.GetAttribute(i);

        public override string? GetAttribute(string name) => inner.GetAttribute(name);

        public override string? GetAttribute(string name, string? namespaceURI) => inner.GetAttribute(name, namespaceURI);

        public override string? LookupNamespace(string prefix) => inner.LookupNamespace(prefix);

        public override bool MoveToAttribute(string name) => inner.MoveToAttribute(name);

        public override bool MoveToAttribute(string name, string? ns) => inner.MoveToAttribute(name, ns);

        public override bool MoveToElement() => inner.MoveToElement();

        public override bool MoveToFirstAttribute() => inner.MoveToFirstAttribute();

        public override bool MoveToNextAttribute() => inner.MoveToNextAttribute();

        public override bool ReadAttributeValue() => inner.ReadAttributeValue();

        public override void ResolveEntity() => inner.ResolveEntity();

        public override bool Read()
        {
            var more = inner.Read();
            if (more && inner.NodeType == XmlNodeType.Element)
            {
                if (inner.Depth >= maxDepth)
                {
                    throw new MalformedInputException(
                        FormattableString.Invariant($"elements nested deeper than {maxDepth} levels"), source, field: FormattableString.Invariant($"line {LineNumber}, <{inner.LocalName}>"));
                }

                if (++_elements > maxElements)
                {
                    throw new MalformedInputException(
                        FormattableString.Invariant($"more than {maxElements} elements"), source, field: FormattableString.Invariant($"line {LineNumber}, <{inner.LocalName}>"));
                }
            }

            return more;
        }
    }
}
