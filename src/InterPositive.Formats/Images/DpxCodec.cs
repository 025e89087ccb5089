using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace InterPositive.Formats.Images;

/// <summary>What a DPX header says about its picture beyond the pixels (SMPTE ST 268).</summary>
/// <param name="Transfer">Image element transfer characteristic (1 printing density, 2 linear, 3 log, 6 BT.709…).</param>
/// <param name="Colorimetric">Image element colorimetric specification, same numbering.</param>
/// <param name="Timecode">Television header time code as SMPTE BCD (0xHHMMSSFF), or null when unset.</param>
/// <param name="FrameRate">Television header frame rate, or null when unset.</param>
/// <param name="BigEndian">The byte order the file was written in.</param>
public sealed record DpxInfo(int Transfer, int Colorimetric, uint? Timecode, double? FrameRate, bool BigEndian)
{
    /// <summary>Timecode as HH:MM:SS:FF, when the header carries one.</summary>
    public string? TimecodeText => Timecode is { } tc
        ? string.Create(CultureInfo.InvariantCulture, $"{tc >> 28 & 0xF}{tc >> 24 & 0xF}:{tc >> 20 & 0xF}{tc >> 16 & 0xF}:{tc >> 12 & 0xF}{tc >> 8 & 0xF}:{tc >> 4 & 0xF}{tc & 0xF}")
        : null;
}

/// <summary>A DPX picture and its header facts.</summary>
public sealed record DpxImage(RasterImage Image, DpxInfo Info);

/// <summary>
/// DPX (SMPTE ST 268) read and write for the first image element: RGB, RGBA or luma; 10-bit in filled method A
/// (the common one), method B or packed; 8, 12 (filled) and 16 bits. Either byte order on read; big-endian on write.
/// RLE-encoded files are refused.
/// </summary>
public static class DpxCodec
{
    private const int HeaderSize = 2048;
    private const uint Undefined32 = 0xFFFFFFFF;

    public static DpxImage Read(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < HeaderSize)
        {
            throw new MalformedInputException($"file is {data.Length} bytes, shorter than the 2048-byte DPX header", source, 0, "header");
        }

        bool big;
        if (data[..4].SequenceEqual("SDPX"u8))
        {
            big = true;
        }
        else if (data[..4].SequenceEqual("XPDS"u8))
        {
            big = false;
        }
        else
        {
            throw new MalformedInputException("not a DPX (magic is neither SDPX nor XPDS)", source, 0, "magic");
        }


        var imageOffset = U32(data, big, 4);
        var elements = U16(data, big, 770);
        var width = U32(data, big, 772);
        var height = U32(data, big, 776);
        if (elements is 0 or > 8)
        {
            throw new MalformedInputException($"number of image elements {elements} out of range 1–8", source, 770, "image header");
        }

        if (width is 0 or > 65536 || height is 0 or > 65536 || (long)width * height > ImageBudget.MaxSamples)
        {
            throw new MalformedInputException($"unsupported picture size {width}x{height}", source, 772, "image header");
        }

        var descriptor = data[800];
        var transfer = data[801];
        var colorimetric = data[802];
        var bitSize = data[803];
        var packing = U16(data, big, 804);
        var encoding = U16(data, big, 806);
        var elementOffset = U32(data, big, 808);
        var eolPadding = U32(data, big, 812);
        if (encoding != 0)
        {
            throw new MalformedInputException("run-length encoded DPX is not supported", source, 806, "encoding");
        }

        var channels = descriptor switch
        {
            50 => 3,
            51 => 4,
            6 or 1 or 2 or 3 or 4 => 1,
            _ => throw new MalformedInputException($"unsupported image element descriptor {descriptor}", source, 800, "descriptor"),
        };
        if (bitSize is not (8 or 10 or 12 or 16))
        {
            throw new MalformedInputException($"unsupported bit size {bitSize}", source, 803, "bit size");
        }

        if (packing > 2)
        {
            throw new MalformedInputException($"unknown packing {packing}", source, 804, "packing");
        }

        var start = elementOffset is not 0 and not Undefined32 ? elementOffset : imageOffset;
        if (start < HeaderSize / 2 || start >= (uint)data.Length)
        {
            throw new MalformedInputException($"image data offset {start} outside the file", source, 4, "offset to image data");
        }

        if (eolPadding == Undefined32)
        {
            eolPadding = 0;
        }

        ImageBudget.Check(width, height, channels, source, 772, "image header");
        var image = new RasterImage((int)width, (int)height, channels, bitSize);
        var samplesPerRow = (int)width * channels;
        var rowBytes = RowBytes(samplesPerRow, bitSize, packing);
        var needed = (long)height * (rowBytes + eolPadding);
        if (start + needed - eolPadding > data.Length)
        {
            throw new MalformedInputException($"image data needs {needed} bytes from offset {start}; the file ends early", source, start, "image data");
        }

        var pixels = data[(int)start..];
        for (var y = 0; y < (int)height; y++)
        {
            var line = pixels.Slice((int)(y * (rowBytes + eolPadding)), (int)rowBytes);
            UnpackRow(line, image.Row(y), bitSize, packing, big);
        }

        uint? timecode = null;
        double? rate = null;
        var tc = U32(data, big, 1920);
        if (tc != Undefined32 && tc != 0)
        {
            timecode = tc;
        }

        var rawRate = big ? BinaryPrimitives.ReadSingleBigEndian(data[1940..]) : BinaryPrimitives.ReadSingleLittleEndian(data[1940..]);
        if (float.IsFinite(rawRate) && rawRate > 0 && rawRate < 1000)
        {
            rate = rawRate;
        }

        return new DpxImage(image, new DpxInfo(transfer, colorimetric, timecode, rate, big));
    }

    /// <summary>
    /// Writes a big-endian DPX with one image element: 10-bit filled method A (or 16-bit when the image is deeper than
    /// 10 bits and <paramref name="bitSize"/> asks for 16). Transfer and colorimetric default to user-defined (0).
    /// </summary>
    public static void Write(Stream stream, RasterImage image, int bitSize = 10, int transfer = 0, int colorimetric = 0, uint? timecode = null, double? frameRate = null)
    {
        if (bitSize is not (10 or 16))
        {
            throw new ArgumentOutOfRangeException(nameof(bitSize), "DPX is written at 10 or 16 bits");
        }

        if (image.Channels == 2)
        {
            throw new ArgumentException("DPX has no grey+alpha element; write grey or RGB(A)", nameof(image));
        }

        var source = image.BitDepth == bitSize ? image : image.WithBitDepth(bitSize);
        var samplesPerRow = source.Width * source.Channels;
        var packing = bitSize == 10 ? (ushort)1 : (ushort)0;
        var rowBytes = RowBytes(samplesPerRow, bitSize, packing);
        var fileSize = HeaderSize + rowBytes * source.Height;
        var header = new byte[HeaderSize];
        var h = header.AsSpan();
        "SDPX"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32BigEndian(h[4..], HeaderSize);
        "V2.0"u8.CopyTo(h[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(h[16..], (uint)fileSize);
        BinaryPrimitives.WriteUInt32BigEndian(h[20..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(h[24..], 1664);
        BinaryPrimitives.WriteUInt32BigEndian(h[28..], 384);
        BinaryPrimitives.WriteUInt32BigEndian(h[32..], 0);
        Encoding.ASCII.GetBytes("InterPositive Edge", h[160..260]);
        BinaryPrimitives.WriteUInt32BigEndian(h[660..], Undefined32);
        BinaryPrimitives.WriteUInt16BigEndian(h[768..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(h[770..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(h[772..], (uint)source.Width);
        BinaryPrimitives.WriteUInt32BigEndian(h[776..], (uint)source.Height);
        BinaryPrimitives.WriteUInt32BigEndian(h[780..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[784..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[792..], (uint)source.MaxCode);
        h[800] = source.Channels switch { 1 => (byte)6, 3 => (byte)50, _ => (byte)51 };
        h[801] = (byte)transfer;
        h[802] = (byte)colorimetric;
        h[803] = (byte)bitSize;
        BinaryPrimitives.WriteUInt16BigEndian(h[804..], packing);
        BinaryPrimitives.WriteUInt16BigEndian(h[806..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[808..], HeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(h[812..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[816..], 0);
        // Orientation header: offsets and the original size; unset fields are all ones per the standard.
        for (var i = 1408; i < 1920; i += 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(h[i..], Undefined32);
        }

        h[1408..1664].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(h[1408..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[1412..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[1424..], (uint)source.Width);
        BinaryPrimitives.WriteUInt32BigEndian(h[1428..], (uint)source.Height);
        h[1664..1920].Clear();
        for (var i = 1920; i < HeaderSize; i += 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(h[i..], Undefined32);
        }

        if (timecode is { } tc)
        {
            BinaryPrimitives.WriteUInt32BigEndian(h[1920..], tc);
        }

        if (frameRate is { } fps)
        {
            BinaryPrimitives.WriteSingleBigEndian(h[1940..], (float)fps);
        }

        stream.Write(header);
        var row = new byte[rowBytes];
        for (var y = 0; y < source.Height; y++)
        {
            PackRow(source.Row(y), row, bitSize);
            stream.Write(row);
        }
    }

    /// <summary>Encodes HH:MM:SS:FF as the SMPTE BCD word DPX stores.</summary>
    public static uint TimecodeToBcd(int hours, int minutes, int seconds, int frames)
    {
        static uint Bcd(int v) => (uint)(v / 10 << 4 | v % 10);
        return Bcd(hours) << 24 | Bcd(minutes) << 16 | Bcd(seconds) << 8 | Bcd(frames);
    }

    private static uint U32(ReadOnlySpan<byte> d, bool big, int at) => big ? BinaryPrimitives.ReadUInt32BigEndian(d[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(d[at..]);

    private static ushort U16(ReadOnlySpan<byte> d, bool big, int at) => big ? BinaryPrimitives.ReadUInt16BigEndian(d[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(d[at..]);

    private static uint RowBytes(int samples, int bitSize, int packing) => bitSize switch
    {
        8 => (uint)((samples + 3) / 4 * 4),
        10 when packing == 0 => (uint)((samples * 10L + 31) / 32 * 4),
        10 => (uint)((samples + 2) / 3 * 4),
        12 when packing == 0 => (uint)((samples * 12L + 31) / 32 * 4),
        12 => (uint)((samples * 2 + 3) / 4 * 4),
        _ => (uint)((samples * 2 + 3) / 4 * 4),
    };

    private static void UnpackRow(ReadOnlySpan<byte> line, Span<ushort> dst, int bitSize, int packing, bool big)
    {
        switch (bitSize)
        {
            case 8:
                for (var i = 0; i < dst.Length; i++)
                {
                    dst[i] = line[i];
                }

                break;
            case 10 when packing is 1 or 2:
                // Method A: three samples in bits 31–22, 21–12, 11–2 (padding at the LSBs); method B pads at the MSBs.
                var shift = packing == 1 ? 2 : 0;
                for (var i = 0; i < dst.Length; i++)
                {
                    var word = U32(line, big, i / 3 * 4);
                    dst[i] = (ushort)(word >> (shift + 20 - (i % 3 * 10)) & 0x3FF);
                }

                break;
            case 10 or 12 when packing == 0:
                // Packed: samples laid end to end across 32-bit words, first sample in the LSBs of the word.
                for (var i = 0; i < dst.Length; i++)
                {
                    var bit = (long)i * bitSize;
                    var w = (int)(bit >> 5);
                    var offset = (int)(bit & 31);
                    ulong pair = U32(line, big, w * 4);
                    if (offset + bitSize > 32)
                    {
                        pair |= (ulong)U32(line, big, (w + 1) * 4) << 32;
                    }

                    dst[i] = (ushort)(pair >> offset & ((1u << bitSize) - 1));
                }

                break;
            case 12:
                for (var i = 0; i < dst.Length; i++)
                {
                    var v = big ? BinaryPrimitives.ReadUInt16BigEndian(line[(i * 2)..]) : BinaryPrimitives.ReadUInt16LittleEndian(line[(i * 2)..]);
                    dst[i] = (ushort)(packing == 1 ? v >> 4 : v & 0xFFF);
                }

                break;
            default:
                for (var i = 0; i < dst.Length; i++)
                {
                    dst[i] = big ? BinaryPrimitives.ReadUInt16BigEndian(line[(i * 2)..]) : BinaryPrimitives.ReadUInt16LittleEndian(line[(i * 2)..]);
                }

                break;
        }
    }

    private static void PackRow(ReadOnlySpan<ushort> src, Span<byte> line, int bitSize)
    {
        line.Clear();
        if (bitSize == 16)
        {
            for (var i = 0; i < src.Length; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(line[(i * 2)..], src[i]);
            }

            return;
        }

        for (var i = 0; i < src.Length; i += 3)
        {
            uint word = (uint)(src[i] & 0x3FF) << 22;
            if (i + 1 < src.Length)
            {
                word |= (uint)(src[i + 1] & 0x3FF) << 12;
            }

            if (i + 2 < src.Length)
            {
                word |= (uint)(src[i + 2] & 0x3FF) << 2;
            }

            BinaryPrimitives.WriteUInt32BigEndian(line[(i / 3 * 4)..], word);
        }
    }
}
