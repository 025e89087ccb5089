using System.Buffers.Binary;

namespace InterPositive.Formats.Images;

/// <summary>
/// Baseline TIFF 6.0, uncompressed: grey, grey+alpha, RGB, RGBA at 8 or 16 bits, chunky or planar, strips, either
/// byte order (the first IFD only). Compressed and tiled files are refused with the reason. The writer exists so the
/// tests and the relight previews can produce 16-bit TIFFs without another library.
/// </summary>
public static class TiffCodec
{
    private const ushort ImageWidth = 256;
    private const ushort ImageLength = 257;
    private const ushort BitsPerSample = 258;
    private const ushort Compression = 259;
    private const ushort Photometric = 262;
    private const ushort StripOffsets = 273;
    private const ushort SamplesPerPixel = 277;
    private const ushort RowsPerStrip = 278;
    private const ushort StripByteCounts = 279;
    private const ushort PlanarConfiguration = 284;
    private const ushort SampleFormat = 339;
    private const ushort TileWidth = 322;

    public static RasterImage Read(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < 8)
        {
            throw new MalformedInputException("file too short for a TIFF header", source, 0, "header");
        }

        bool big = data[0] == 'M';
        if (!(data[0] == data[1] && (data[0] == 'I' || data[0] == 'M')))
        {
            throw new MalformedInputException("not a TIFF (byte order mark)", source, 0, "header");
        }


        if (U16(data, big, 2) != 42)
        {
            throw new MalformedInputException("not a classic TIFF (magic 42); BigTIFF is not supported", source, 2, "header");
        }

        long ifd = U32(data, big, 4);
        if (ifd < 8 || ifd + 2 > data.Length)
        {
            throw new MalformedInputException($"first IFD offset {ifd} outside the file", source, 4, "IFD");
        }

        int count = U16(data, big, ifd);
        if (ifd + 2 + count * 12L > data.Length)
        {
            throw new MalformedInputException("IFD runs past the end of the file", source, ifd, "IFD");
        }

        uint width = 0, height = 0, compression = 1, photometric = 2, samplesPerPixel = 1, rowsPerStrip = uint.MaxValue, planar = 1, sampleFormat = 1;
        uint[] bits = [1];
        uint[]? offsets = null, byteCounts = null;
        var tiled = false;
        for (var i = 0; i < count; i++)
        {
            var entry = ifd + 2 + i * 12L;
            var tag = U16(data, big, entry);
            var type = U16(data, big, entry + 2);
            var n = U32(data, big, entry + 4);
            var values = tag is ImageWidth or ImageLength or BitsPerSample or Compression or Photometric or StripOffsets or SamplesPerPixel or RowsPerStrip or StripByteCounts or PlanarConfiguration or SampleFormat
                ? ReadValues(data, big, entry, tag, type, n, source)
                : [];
            if (values.Length == 0 && tag is ImageWidth or ImageLength or Compression or Photometric or SamplesPerPixel or RowsPerStrip or PlanarConfiguration or SampleFormat)
            {
                throw new MalformedInputException($"tag {tag} has no value", source, entry, "IFD");
            }

            switch (tag)
            {
                case ImageWidth: width = values[0]; break;
                case ImageLength: height = values[0]; break;
                case BitsPerSample: bits = values; break;
                case Compression: compression = values[0]; break;
                case Photometric: photometric = values[0]; break;
                case StripOffsets: offsets = values; break;
                case SamplesPerPixel: samplesPerPixel = values[0]; break;
                case RowsPerStrip: rowsPerStrip = values[0]; break;
                case StripByteCounts: byteCounts = values; break;
                case PlanarConfiguration: planar = values[0]; break;
                case SampleFormat: sampleFormat = values[0]; break;
                case TileWidth: tiled = true; break;
                default: break;
            }
        }

        if (compression != 1)
        {
            throw new MalformedInputException($"compression {compression} is not supported (uncompressed TIFF only)", source, ifd, "Compression");
        }

        if (tiled)
        {
            throw new MalformedInputException("tiled TIFF is not supported (strips only)", source, ifd, "TileWidth");
        }

        if (width is 0 or > 65536 || height is 0 or > 65536 || (long)width * height > ImageBudget.MaxSamples)
        {
            throw new MalformedInputException($"unsupported picture size {width}x{height}", source, ifd, "ImageWidth");
        }

        if (samplesPerPixel is 0 or > 4)
        {
            throw new MalformedInputException($"SamplesPerPixel {samplesPerPixel} not supported", source, ifd, "SamplesPerPixel");
        }

        if (bits.Length == 0)
        {
            throw new MalformedInputException("BitsPerSample has no value", source, ifd, "BitsPerSample");
        }

        if (rowsPerStrip == 0)
        {
            throw new MalformedInputException("RowsPerStrip is 0", source, ifd, "RowsPerStrip");
        }

        var depth = bits[0];
        if (depth is not (8 or 16) || bits.Any(b => b != depth))
        {
            throw new MalformedInputException($"BitsPerSample {string.Join('/', bits)} not supported (8 or 16, equal per channel)", source, ifd, "BitsPerSample");
        }

        if (sampleFormat != 1)
        {
            throw new MalformedInputException($"SampleFormat {sampleFormat} not supported (unsigned integer only)", source, ifd, "SampleFormat");
        }

        if (photometric is not (0 or 1 or 2))
        {
            throw new MalformedInputException($"PhotometricInterpretation {photometric} not supported", source, ifd, "PhotometricInterpretation");
        }

        if (offsets is null || byteCounts is null || offsets.Length != byteCounts.Length || offsets.Length == 0)
        {
            throw new MalformedInputException("missing or inconsistent StripOffsets/StripByteCounts", source, ifd, "StripOffsets");
        }

        var channels = (int)samplesPerPixel;
        var bytesPerSample = (int)depth / 8;
        ImageBudget.Check(width, height, channels, source, ifd, "ImageWidth");
        var image = new RasterImage((int)width, (int)height, channels, (int)depth);
        var rows = Math.Min(rowsPerStrip, height);
        var stripsPerPlane = (int)((height + rows - 1) / rows);
        var planes = planar == 2 ? channels : 1;
        if (offsets.Length < stripsPerPlane * planes)
        {
            throw new MalformedInputException($"{offsets.Length} strips for {stripsPerPlane * planes} expected", source, ifd, "StripOffsets");
        }

        var samplesPerRowInPlane = planar == 2 ? (int)width : (int)width * channels;
        for (var plane = 0; plane < planes; plane++)
        {
            for (var strip = 0; strip < stripsPerPlane; strip++)
            {
                var index = plane * stripsPerPlane + strip;
                var firstRow = strip * (int)rows;
                var rowCount = (int)Math.Min(rows, height - (uint)firstRow);
                var needed = (long)rowCount * samplesPerRowInPlane * bytesPerSample;
                long at = offsets[index];
                if (byteCounts[index] < needed || at + needed > data.Length)
                {
                    throw new MalformedInputException($"strip {index} holds {byteCounts[index]} bytes at {at}; {needed} needed", source, at, "StripByteCounts");
                }

                var strip16 = data.Slice((int)at, (int)needed);
                for (var r = 0; r < rowCount; r++)
                {
                    var dst = image.Row(firstRow + r);
                    var src = strip16.Slice(r * samplesPerRowInPlane * bytesPerSample, samplesPerRowInPlane * bytesPerSample);
                    for (var s = 0; s < samplesPerRowInPlane; s++)
                    {
                        var v = bytesPerSample == 2 ? U16(src, big, s * 2L) : src[s];
                        var target = planar == 2 ? s * channels + plane : s;
                        dst[target] = v;
                    }
                }
            }
        }

        if (photometric == 0)
        {
            // WhiteIsZero: flip to the usual sense.
            var max = (ushort)image.MaxCode;
            for (var i = 0; i < image.Samples.Length; i++)
            {
                image.Samples[i] = (ushort)(max - image.Samples[i]);
            }
        }

        return image;
    }

    private static ushort U16(ReadOnlySpan<byte> d, bool big, long at) => big ? BinaryPrimitives.ReadUInt16BigEndian(d[(int)at..]) : BinaryPrimitives.ReadUInt16LittleEndian(d[(int)at..]);

    private static uint U32(ReadOnlySpan<byte> d, bool big, long at) => big ? BinaryPrimitives.ReadUInt32BigEndian(d[(int)at..]) : BinaryPrimitives.ReadUInt32LittleEndian(d[(int)at..]);

    private static uint[] ReadValues(ReadOnlySpan<byte> data, bool big, long entry, ushort tag, ushort type, uint n, string source)
    {
        var size = type switch { 3 => 2, 4 => 4, 1 => 1, _ => throw new MalformedInputException($"tag {tag} has unexpected type {type}", source, entry, "IFD") };
        if (n > 1 << 24)
        {
            throw new MalformedInputException($"tag {tag} count {n} is implausible", source, entry, "IFD");
        }

        long at = size * n <= 4 ? entry + 8 : U32(data, big, entry + 8);
        if (at + size * (long)n > data.Length)
        {
            throw new MalformedInputException($"tag {tag} values lie outside the file", source, entry, "IFD");
        }

        var result = new uint[n];
        for (var k = 0; k < n; k++)
        {
            result[k] = size switch { 2 => U16(data, big, at + k * 2L), 4 => U32(data, big, at + k * 4L), _ => data[(int)(at + k)] };
        }

        return result;
    }

    /// <summary>Writes a little-endian, uncompressed, single-strip TIFF at 8 or 16 bits (other depths are scaled to 16).</summary>
    public static void Write(Stream stream, RasterImage image)
    {
        if (image.BitDepth is not (8 or 16))
        {
            image = image.WithBitDepth(16);
        }

        var bytesPerSample = image.BitDepth / 8;
        var dataBytes = (long)image.Samples.Length * bytesPerSample;
        const int entryCount = 11;
        const int ifdOffset = 8;
        var ifdSize = 2 + entryCount * 12 + 4;
        var bitsOffset = ifdOffset + ifdSize;
        var dataOffset = bitsOffset + 8;
        var header = new byte[dataOffset];
        var h = header;
        "II"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), ifdOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(ifdOffset), entryCount);
        var e = ifdOffset + 2;
        void Entry(ushort tag, ushort type, uint count, uint value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(e), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(e + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(e + 4), count);
            if (type == 3 && count == 1)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(e + 8), (ushort)value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(e + 8), value);
            }

            e += 12;
        }

        var channels = (uint)image.Channels;
        Entry(ImageWidth, 4, 1, (uint)image.Width);
        Entry(ImageLength, 4, 1, (uint)image.Height);
        if (channels <= 2)
        {
            Entry(BitsPerSample, 3, channels, channels == 1 ? (uint)image.BitDepth : (uint)(image.BitDepth | image.BitDepth << 16));
        }
        else
        {
            Entry(BitsPerSample, 3, channels, (uint)bitsOffset);
            for (var c = 0; c < channels; c++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(bitsOffset + c * 2), (ushort)image.BitDepth);
            }
        }

        Entry(Compression, 3, 1, 1);
        Entry(Photometric, 3, 1, channels >= 3 ? 2u : 1u);
        Entry(StripOffsets, 4, 1, (uint)dataOffset);
        Entry(SamplesPerPixel, 3, 1, channels);
        Entry(RowsPerStrip, 4, 1, (uint)image.Height);
        Entry(StripByteCounts, 4, 1, (uint)dataBytes);
        Entry(PlanarConfiguration, 3, 1, 1);
        Entry(338, 3, 1, channels is 2 or 4 ? 2u : 0u); // ExtraSamples: unassociated alpha when present
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(e), 0);
        stream.Write(header);
        var row = new byte[image.Stride * bytesPerSample];
        for (var y = 0; y < image.Height; y++)
        {
            var src = image.Row(y);
            for (var i = 0; i < src.Length; i++)
            {
                if (bytesPerSample == 2)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(row.AsSpan(i * 2), src[i]);
                }
                else
                {
                    row[i] = (byte)src[i];
                }
            }

            stream.Write(row);
        }
    }
}
