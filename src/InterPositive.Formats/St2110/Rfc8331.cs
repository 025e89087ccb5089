using System.Buffers.Binary;
using InterPositive.Formats.Sdi;

namespace InterPositive.Formats.St2110;

/// <summary>
/// SMPTE ST 2110-40 / RFC 8331 ANC payload: after the RTP header, Extended Sequence Number(16), Length(16),
/// ANC_Count(8), F(2), reserved(22); then per packet C(1) Line_Number(11) Horizontal_Offset(12) S(1)
/// StreamNum(7), 10-bit DID, SDID, Data_Count, UDWs and checksum, padded to a 32-bit boundary (MTL st40_api.h).
/// </summary>
public static class Rfc8331
{
    /// <summary>Parses one datagram. Good packets go to <paramref name="packets"/>; bad ones are counted and skipped.</summary>
    public static (uint ExtendedSequence, uint Timestamp, bool Marker) Parse(ReadOnlySpan<byte> datagram, List<AncPacket> packets, AncErrorCounts errors, string? source = null)
    {
        var rtp = RtpHeader.Parse(datagram, source);
        var payload = datagram.Slice(rtp.PayloadOffset, rtp.PayloadLength);
        if (payload.Length < 8)
        {
            throw new MalformedInputException("RFC 8331 payload too short for its header", source, rtp.PayloadOffset, "ANC header");
        }

        var extended = ((uint)BinaryPrimitives.ReadUInt16BigEndian(payload) << 16) | rtp.SequenceNumber;
        var count = payload[4];
        var reader = new BitReader(payload[8..]);
        Span<ushort> words = stackalloc ushort[260];
        for (var p = 0; p < count; p++)
        {
            if (reader.Remaining < 32 + 40)
            {
                errors.Truncated++;
                break;
            }

            reader.Read(1); // C: colour-difference stream
            var line = (int)reader.Read(11);
            var offset = (int)reader.Read(12);
            reader.Read(8); // S and StreamNum
            var did = (ushort)reader.Read(10);
            var sdid = (ushort)reader.Read(10);
            var dc = (ushort)reader.Read(10);
            var n = dc & 0xFF;
            if (reader.Remaining < 10 * (n + 1))
            {
                errors.Truncated++;
                break;
            }

            words[0] = did;
            words[1] = sdid;
            words[2] = dc;
            for (var i = 0; i < n; i++)
            {
                words[3 + i] = (ushort)reader.Read(10);
            }

            var checksum = (ushort)reader.Read(10);
            reader.AlignTo32();
            if (!AncWord.HasGoodParity(did) || !AncWord.HasGoodParity(sdid) || !AncWord.HasGoodParity(dc))
            {
                errors.Parity++;
                continue;
            }

            if (checksum != AncWord.Checksum(words[..(3 + n)]))
            {
                errors.Checksum++;
                continue;
            }

            packets.Add(new AncPacket((byte)did, (byte)sdid, words.Slice(3, n).ToArray(), line, offset, AncStream.Luma));
        }

        return (extended, rtp.Timestamp, rtp.Marker);
    }

    /// <summary>Writes an RFC 8331 payload (after an RTP header) for ANC packets given as complete ST 291 word arrays (ADF first).</summary>
    public static int Write(Span<byte> destination, ushort extendedSequenceHigh, IReadOnlyList<(int Line, ushort[] Words)> packets)
    {
        destination[..8].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination, extendedSequenceHigh);
        destination[4] = (byte)packets.Count;
        var writer = new BitWriter(destination[8..]);
        foreach (var (line, words) in packets)
        {
            writer.Write(0, 1);
            writer.Write((uint)line, 11);
            writer.Write(0, 12);
            writer.Write(0, 8);

            // ST 291 words without the ADF: DID, SDID, DC, UDWs, checksum.
            foreach (var w in words.AsSpan(3))
            {
                writer.Write(w, 10);
            }

            writer.AlignTo32();
        }

        var length = writer.BytesWritten;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
        return 8 + length;
    }

    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _bit;

        public readonly int Remaining => (_data.Length * 8) - _bit;

        public uint Read(int bits)
        {
            uint value = 0;
            for (var i = 0; i < bits; i++, _bit++)
            {
                value = (value << 1) | (uint)((_data[_bit >> 3] >> (7 - (_bit & 7))) & 1);
            }

            return value;
        }

        public void AlignTo32() => _bit = Math.Min((_bit + 31) & ~31, _data.Length * 8);
    }

    private ref struct BitWriter(Span<byte> data)
    {
        private readonly Span<byte> _data = data;
        private int _bit;

        public readonly int BytesWritten => (_bit + 7) / 8;

        public void Write(uint value, int bits)
        {
            for (var i = bits - 1; i >= 0; i--, _bit++)
            {
                var mask = (byte)(0x80 >> (_bit & 7));
                if (((value >> i) & 1) != 0)
                {
                    _data[_bit >> 3] |= mask;
                }
                else
                {
                    _data[_bit >> 3] &= (byte)~mask;
                }
            }
        }

        public void AlignTo32()
        {
            while ((_bit & 31) != 0)
            {
                Write(0, 1);
            }
        }
    }
}
