using System.Buffers.Binary;

namespace InterPositive.Formats.St2110;

/// <summary>One sample row data (SRD) segment of an RFC 4175 packet: where its bytes go in the picture.</summary>
public readonly record struct Rfc4175Segment(int Line, int PixelOffset, bool SecondField, int DataOffset, int Length);

/// <summary>An RFC 4175 packet's header: the 32-bit extended sequence number, RTP timestamp and end-of-frame marker.</summary>
public readonly record struct Rfc4175Packet(uint ExtendedSequence, uint Timestamp, bool EndOfFrame, int SegmentCount);

/// <summary>
/// SMPTE ST 2110-20 / RFC 4175 video payload: RTP header, 16-bit extended sequence number (the high half of a
/// 32-bit sequence), then SRD headers of 6 bytes — Length(16), F(1) Line(15), C(1) Offset(15) — while C is set,
/// then the segments' pixel bytes in the same order (MTL include/st20_api.h). 4:2:2 10-bit pixel groups are
/// 5 bytes for 2 pixels: Cb Y0 Cr Y1, big-endian bit-packed.
/// </summary>
public static class Rfc4175
{
    /// <summary>Bytes per 2-pixel group for 4:2:2 10-bit.</summary>
    public const int PgroupBytes = 5;

    /// <summary>Bytes per line of 4:2:2 10-bit pixel groups.</summary>
    public static int Stride(int width) => width / 2 * PgroupBytes;

    /// <summary>Parses one datagram; fills <paramref name="segments"/> (at most its length) and checks they fit the datagram.</summary>
    public static Rfc4175Packet Parse(ReadOnlySpan<byte> datagram, Span<Rfc4175Segment> segments, string? source = null)
    {
        var rtp = RtpHeader.Parse(datagram, source);
        var at = rtp.PayloadOffset;
        var end = rtp.PayloadOffset + rtp.PayloadLength;
        if (end - at < 2 + 6)
        {
            throw new MalformedInputException("RFC 4175 payload too short for its extended sequence number and one SRD header", source, at, "SRD");
        }

        var extended = ((uint)BinaryPrimitives.ReadUInt16BigEndian(datagram[at..]) << 16) | rtp.SequenceNumber;
        at += 2;
        var count = 0;
        bool more;
        do
        {
            if (end - at < 6)
            {
                throw new MalformedInputException("SRD header runs past the datagram", source, at, "SRD");
            }

            if (count == segments.Length)
            {
                throw new MalformedInputException(FormattableString.Invariant($"more than {segments.Length} SRD headers"), source, at, "SRD");
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[at..]);
            var line = BinaryPrimitives.ReadUInt16BigEndian(datagram[(at + 2)..]);
            var offset = BinaryPrimitives.ReadUInt16BigEndian(datagram[(at + 4)..]);
            more = (offset & 0x8000) != 0;
            segments[count++] = new Rfc4175Segment(line & 0x7FFF, offset & 0x7FFF, (line & 0x8000) != 0, 0, length);
            at += 6;
        }
        while (more);

        for (var i = 0; i < count; i++)
        {
            var s = segments[i];
            if (s.Length > end - at)
            {
                throw new MalformedInputException(FormattableString.Invariant($"SRD {i} of {s.Length} bytes runs past the datagram"), source, at, "SRD length");
            }

            segments[i] = s with { DataOffset = at };
            at += s.Length;
        }

        return new Rfc4175Packet(extended, rtp.Timestamp, rtp.Marker, count);
    }

    /// <summary>Writes the ST 2110-20 payload header (extended sequence and one SRD) after an RTP header; returns the bytes written.</summary>
    public static int WriteSingleSrd(Span<byte> destination, ushort extendedSequenceHigh, int length, int line, int pixelOffset, bool secondField = false)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, extendedSequenceHigh);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)((secondField ? 0x8000 : 0) | (line & 0x7FFF)));
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)(pixelOffset & 0x7FFF));
        return 8;
    }

    /// <summary>Luma at full and chroma at half horizontal resolution from a line of 4:2:2 10-bit pixel groups.</summary>
    public static void UnpackPlanar(ReadOnlySpan<byte> line, Span<ushort> y, Span<ushort> cb, Span<ushort> cr)
    {
        var pairs = y.Length / 2;
        for (var p = 0; p < pairs; p++)
        {
            var g = line.Slice(p * 5, 5);

            // 40 bits: Cb[39..30] Y0[29..20] Cr[19..10] Y1[9..0].
            var bits = ((ulong)BinaryPrimitives.ReadUInt32BigEndian(g) << 8) | g[4];
            cb[p] = (ushort)((bits >> 30) & 0x3FF);
            y[2 * p] = (ushort)((bits >> 20) & 0x3FF);
            cr[p] = (ushort)((bits >> 10) & 0x3FF);
            y[(2 * p) + 1] = (ushort)(bits & 0x3FF);
        }
    }

    /// <summary>Packs multiplexed samples (Cb Y Cr Y …, as v210 unpacks them) into 4:2:2 10-bit pixel groups.</summary>
    public static void PackSamples(ReadOnlySpan<ushort> samples, Span<byte> line)
    {
        for (int s = 0, o = 0; s + 3 < samples.Length; s += 4, o += 5)
        {
            var bits = ((ulong)(samples[s] & 0x3FFu) << 30) | ((ulong)(samples[s + 1] & 0x3FFu) << 20) | ((ulong)(samples[s + 2] & 0x3FFu) << 10) | (ulong)(samples[s + 3] & 0x3FFu);
            BinaryPrimitives.WriteUInt32BigEndian(line[o..], (uint)(bits >> 8));
            line[o + 4] = (byte)bits;
        }
    }
}
