using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using CsCheck;
using InterPositive.Formats.Images;

namespace InterPositive.Formats.Tests.Images;

/// <summary>
/// Declared sizes against the decode budget, and length-field fuzzing of the still decoders: every length, count and
/// size field set to 0, 1, max−1, max and (as signed) negative must end in a decoded image or a
/// <see cref="MalformedInputException"/> naming the file, never another exception. The random part runs
/// <c>INTERPOSITIVE_FUZZ_ITERATIONS</c> cases (default 200) per decoder.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ImageBudgetFuzzTests
{
    private const string Source = "probe.png";
    private static readonly uint[] Edges = [0, 1, 0x7FFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 65536, 65537];

    internal static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("INTERPOSITIVE_FUZZ_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 200;

    [Fact]
    public void A_69_byte_png_declaring_16384_square_rgba16_is_malformed_input_naming_the_file_and_IHDR()
    {
        var png = Png(16384, 16384, colourType: 6, depth: 16, idat: new byte[12]);
        Assert.Equal(69, png.Length);

        // Before: an OverflowException (exit 4, no file name).
        var error = Assert.Throws<MalformedInputException>(() => PngCodec.Read(png, Source));
        Assert.Equal(Source, error.SourceName);
        Assert.Equal("IHDR", error.Field);
        Assert.Contains("decode budget", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_compression_bomb_is_refused_on_its_header_before_inflating()
    {
        // 16384 x 16384 grey rows of zeros deflate to a few hundred KB; decoded they were 2.4 GB resident.
        var rows = new byte[16385];
        using var zlib = new MemoryStream();
        using (var deflate = new ZLibStream(zlib, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (var y = 0; y < 16384; y++)
            {
                deflate.Write(rows);
            }
        }

        var png = Png(16384, 16384, colourType: 2, depth: 8, idat: zlib.ToArray());
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<MalformedInputException>(() => PngCodec.Read(png, Source));
        Assert.Equal("IHDR", error.Field);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4L * png.Length + (16L << 20), "the refusal allocated the image");
    }

    [Fact]
    public void A_png_whose_data_ends_early_fails_row_by_row_without_a_whole_image_buffer()
    {
        var png = Png(2048, 2048, colourType: 6, depth: 16, idat: Zlib(new byte[(2048 * 8) + 1]));
        var error = Assert.Throws<MalformedInputException>(() => PngCodec.Read(png, Source));
        Assert.Equal("IDAT", error.Field);
        Assert.Contains("row 1 of 2048", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Png_length_and_size_fields_at_their_edges_give_an_image_or_malformed_input()
    {
        var png = Encode((stream, image) => PngCodec.Write(stream, image));
        var cases = 0;
        // Chunk lengths (CRC left as is, and recomputed so the field itself is parsed), IHDR width and height.
        for (var pos = 8; pos + 12 <= png.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            foreach (var edge in Edges)
            {
                cases += Probe(png, pos, edge, bigEndian: true, b => PngCodec.Read(b, Source));
                if (pos == 8)
                {
                    foreach (var field in (int[])[16, 20])
                    {
                        var copy = Patched(png, field, edge, bigEndian: true);
                        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(8 + 8 + 13), PngCrc(copy.AsSpan(12, 17)));
                        cases += Expect(copy, b => PngCodec.Read(b, Source));
                    }
                }
            }

            pos += 12 + length;
        }

        Assert.True(cases >= 45);
    }

    [Fact]
    public void Tiff_ifd_counts_and_values_at_their_edges_give_an_image_or_malformed_input()
    {
        var tiff = Encode(TiffCodec.Write);
        var little = tiff[0] == (byte)'I';
        var ifd = (int)(little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff.AsSpan(4)) : BinaryPrimitives.ReadUInt32BigEndian(tiff.AsSpan(4)));
        var entries = little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff.AsSpan(ifd)) : BinaryPrimitives.ReadUInt16BigEndian(tiff.AsSpan(ifd));
        var cases = 0;
        foreach (var edge in Edges)
        {
            cases += Probe(tiff, 4, edge, !little, b => TiffCodec.Read(b, "probe.tif"));
            for (var i = 0; i < entries; i++)
            {
                var entry = ifd + 2 + (12 * i);
                cases += Probe(tiff, entry + 4, edge, !little, b => TiffCodec.Read(b, "probe.tif"));
                cases += Probe(tiff, entry + 8, edge, !little, b => TiffCodec.Read(b, "probe.tif"));
            }
        }

        // The entry count itself.
        foreach (var count in (ushort[])[0, 1, ushort.MaxValue - 1, ushort.MaxValue])
        {
            var copy = (byte[])tiff.Clone();
            if (little)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(ifd), count);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(ifd), count);
            }

            cases += Expect(copy, b => TiffCodec.Read(b, "probe.tif"));
        }

        Assert.True(cases > 50);
    }

    [Fact]
    public void Dpx_header_fields_at_their_edges_give_an_image_or_malformed_input()
    {
        var dpx = Encode((stream, image) => DpxCodec.Write(stream, image));
        var big = dpx[0] == (byte)'S';
        var cases = 0;

        // Every 32-bit field of the file and image headers (offsets, sizes, width, height, paddings, element offsets).
        for (var pos = 4; pos + 4 <= 832 && pos + 4 <= dpx.Length; pos += 4)
        {
            foreach (var edge in Edges)
            {
                cases += Probe(dpx, pos, edge, big, b => DpxCodec.Read(b, "probe.dpx"));
            }
        }

        Assert.True(cases > 500);
    }

    [Fact]
    public void Random_corruption_of_every_still_format_gives_an_image_or_malformed_input()
    {
        byte[][] files = [Encode((stream, image) => PngCodec.Write(stream, image)), Encode(TiffCodec.Write), Encode((stream, image) => DpxCodec.Write(stream, image))];
        Gen.Select(Gen.Int[0, files.Length - 1], Gen.Int[0, 4096], Gen.Byte.Array[1, 8]).Sample(
            (which, at, bytes) =>
            {
                var copy = (byte[])files[which].Clone();
                var start = at % copy.Length;
                bytes.AsSpan(0, Math.Min(bytes.Length, copy.Length - start)).CopyTo(copy.AsSpan(start));
                Expect(copy, b => StillImage.Read(b, "probe"));
            },
            iter: Iterations);
    }

    private static int Probe(byte[] file, int offset, uint value, bool bigEndian, Func<byte[], object> decode) => Expect(Patched(file, offset, value, bigEndian), decode);

    private static byte[] Patched(byte[] file, int offset, uint value, bool bigEndian)
    {
        var copy = (byte[])file.Clone();
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(offset), value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
        }

        return copy;
    }

    private static int Expect(byte[] bytes, Func<byte[], object> decode)
    {
        try
        {
            decode(bytes);
        }
        catch (MalformedInputException error)
        {
            Assert.False(string.IsNullOrEmpty(error.SourceName), error.Message);
        }

        return 1;
    }

    /// <summary>A small 16-bit RGB picture in the format <paramref name="write"/> produces.</summary>
    private static byte[] Encode(Action<Stream, RasterImage> write)
    {
        var image = new RasterImage(7, 5, 3, 16);
        for (var i = 0; i < image.Samples.Length; i++)
        {
            image.Samples[i] = (ushort)(i * 997);
        }

        using var stream = new MemoryStream();
        write(stream, image);
        return stream.ToArray();
    }

    private static byte[] Png(int width, int height, byte colourType, byte depth, byte[] idat)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = depth;
        ihdr[9] = colourType;
        Chunk(stream, "IHDR", ihdr);
        Chunk(stream, "IDAT", idat);
        Chunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void Chunk(Stream stream, string type, byte[] body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)body.Length);
        stream.Write(word);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(body).ToArray();
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, PngCrc(typed));
        stream.Write(word);
    }

    /// <summary>CRC-32 (ISO 3309) as PNG chunks carry it, bit by bit: test inputs are tiny.</summary>
    private static uint PngCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFF_FFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB8_8320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc ^ 0xFFFF_FFFFu;
    }

    private static byte[] Zlib(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(raw);
        }

        return output.ToArray();
    }
}
