namespace InterPositive.Formats.AscMhl;

/// <summary>
/// The hash formats of ASC MHL v2. The numeric order is the order the schema wants them in a
/// <c>hash</c> element (c4, md5, sha1, xxh128, xxh3, xxh64), so sorting by value writes valid XML.
/// </summary>
public enum MhlHashFormat
{
    C4 = 0,
    Md5 = 1,
    Sha1 = 2,
    Xxh128 = 3,
    Xxh3 = 4,
    Xxh64 = 5,
}

/// <summary>Names and digest sizes of the hash formats as ASC MHL spells them.</summary>
public static class MhlHashFormats
{
    /// <summary>Every format, in schema order.</summary>
    public static IReadOnlyList<MhlHashFormat> All { get; } =
        [MhlHashFormat.C4, MhlHashFormat.Md5, MhlHashFormat.Sha1, MhlHashFormat.Xxh128, MhlHashFormat.Xxh3, MhlHashFormat.Xxh64];

    /// <summary>The element name in a manifest (<c>xxh64</c>, <c>c4</c>, ...).</summary>
    public static string ElementName(this MhlHashFormat format) => format switch
    {
        MhlHashFormat.C4 => "c4",
        MhlHashFormat.Md5 => "md5",
        MhlHashFormat.Sha1 => "sha1",
        MhlHashFormat.Xxh128 => "xxh128",
        MhlHashFormat.Xxh3 => "xxh3",
        MhlHashFormat.Xxh64 => "xxh64",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown ASC MHL hash format"),
    };

    /// <summary>Length of the digest in bytes (C4 is SHA-512 underneath).</summary>
    public static int DigestLength(this MhlHashFormat format) => format switch
    {
        MhlHashFormat.C4 => 64,
        MhlHashFormat.Md5 => 16,
        MhlHashFormat.Sha1 => 20,
        MhlHashFormat.Xxh128 => 16,
        MhlHashFormat.Xxh3 => 8,
        MhlHashFormat.Xxh64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown ASC MHL hash format"),
    };

    /// <summary>Parses an element or command-line name; accepts the "xxh64be" spelling some tools wrote.</summary>
    public static bool TryParse(string? name, out MhlHashFormat format)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "c4":
                format = MhlHashFormat.C4;
                return true;
            case "md5":
                format = MhlHashFormat.Md5;
                return true;
            case "sha1":
                format = MhlHashFormat.Sha1;
                return true;
            case "xxh128":
                format = MhlHashFormat.Xxh128;
                return true;
            case "xxh3":
            case "xxh3_64":
                format = MhlHashFormat.Xxh3;
                return true;
            case "xxh64":
            case "xxh64be":
                format = MhlHashFormat.Xxh64;
                return true;
            default:
                format = default;
                return false;
        }
    }

    public static MhlHashFormat Parse(string name) =>
        TryParse(name, out var format) ? format : throw new ArgumentException($"'{name}' is not an ASC MHL hash format (xxh64, xxh3, xxh128, md5, sha1, c4)", nameof(name));
}
