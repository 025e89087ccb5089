using System.Text;

namespace InterPositive.Formats.AscMhl;

/// <summary>
/// Directory hashes as ASC MHL computes them (reference implementation, <c>hasher.DirectoryHashContext</c>):
/// the content hash is the hash of the children's content digests concatenated in the lexicographic order of
/// their hash strings; the structure hash is the same over hash(UTF-8 child name + child digest), where a child
/// directory contributes its structure digest. An empty directory hashes the empty input.
/// </summary>
public sealed class DirectoryHashContext(MhlHashFormat format)
{
    private readonly List<string> _content = [];
    private readonly List<string> _structure = [];

    public MhlHashFormat Format { get; } = format;

    public void AddFile(string name, string contentHash)
    {
        _content.Add(contentHash);
        _structure.Add(NamedHash(name, contentHash));
    }

    public void AddDirectory(string name, string contentHash, string structureHash)
    {
        _content.Add(contentHash);
        _structure.Add(NamedHash(name, structureHash));
    }

    public string ContentHash() => HashOfHashList(Format, _content);

    public string StructureHash() => HashOfHashList(Format, _structure);

    /// <summary>Hash of a list of hash strings: sorted ordinally, decoded, concatenated, hashed.</summary>
    public static string HashOfHashList(MhlHashFormat format, IEnumerable<string> hashes)
    {
        var sorted = hashes.ToList();
        sorted.Sort(StringComparer.Ordinal);
        using var hasher = new MhlHasher(format);
        foreach (var hash in sorted)
        {
            hasher.Append(Decode(format, hash));
        }

        return hasher.FinishString();
    }

    private string NamedHash(string name, string hash)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var digest = Decode(Format, hash);
        var data = new byte[nameBytes.Length + digest.Length];
        nameBytes.CopyTo(data, 0);
        digest.CopyTo(data, nameBytes.Length);
        return MhlHasher.HashData(Format, data);
    }

    private static byte[] Decode(MhlHashFormat format, string hash) =>
        HashStrings.TryParse(format, hash, out var digest)
            ? digest
            : throw new MalformedInputException($"'{hash}' is not a {format.ElementName()} hash string", field: format.ElementName());
}
