using System.Buffers.Binary;
using System.IO.Compression;

namespace InterPositive.Formats.Images;

/// <summary>
/// PNG (ISO/IEC 15948) read and write: grey, grey+alpha, RGB, RGBA at 8 and 16 bits, palette and 1/2/4-bit grey on
/// read. zlib through the BCL's <see cref="ZLibStream"/>. Chunk CRCs are checked. Adam7-interlaced files are
/// refused with a clear error (no camera or grading tool writes them for picture exchange).
/// </summary>
public static class PngCodec
{
    internal static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static RasterImage Read(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < 8 || !data[..8].SequenceEqual(Signature))
        {
            throw new MalformedInputException("not a PNG (bad signature)", source, 0, "signature");
        }

        var pos = 8;
        int width = 0, height = 0, bitDepth = 0, colourType = -1;
        byte[]? palette = null;
        byte[]? alphaTable = null;
        using var idat = new MemoryStream();
        var sawEnd = false;
        while (pos < data.Length && !sawEnd)
        {
            if (data.Length - pos < 12)
            {
                throw new MalformedInputException("truncated chunk header", source, pos, "chunk");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            if (length > int.MaxValue || length > (uint)(data.Length - pos - 12))
            {
                throw new MalformedInputException($"chunk length {length} runs past the end of the file", source, pos, "chunk");
            }

            var type = data.Slice(pos + 4, 4);
            var body = data.Slice(pos + 8, (int)length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            var name = System.Text.Encoding.ASCII.GetString(type);
            if (Crc32.Compute(data.Slice(pos + 4, 4 + (int)length)) != crc)
            {
                throw new MalformedInputException("chunk CRC mismatch", source, pos, name);
            }

            if (pos == 8 && name != "IHDR")
            {
                throw new MalformedInputException("first chunk is not IHDR", source, pos, name);
            }

            switch (name)
            {
                case "IHDR":
                    if (length != 13)
                    {
                        throw new MalformedInputException("IHDR must be 13 bytes", source, pos, name);
                    }

                    width = BinaryPrimitives.ReadInt32BigEndian(body);
                    height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                    bitDepth = body[8];
                    colourType = body[9];
                    if (!ValidDepth(colourType, bitDepth))
                    {
                        throw new MalformedInputException($"invalid colour type {colourType} with bit depth {bitDepth}", source, pos + 16, "IHDR");
                    }

                    // Palette images may gain alpha from tRNS: budget them as four channels.
                    ImageBudget.Check(width, height, colourType switch { 0 => 1, 2 => 3, 4 => 2, _ => 4 }, source, pos + 8, "IHDR");

                    if (body[10] != 0 || body[11] != 0)
                    {
                        throw new MalformedInputException("unknown compression or filter method", source, pos + 18, "IHDR");
                    }

                    if (body[12] != 0)
                    {
                        throw new MalformedInputException("Adam7-interlaced PNG is not supported; re-save without interlacing", source, pos + 20, "IHDR");
                    }

                    break;
                case "PLTE":
                    if (length % 3 != 0 || length == 0 || length > 768)
                    {
                        throw new MalformedInputException("palette length must be a multiple of 3, at most 256 entries", source, pos, name);
                    }

                    palette = body.ToArray();
                    break;
                case "tRNS":
                    alphaTable = body.ToArray();
                    break;
                case "IDAT":
                    idat.Write(body);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
                default:
                    if ((type[0] & 0x20) == 0)
                    {
                        throw new MalformedInputException("unknown critical chunk", source, pos, name);
                    }

                    break;
            }

            pos += 12 + (int)length;
        }

        if (colourType < 0)
        {
            throw new MalformedInputException("no IHDR chunk", source, 8, "IHDR");
        }

        if (idat.Length == 0)
        {
            throw new MalformedInputException("no image data (IDAT)", source, pos, "IDAT");
        }

        if (colourType == 3 && palette is null)
        {
            throw new MalformedInputException("palette image without PLTE", source, pos, "PLTE");
        }

        var samplesPerPixel = colourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        var bitsPerPixel = samplesPerPixel * bitDepth;
        var bpp = Math.Max(1, bitsPerPixel / 8);
        var rowBytes = (int)(((long)width * bitsPerPixel + 7) / 8);
        var channels = colourType switch { 0 => 1, 2 => 3, 3 => alphaTable is null ? 3 : 4, 4 => 2, _ => 4 };
        var outDepth = colourType == 3 ? 8 : bitDepth;
        var image = new RasterImage(width, height, channels, outDepth);

        // Row by row: only two filtered rows are held besides the image, whatever the file declares.
        var current = new byte[rowBytes + 1];
        var previous = new byte[rowBytes + 1];
        idat.Position = 0;
        using var inflate = new ZLibStream(idat, CompressionMode.Decompress);
        for (var y = 0; y < height; y++)
        {
            ReadRow(inflate, current, y, height, rowBytes, source);
            Unfilter(current[0], current.AsSpan(1), y == 0 ? Span<byte>.Empty : previous.AsSpan(1), bpp, y, source);
            ConvertRow(current.AsSpan(1), image.Row(y), colourType, bitDepth, width, channels, palette, alphaTable, source);
            (current, previous) = (previous, current);
        }

        return image;
    }

    private static void ReadRow(ZLibStream inflate, byte[] row, int y, int height, int rowBytes, string source)
    {
        var filled = 0;
        try
        {
            while (filled < row.Length)
            {
                var n = inflate.Read(row, filled, row.Length - filled);
                if (n == 0)
                {
                    throw new MalformedInputException($"image data ends early (row {y} of {height}, {rowBytes + 1} bytes a row)", source, null, "IDAT");
                }

                filled += n;
            }
        }
        catch (InvalidDataException error)
        {
            throw new MalformedInputException($"corrupt zlib stream: {error.Message}", source, null, "IDAT", error);
        }
    }

    private static void ConvertRow(ReadOnlySpan<byte> line, Span<ushort> dst, int colourType, int bitDepth, int width, int channels, byte[]? palette, byte[]? alphaTable, string source)
    {
        if (colourType == 3)
        {
            for (var x = 0; x < width; x++)
            {
                var index = SubByteSample(line, x, bitDepth);
                if (index * 3 + 2 >= palette!.Length)
                {
                    throw new MalformedInputException($"palette index {index} out of range", source, null, "IDAT");
                }

                dst[x * channels] = palette[index * 3];
                dst[x * channels + 1] = palette[index * 3 + 1];
                dst[x * channels + 2] = palette[index * 3 + 2];
                if (channels == 4)
                {
                    dst[x * channels + 3] = index < alphaTable!.Length ? alphaTable[index] : (ushort)255;
                }
            }
        }
        else if (bitDepth == 16)
        {
            for (var i = 0; i < dst.Length; i++)
            {
                dst[i] = BinaryPrimitives.ReadUInt16BigEndian(line[(i * 2)..]);
            }
        }
        else if (bitDepth == 8)
        {
            for (var i = 0; i < dst.Length; i++)
            {
                dst[i] = line[i];
            }
        }
        else
        {
            for (var x = 0; x < width; x++)
            {
                dst[x] = (ushort)SubByteSample(line, x, bitDepth);
            }
        }
    }

    /// <summary>Writes a non-interlaced PNG at the image's depth (8 or 16; other depths are scaled to 16).</summary>
    public static void Write(Stream stream, RasterImage image, CompressionLevel level = CompressionLevel.Fastest)
    {
        if (image.BitDepth is not 8 and not 16)
        {
            image = image.WithBitDepth(16);
        }

        var colourType = image.Channels switch { 1 => (byte)0, 2 => (byte)4, 3 => (byte)2, _ => (byte)6 };
        var bytesPerSample = image.BitDepth / 8;
        var bpp = image.Channels * bytesPerSample;
        var rowBytes = image.Width * bpp;

        stream.Write(Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], image.Height);
        ihdr[8] = (byte)image.BitDepth;
        ihdr[9] = colourType;
        WriteChunk(stream, "IHDR"u8, ihdr);

        using var compressed = new MemoryStream();
        using (var deflate = new ZLibStream(compressed, level, leaveOpen: true))
        {
            var previous = new byte[rowBytes];
            var current = new byte[rowBytes];
            var filtered = new byte[rowBytes + 1];
            var best = new byte[rowBytes + 1];
            for (var y = 0; y < image.Height; y++)
            {
                var src = image.Row(y);
                if (bytesPerSample == 2)
                {
                    for (var i = 0; i < src.Length; i++)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(current.AsSpan(i * 2), src[i]);
                    }
                }
                else
                {
                    for (var i = 0; i < src.Length; i++)
                    {
                        current[i] = (byte)src[i];
                    }
                }

                // libpng's heuristic: the filter with the smallest sum of absolute (signed) residuals.
                var bestScore = long.MaxValue;
                for (byte filter = 0; filter < 5; filter++)
                {
                    var score = Filter(filter, current, previous, bpp, filtered);
                    if (score < bestScore)
                    {
                        bestScore = score;
                        (best, filtered) = (filtered, best);
                    }
                }

                deflate.Write(best);
                (previous, current) = (current, previous);
            }
        }

        WriteChunk(stream, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(stream, "IEND"u8, []);
    }

    private static long Filter(byte filter, byte[] row, byte[] prior, int bpp, byte[] output)
    {
        output[0] = filter;
        long score = 0;
        for (var i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            var predicted = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) >> 1,
                _ => Paeth(a, b, c),
            };
            var residual = (byte)(row[i] - predicted);
            output[i + 1] = residual;
            score += residual < 128 ? residual : 256 - residual;
        }

        return score;
    }

    /// <summary>Reverses one row's filter in place; <paramref name="prior"/> is the previous unfiltered row (empty on the first).</summary>
    private static void Unfilter(byte filter, Span<byte> line, ReadOnlySpan<byte> prior, int bpp, int y, string source)
    {
        var rowBytes = line.Length;
        {
            switch (filter)
            {
                case 0:
                    break;
                case 1:
                    for (var i = bpp; i < rowBytes; i++)
                    {
                        line[i] += line[i - bpp];
                    }

                    break;
                case 2:
                    if (y > 0)
                    {
                        for (var i = 0; i < rowBytes; i++)
                        {
                            line[i] += prior[i];
                        }
                    }

                    break;
                case 3:
                    for (var i = 0; i < rowBytes; i++)
                    {
                        var a = i >= bpp ? line[i - bpp] : 0;
                        var b = y > 0 ? prior[i] : 0;
                        line[i] += (byte)((a + b) >> 1);
                    }

                    break;
                case 4:
                    for (var i = 0; i < rowBytes; i++)
                    {
                        var a = i >= bpp ? line[i - bpp] : 0;
                        var b = y > 0 ? prior[i] : 0;
                        var c = y > 0 && i >= bpp ? prior[i - bpp] : 0;
                        line[i] += (byte)Paeth(a, b, c);
                    }

                    break;
                default:
                    throw new MalformedInputException($"unknown filter type {filter} on row {y}", source, null, "IDAT");
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static int SubByteSample(ReadOnlySpan<byte> line, int index, int bitDepth)
    {
        if (bitDepth == 8)
        {
            return line[index];
        }

        var bit = index * bitDepth;
        var shift = 8 - bitDepth - (bit & 7);
        return (line[bit >> 3] >> shift) & ((1 << bitDepth) - 1);
    }

    private static bool ValidDepth(int colourType, int depth) => colourType switch
    {
        0 => depth is 1 or 2 or 4 or 8 or 16,
        3 => depth is 1 or 2 or 4 or 8,
        2 or 4 or 6 => depth is 8 or 16,
        _ => false,
    };

    private static void WriteChunk(Stream stream, ReadOnlySpan<byte> type, ReadOnlySpan<byte> body)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        type.CopyTo(header[4..]);
        stream.Write(header);
        stream.Write(body);
        var crc = Crc32.Append(Crc32.Append(Crc32.Initial, type), body) ^ 0xFFFFFFFFu;
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        stream.Write(tail);
    }
}

/// <summary>CRC-32 (ISO 3309, as PNG uses it), table-driven; Formats stays BCL-only.</summary>
internal static class Crc32
{
    public const uint Initial = 0xFFFFFFFFu;

    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data) => Append(Initial, data) ^ 0xFFFFFFFFu;

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
