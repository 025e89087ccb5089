using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace InterPositive.Formats.Images;

/// <summary>How an OpenEXR channel stores its samples.</summary>
public enum ExrPixelType
{
    /// <summary>32-bit unsigned integer (read only).</summary>
    Uint = 0,

    /// <summary>16-bit IEEE half float: what compositing tools expect for colour passes.</summary>
    Half = 1,

    /// <summary>32-bit IEEE float.</summary>
    Float = 2,
}

/// <summary>The OpenEXR compressions we write and read.</summary>
public enum ExrCompression
{
    None = 0,

    /// <summary>zlib per scanline (read only).</summary>
    Zips = 2,

    /// <summary>zlib over blocks of 16 scanlines, after the byte reorder and delta predictor.</summary>
    Zip = 3,
}

/// <summary>One channel of an OpenEXR image: its name, stored type and values (row-major, one per pixel).</summary>
public sealed record ExrChannel(string Name, ExrPixelType Type, float[] Values);

/// <summary>CIE xy of the primaries and white point the RGB channels are in (the <c>chromaticities</c> attribute).</summary>
public sealed record ExrChromaticities(double RedX, double RedY, double GreenX, double GreenY, double BlueX, double BlueY, double WhiteX, double WhiteY);

/// <summary>A scanline OpenEXR image: channels sorted by name as the file stores them, plus its string attributes.</summary>
public sealed record ExrImage(int Width, int Height, IReadOnlyList<ExrChannel> Channels)
{
    /// <summary>String attributes (e.g. <c>owner</c>, <c>comments</c>, our own <c>interpositive.*</c> ones).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public ExrChromaticities? Chromaticities { get; init; }

    public ExrCompression Compression { get; init; } = ExrCompression.Zip;

    /// <summary>The channel with this name.</summary>
    public ExrChannel Channel(string name) => Channels.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"no channel '{name}'");
}

/// <summary>
/// OpenEXR 2 single-part scanline files (openexr.com, "OpenEXR File Layout"): HALF and FLOAT channels, uncompressed
/// or ZIP (zlib over 16-line blocks, bytes split into even and odd halves and delta-coded first, as the reference
/// library does). Little-endian throughout; channels stored in name order; line order increasing Y; an offset table
/// of one entry per block. The reader also takes ZIPS and UINT, and refuses tiled, deep and multi-part files with a
/// clear error. Pure: spans and streams.
/// </summary>
public static class ExrCodec
{
    /// <summary>Refuse pictures above this many pixels: a corrupt header must not allocate gigabytes.</summary>
    public const long MaxPixels = 16384L * 16384L;

    private const int Magic = 20000630;
    private const int TiledFlag = 0x200;
    private const int NonImageFlag = 0x800;
    private const int MultiPartFlag = 0x1000;

    /// <summary>True when the bytes start with the OpenEXR magic number.</summary>
    public static bool IsExr(ReadOnlySpan<byte> head) => head.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(head) == Magic;

    public static void Write(Stream stream, ExrImage image)
    {
        Validate(image);
        var channels = image.Channels.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var linesPerBlock = LinesPerBlock(image.Compression);
        var blocks = (image.Height + linesPerBlock - 1) / linesPerBlock;
        var header = Header(image, channels);
        var lineBytes = channels.Sum(c => image.Width * Size(c.Type));
        var chunks = new List<byte[]>(blocks);
        for (var b = 0; b < blocks; b++)
        {
            var first = b * linesPerBlock;
            var lines = Math.Min(linesPerBlock, image.Height - first);
            var raw = new byte[lines * lineBytes];
            var o = 0;
            for (var y = first; y < first + lines; y++)
            {
                foreach (var channel in channels)
                {
                    var row = channel.Values.AsSpan(y * image.Width, image.Width);
                    foreach (var v in row)
                    {
                        if (channel.Type == ExrPixelType.Half)
                        {
                            BinaryPrimitives.WriteHalfLittleEndian(raw.AsSpan(o), (Half)v);
                            o += 2;
                        }
                        else
                        {
                            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(o), v);
                            o += 4;
                        }
                    }
                }
            }

            var data = image.Compression == ExrCompression.None ? raw : Compress(raw);
            var chunk = new byte[8 + data.Length];
            BinaryPrimitives.WriteInt32LittleEndian(chunk, first);
            BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(4), data.Length);
            data.CopyTo(chunk, 8);
            chunks.Add(chunk);
        }

        stream.Write(header);
        var table = new byte[8 * blocks];
        long offset = header.Length + table.Length;
        for (var b = 0; b < blocks; b++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(table.AsSpan(8 * b), offset);
            offset += chunks[b].Length;
        }

        stream.Write(table);
        foreach (var chunk in chunks)
        {
            stream.Write(chunk);
        }
    }

    public static ExrImage Read(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < 8 || !IsExr(data))
        {
            throw new MalformedInputException("not an OpenEXR file (bad magic number)", source, 0, "magic");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        if ((version & 0xFF) != 2)
        {
            throw new MalformedInputException($"OpenEXR version {version & 0xFF} is not 2", source, 4, "version");
        }

        if ((version & (TiledFlag | NonImageFlag | MultiPartFlag)) != 0)
        {
            throw new MalformedInputException("tiled, deep and multi-part OpenEXR files are not read, only single-part scanline files", source, 4, "version");
        }

        var pos = 8;
        List<(string Name, ExrPixelType Type)>? channels = null;
        ExrCompression? compression = null;
        int[]? window = null;
        ExrChromaticities? chromaticities = null;
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            var name = ReadName(data, ref pos, source, "header");
            if (name.Length == 0)
            {
                break;
            }

            var type = ReadName(data, ref pos, source, name);
            if (data.Length - pos < 4)
            {
                throw new MalformedInputException("truncated attribute size", source, pos, name);
            }

            var size = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
            pos += 4;
            if (size < 0 || size > data.Length - pos)
            {
                throw new MalformedInputException($"attribute size {size} runs past the end of the file", source, pos - 4, name);
            }

            var value = data.Slice(pos, size);
            switch (name)
            {
                case "channels" when type == "chlist":
                    channels = ReadChannels(value, pos, source);
                    break;
                case "compression" when type == "compression":
                    compression = size == 1 && value[0] is 0 or 2 or 3 ? (ExrCompression)value[0]
                        : throw new MalformedInputException($"compression {(size == 1 ? value[0] : -1)} is not read (NONE, ZIPS and ZIP are)", source, pos, name);
                    break;
                case "dataWindow" when type == "box2i":
                    window = size == 16
                        ? [BinaryPrimitives.ReadInt32LittleEndian(value), BinaryPrimitives.ReadInt32LittleEndian(value[4..]), BinaryPrimitives.ReadInt32LittleEndian(value[8..]), BinaryPrimitives.ReadInt32LittleEndian(value[12..])]
                        : throw new MalformedInputException("box2i must be 16 bytes", source, pos, name);
                    break;
                case "lineOrder" when type == "lineOrder":
                    if (size != 1 || value[0] > 2)
                    {
                        throw new MalformedInputException("bad line order", source, pos, name);
                    }

                    break;
                case "chromaticities" when type == "chromaticities" && size == 32:
                    var f = new double[8];
                    for (var i = 0; i < 8; i++)
                    {
                        f[i] = BinaryPrimitives.ReadSingleLittleEndian(value[(4 * i)..]);
                    }

                    chromaticities = new ExrChromaticities(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
                    break;
                default:
                    if (type == "string")
                    {
                        strings[name] = Encoding.UTF8.GetString(value);
                    }

                    break;
            }

            pos += size;
        }

        if (channels is null || compression is null || window is null)
        {
            throw new MalformedInputException("the header lacks channels, compression or dataWindow", source, pos, "header");
        }

        var (x0, y0, x1, y1) = (window[0], window[1], window[2], window[3]);
        long width = (long)x1 - x0 + 1, height = (long)y1 - y0 + 1;
        if (width <= 0 || height <= 0 || width * height > MaxPixels || width * height * channels.Count > int.MaxValue / 4)
        {
            throw new MalformedInputException($"unsupported data window {width}x{height}", source, pos, "dataWindow");
        }

        int w = (int)width, h = (int)height;
        var linesPerBlock = LinesPerBlock(compression.Value);
        var blocks = (h + linesPerBlock - 1) / linesPerBlock;
        if ((long)blocks * 8 > data.Length - pos)
        {
            throw new MalformedInputException("truncated offset table", source, pos, "offsets");
        }

        var sorted = channels.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var values = sorted.Select(_ => new float[w * h]).ToArray();
        var lineBytes = sorted.Sum(c => (long)w * Size(c.Type));
        for (var b = 0; b < blocks; b++)
        {
            var offsetAt = pos + (8 * b);
            var offset = BinaryPrimitives.ReadInt64LittleEndian(data[offsetAt..]);
            if (offset < pos || offset > data.Length - 8)
            {
                throw new MalformedInputException($"block offset {offset} lies outside the file", source, offsetAt, "offsets");
            }

            var at = (int)offset;
            var first = BinaryPrimitives.ReadInt32LittleEndian(data[at..]) - y0;
            var length = BinaryPrimitives.ReadInt32LittleEndian(data[(at + 4)..]);
            if (first < 0 || first >= h || first % linesPerBlock != 0)
            {
                throw new MalformedInputException($"block starts at line {first + y0}, outside the data window or off a block boundary", source, at, "chunk");
            }

            if (length < 0 || length > data.Length - at - 8)
            {
                throw new MalformedInputException($"block size {length} runs past the end of the file", source, at + 4, "chunk");
            }

            var lines = Math.Min(linesPerBlock, h - first);
            var expected = (int)(lines * lineBytes);
            var packed = data.Slice(at + 8, length);
            var raw = length == expected ? packed.ToArray() : compression == ExrCompression.None
                ? throw new MalformedInputException($"uncompressed block holds {length} bytes, {expected} expected", source, at + 4, "chunk")
                : Decompress(packed, expected, source, at + 8);
            var o = 0;
            for (var y = first; y < first + lines; y++)
            {
                for (var c = 0; c < sorted.Count; c++)
                {
                    var row = values[c].AsSpan(y * w, w);
                    for (var x = 0; x < w; x++)
                    {
                        switch (sorted[c].Type)
                        {
                            case ExrPixelType.Half:
                                row[x] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.AsSpan(o));
                                o += 2;
                                break;
                            case ExrPixelType.Float:
                                row[x] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(o));
                                o += 4;
                                break;
                            default:
                                row[x] = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(o));
                                o += 4;
                                break;
                        }
                    }
                }
            }
        }

        return new ExrImage(w, h, sorted.Select((c, i) => new ExrChannel(c.Name, c.Type, values[i])).ToList())
        {
            Attributes = strings,
            Chromaticities = chromaticities,
            Compression = compression.Value,
        };
    }

    private static void Validate(ExrImage image)
    {
        if (image.Width <= 0 || image.Height <= 0 || (long)image.Width * image.Height > MaxPixels)
        {
            throw new ArgumentException($"unsupported size {image.Width}x{image.Height}");
        }

        if (image.Channels.Count == 0 || image.Channels.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != image.Channels.Count)
        {
            throw new ArgumentException("an OpenEXR image needs at least one channel, each named once");
        }

        foreach (var c in image.Channels)
        {
            if (c.Name.Length is 0 or > 255 || c.Name.Contains('\0', StringComparison.Ordinal) || c.Type == ExrPixelType.Uint || c.Values.Length != image.Width * image.Height)
            {
                throw new ArgumentException($"channel '{c.Name}': a 1–255 character name, HALF or FLOAT, and one value per pixel");
            }
        }

        if (image.Compression == ExrCompression.Zips)
        {
            throw new ArgumentException("write NONE or ZIP");
        }
    }

    private static byte[] Header(ExrImage image, List<ExrChannel> channels)
    {
        using var header = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(word, Magic);
        header.Write(word);
        BinaryPrimitives.WriteInt32LittleEndian(word, 2);
        header.Write(word);

        using var chlist = new MemoryStream();
        foreach (var c in channels)
        {
            chlist.Write(Encoding.UTF8.GetBytes(c.Name));
            chlist.WriteByte(0);
            var entry = new byte[16];
            BinaryPrimitives.WriteInt32LittleEndian(entry, (int)c.Type);
            // pLinear 0 and three reserved bytes, then x and y sampling 1.
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(8), 1);
            BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(12), 1);
            chlist.Write(entry);
        }

        chlist.WriteByte(0);
        Attribute(header, "channels", "chlist", chlist.ToArray());
        Attribute(header, "compression", "compression", [(byte)image.Compression]);
        var box = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(box.AsSpan(8), image.Width - 1);
        BinaryPrimitives.WriteInt32LittleEndian(box.AsSpan(12), image.Height - 1);
        Attribute(header, "dataWindow", "box2i", box);
        Attribute(header, "displayWindow", "box2i", box);
        Attribute(header, "lineOrder", "lineOrder", [0]);
        Attribute(header, "pixelAspectRatio", "float", Floats(1f));
        Attribute(header, "screenWindowCenter", "v2f", Floats(0f, 0f));
        Attribute(header, "screenWindowWidth", "float", Floats(1f));
        if (image.Chromaticities is { } k)
        {
            Attribute(header, "chromaticities", "chromaticities", Floats((float)k.RedX, (float)k.RedY, (float)k.GreenX, (float)k.GreenY, (float)k.BlueX, (float)k.BlueY, (float)k.WhiteX, (float)k.WhiteY));
        }

        foreach (var (name, text) in image.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            Attribute(header, name, "string", Encoding.UTF8.GetBytes(text));
        }

        header.WriteByte(0);
        return header.ToArray();
    }

    private static void Attribute(MemoryStream header, string name, string type, byte[] value)
    {
        header.Write(Encoding.UTF8.GetBytes(name));
        header.WriteByte(0);
        header.Write(Encoding.UTF8.GetBytes(type));
        header.WriteByte(0);
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(size, value.Length);
        header.Write(size);
        header.Write(value);
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    private static List<(string, ExrPixelType)> ReadChannels(ReadOnlySpan<byte> list, int at, string source)
    {
        var result = new List<(string, ExrPixelType)>();
        var pos = 0;
        while (true)
        {
            var name = ReadName(list, ref pos, source, "channels", at);
            if (name.Length == 0)
            {
                break;
            }

            if (list.Length - pos < 16)
            {
                throw new MalformedInputException($"channel '{name}' entry is truncated", source, at + pos, "channels");
            }

            var type = BinaryPrimitives.ReadInt32LittleEndian(list[pos..]);
            var xs = BinaryPrimitives.ReadInt32LittleEndian(list[(pos + 8)..]);
            var ys = BinaryPrimitives.ReadInt32LittleEndian(list[(pos + 12)..]);
            if (type is < 0 or > 2)
            {
                throw new MalformedInputException($"channel '{name}' has pixel type {type}", source, at + pos, "channels");
            }

            if (xs != 1 || ys != 1)
            {
                throw new MalformedInputException($"channel '{name}' is subsampled ({xs}×{ys}); only full-resolution channels are read", source, at + pos + 8, "channels");
            }

            if (result.Any(r => string.Equals(r.Item1, name, StringComparison.Ordinal)))
            {
                throw new MalformedInputException($"channel '{name}' is listed twice", source, at + pos, "channels");
            }

            result.Add((name, (ExrPixelType)type));
            pos += 16;
        }

        return result.Count > 0 ? result : throw new MalformedInputException("no channels", source, at, "channels");
    }

    /// <summary>A null-terminated name of at most 255 bytes (an empty one ends a list).</summary>
    private static string ReadName(ReadOnlySpan<byte> data, ref int pos, string source, string field, int baseOffset = 0)
    {
        var rest = data[pos..];
        var end = rest[..Math.Min(rest.Length, 256)].IndexOf((byte)0);
        if (end < 0)
        {
            throw new MalformedInputException("name is unterminated or longer than 255 bytes", source, baseOffset + pos, field);
        }

        var name = Encoding.UTF8.GetString(rest[..end]);
        pos += end + 1;
        return name;
    }

    private static int LinesPerBlock(ExrCompression compression) => compression == ExrCompression.Zip ? 16 : 1;

    private static int Size(ExrPixelType type) => type == ExrPixelType.Half ? 2 : 4;

    /// <summary>The reference library's ZIP: bytes split into even and odd halves, delta-coded, then zlib.</summary>
    private static byte[] Compress(byte[] raw)
    {
        var n = raw.Length;
        var t = new byte[n];
        int a = 0, b = (n + 1) / 2;
        for (var i = 0; i < n; i++)
        {
            t[i % 2 == 0 ? a++ : b++] = raw[i];
        }

        for (var i = n - 1; i > 0; i--)
        {
            t[i] = (byte)(t[i] - t[i - 1] + 128);
        }

        using var packed = new MemoryStream();
        using (var zlib = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(t);
        }

        // A block that does not shrink is stored as it is; readers tell by its size.
        return packed.Length < n ? packed.ToArray() : raw;
    }

    private static byte[] Decompress(ReadOnlySpan<byte> packed, int expected, string source, int offset)
    {
        var t = new byte[expected];
        try
        {
            using var input = new MemoryStream(packed.ToArray());
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            var read = zlib.ReadAtLeast(t, expected, throwOnEndOfStream: false);
            if (read != expected || zlib.ReadByte() >= 0)
            {
                throw new MalformedInputException($"ZIP block inflates to {(read != expected ? read : "more than " + expected)} bytes, {expected} expected", source, offset, "chunk");
            }
        }
        catch (InvalidDataException error)
        {
            throw new MalformedInputException("ZIP block is not valid zlib data", source, offset, "chunk", error);
        }

        for (var i = 1; i < expected; i++)
        {
            t[i] = (byte)(t[i - 1] + t[i] - 128);
        }

        var raw = new byte[expected];
        int a = 0, b = (expected + 1) / 2;
        for (var i = 0; i < expected; i++)
        {
            raw[i] = t[i % 2 == 0 ? a++ : b++];
        }

        return raw;
    }
}
