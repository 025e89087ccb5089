using System.Buffers.Binary;
using System.Text;
using static InterPositive.Formats.QuickTime.QuickTimeAtom;

namespace InterPositive.Formats.QuickTime;

/// <summary>
/// The movie's metadata atoms: <c>meta</c> with its <c>keys</c> and <c>ilst</c> (mdta keys, as ARRI, Sony and Apple
/// write them) and <c>udta</c> strings (©-prefixed and camera-specific).
/// </summary>
internal static class QuickTimeMetadataAtoms
{
    public static void ParseMeta(ReadOnlySpan<byte> body, int depth, QuickTimeParseContext context, QuickTimeHeaderBuilder info)
    {
        // QuickTime 'meta' holds atoms directly; ISO/MP4 'meta' is a full box (version/flags first).
        var start = body.Length >= 12 && FourCc(body.Slice(4, 4)) is "hdlr" or "keys" or "ilst" ? 0 : 4;
        if (body.Length < start)
        {
            return;
        }

        var data = body[start..];
        var offset = 0;
        var keys = new List<string>();
        var sawKeys = false;
        while (offset + 8 <= data.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = FourCc(data.Slice(offset + 4, 4));
            if (size < 8 || size > data.Length - offset)
            {
                throw Bad(context, offset, type, FormattableString.Invariant($"metadata atom size {size} does not fit in 'meta'"));
            }

            var atom = data.Slice(offset + 8, (int)size - 8);
            if (type == "keys")
            {
                keys = ParseKeys(atom, context);
                sawKeys = true;
            }
            else if (type == "ilst")
            {
                ParseItemList(atom, context, sawKeys ? keys : null, info);
            }

            offset += (int)size;
        }

        _ = depth;
    }

    private static List<string> ParseKeys(ReadOnlySpan<byte> body, QuickTimeParseContext context)
    {
        Require(body, 8, context, "keys");
        var count = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        if (count > (uint)(body.Length - 8) / 8)
        {
            throw Bad(context, 4, "keys", FormattableString.Invariant($"{count} keys do not fit in {body.Length} bytes"));
        }

        var keys = new List<string>((int)count);
        var offset = 8;
        for (var i = 0; i < count; i++)
        {
            if (offset + 8 > body.Length)
            {
                throw Bad(context, offset, "keys", FormattableString.Invariant($"key {i + 1} of {count} is cut off"));
            }

            var size = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            if (size < 8 || size > body.Length - offset)
            {
                throw Bad(context, offset, "keys", FormattableString.Invariant($"key size {size} does not fit"));
            }

            keys.Add(Encoding.UTF8.GetString(body.Slice(offset + 8, (int)size - 8)).TrimEnd('\0'));
            offset += (int)size;
        }

        return keys;
    }

    private static void ParseItemList(ReadOnlySpan<byte> body, QuickTimeParseContext context, List<string>? keys, QuickTimeHeaderBuilder info)
    {
        var offset = 0;
        while (offset + 8 <= body.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            var index = BinaryPrimitives.ReadUInt32BigEndian(body[(offset + 4)..]);
            if (size < 8 || size > body.Length - offset)
            {
                throw Bad(context, offset, "ilst", FormattableString.Invariant($"item size {size} does not fit"));
            }

            string name;
            if (keys is not null)
            {
                if (index < 1 || index > keys.Count)
                {
                    throw Bad(context, offset, "ilst", FormattableString.Invariant($"item refers to key {index}, only {keys.Count} keys"));
                }

                name = keys[(int)index - 1];
            }
            else
            {
                name = FourCc(body.Slice(offset + 4, 4));
            }

            var item = body.Slice(offset + 8, (int)size - 8);
            if (ReadDataAtom(item) is { } value)
            {
                if (keys is not null)
                {
                    info.Metadata[name] = value;
                }
                else if (value.Text is { } text)
                {
                    info.UserData[name] = text;
                }
            }

            offset += (int)size;
        }
    }

    private static QuickTimeValue? ReadDataAtom(ReadOnlySpan<byte> item)
    {
        var offset = 0;
        while (offset + 16 <= item.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(item[offset..]);
            if (size < 8 || size > item.Length - offset)
            {
                return null;
            }

            if (FourCc(item.Slice(offset + 4, 4)) == "data" && size >= 16)
            {
                var type = (int)(BinaryPrimitives.ReadUInt32BigEndian(item[(offset + 8)..]) & 0x00FFFFFF);
                var value = item.Slice(offset + 16, (int)size - 16);
                return Decode(type, value);
            }

            offset += (int)size;
        }

        return null;
    }

    /// <summary>Well-known metadata types (QuickTime File Format): 1 UTF-8, 21 signed, 22 unsigned, 23 float32, 24 float64.</summary>
    private static QuickTimeValue? Decode(int type, ReadOnlySpan<byte> value) => type switch
    {
        1 => new QuickTimeValue(type, Encoding.UTF8.GetString(value).TrimEnd('\0'), null),
        2 => new QuickTimeValue(type, Encoding.BigEndianUnicode.GetString(value).TrimEnd('\0'), null),
        21 => value.Length switch
        {
            1 => new QuickTimeValue(type, null, (sbyte)value[0]),
            2 => new QuickTimeValue(type, null, BinaryPrimitives.ReadInt16BigEndian(value)),
            4 => new QuickTimeValue(type, null, BinaryPrimitives.ReadInt32BigEndian(value)),
            8 => new QuickTimeValue(type, null, BinaryPrimitives.ReadInt64BigEndian(value)),
            _ => null,
        },
        22 => value.Length switch
        {
            1 => new QuickTimeValue(type, null, value[0]),
            2 => new QuickTimeValue(type, null, BinaryPrimitives.ReadUInt16BigEndian(value)),
            4 => new QuickTimeValue(type, null, BinaryPrimitives.ReadUInt32BigEndian(value)),
            8 => new QuickTimeValue(type, null, BinaryPrimitives.ReadUInt64BigEndian(value)),
            _ => null,
        },
        23 when value.Length == 4 => new QuickTimeValue(type, null, BinaryPrimitives.ReadSingleBigEndian(value)),
        24 when value.Length == 8 => new QuickTimeValue(type, null, BinaryPrimitives.ReadDoubleBigEndian(value)),
        _ => null,
    };

    public static void ParseUserData(ReadOnlySpan<byte> body, int depth, QuickTimeParseContext context, QuickTimeHeaderBuilder info)
    {
        var offset = 0;
        while (offset + 8 <= body.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            if (size == 0 && offset + 4 <= body.Length)
            {
                break; // QuickTime allows a 32-bit zero terminator at the end of udta.
            }

            var type = FourCc(body.Slice(offset + 4, 4));
            if (size < 8 || size > body.Length - offset)
            {
                throw Bad(context, offset, type, FormattableString.Invariant($"user data atom size {size} does not fit in 'udta'"));
            }

            var atom = body.Slice(offset + 8, (int)size - 8);
            if (type == "meta")
            {
                ParseMeta(atom, depth + 1, context, info);
            }
            else if (type.Length == 4 && type[0] == '\u00A9' && atom.Length >= 4)
            {
                // International text: [len(2) language(2) text]...; the first string is enough.
                var len = BinaryPrimitives.ReadUInt16BigEndian(atom);
                if (len <= atom.Length - 4)
                {
                    info.UserData[type] = Encoding.UTF8.GetString(atom.Slice(4, len)).TrimEnd('\0');
                }
            }

            offset += (int)size;
        }
    }
}
