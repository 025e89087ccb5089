using System.Buffers.Binary;

namespace InterPositive.Formats.St2110;

/// <summary>The fixed RTP header (RFC 3550) and where its payload starts, CSRCs and extension skipped.</summary>
public readonly record struct RtpHeader(bool Marker, byte PayloadType, ushort SequenceNumber, uint Timestamp, uint Ssrc, int PayloadOffset, int PayloadLength)
{
    public const int FixedSize = 12;

    public static RtpHeader Parse(ReadOnlySpan<byte> datagram, string? source = null)
    {
        if (datagram.Length < FixedSize)
        {
            throw new MalformedInputException(FormattableString.Invariant($"RTP datagram of {datagram.Length} bytes is shorter than its header"), source, 0, "RTP header");
        }

        if (datagram[0] >> 6 != 2)
        {
            throw new MalformedInputException(FormattableString.Invariant($"RTP version {datagram[0] >> 6}, expected 2"), source, 0, "RTP version");
        }

        var padding = (datagram[0] & 0x20) != 0;
        var extension = (datagram[0] & 0x10) != 0;
        var csrcCount = datagram[0] & 0x0F;
        var offset = FixedSize + (4 * csrcCount);
        if (extension)
        {
            if (datagram.Length < offset + 4)
            {
                throw new MalformedInputException("RTP header extension runs past the datagram", source, offset, "RTP extension");
            }

            offset += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]));
        }

        var end = datagram.Length;
        if (padding && end > offset)
        {
            end -= datagram[^1];
        }

        if (offset > end)
        {
            throw new MalformedInputException("RTP header runs past the datagram", source, 0, "RTP header");
        }

        return new RtpHeader(
            Marker: (datagram[1] & 0x80) != 0,
            PayloadType: (byte)(datagram[1] & 0x7F),
            SequenceNumber: BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]),
            Timestamp: BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            Ssrc: BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]),
            PayloadOffset: offset,
            PayloadLength: end - offset);
    }

    /// <summary>Writes a 12-byte header (no CSRC, no extension) and returns its size.</summary>
    public static int Write(Span<byte> destination, bool marker, byte payloadType, ushort sequence, uint timestamp, uint ssrc)
    {
        destination[0] = 0x80;
        destination[1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ssrc);
        return FixedSize;
    }
}
