using CsCheck;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Formats.St2110;

namespace InterPositive.Formats.Tests.St2110;

[Trait("Category", "Unit")]
public sealed class St2110Tests
{
    [Fact]
    public void Rfc4175_packet_with_two_srds_points_each_segment_at_its_bytes()
    {
        var d = new byte[12 + 2 + 12 + 10 + 5];
        RtpHeader.Write(d, marker: true, 96, sequence: 0xFFFE, timestamp: 1234, ssrc: 7);
        d[12] = 0x00;
        d[13] = 0x01; // extended sequence high half = 1
        // SRD 1: 10 bytes, line 5, offset 0, continuation
        d[14] = 0; d[15] = 10; d[16] = 0; d[17] = 5; d[18] = 0x80; d[19] = 0;
        // SRD 2: 5 bytes, line 6 of field 2, offset 4
        d[20] = 0; d[21] = 5; d[22] = 0x80; d[23] = 6; d[24] = 0; d[25] = 4;

        var segments = new Rfc4175Segment[4];
        var packet = Rfc4175.Parse(d, segments);

        Assert.Equal(0x1FFFEu, packet.ExtendedSequence);
        Assert.True(packet.EndOfFrame);
        Assert.Equal(2, packet.SegmentCount);
        Assert.Equal(new Rfc4175Segment(5, 0, false, 26, 10), segments[0]);
        Assert.Equal(new Rfc4175Segment(6, 4, true, 36, 5), segments[1]);
    }

    [Fact]
    public void Truncated_rtp_is_malformed()
    {
        Assert.Throws<MalformedInputException>(() => Rfc4175.Parse(new byte[] { 0x80, 96, 0, 1 }, new Rfc4175Segment[4]));
        var d = new byte[12 + 8 + 4];
        RtpHeader.Write(d, false, 96, 1, 0, 0);
        Rfc4175.WriteSingleSrd(d.AsSpan(12), 0, 1200, 0, 0);
        var error = Assert.Throws<MalformedInputException>(() => Rfc4175.Parse(d, new Rfc4175Segment[4], "st2110://239.1.1.1:5004"));
        Assert.Equal("SRD length", error.Field);
    }

    [Fact]
    public void Rtp_version_other_than_two_is_malformed() =>
        Assert.Throws<MalformedInputException>(() => RtpHeader.Parse(new byte[12]));

    [Fact]
    public void Rfc8331_round_trips_anc_packets_and_counts_bad_ones()
    {
        var atc = AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, new AtcTimecode(10, 0, 0, 0, false, false, false, 0, AtcPayloadType.Ltc).EncodeUserData());
        var custom = AncWord.Encode(0x43, 0x05, [0, 1, 2, 3, 4]);
        var bad = (ushort[])custom.Clone();
        bad[^1] ^= 1;
        var d = new byte[1500];
        var n = RtpHeader.Write(d, true, 100, 42, 9000, 1);
        n += Rfc8331.Write(d.AsSpan(n), 0, [(9, atc), (10, bad), (10, custom)]);

        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        var (seq, ts, marker) = Rfc8331.Parse(d.AsSpan(0, n), packets, errors);

        Assert.Equal(42u, seq);
        Assert.Equal(9000u, ts);
        Assert.True(marker);
        Assert.Equal(["60/60", "43/05"], packets.Select(p => p.Key.ToString()));
        Assert.Equal([9, 10], packets.Select(p => p.Line));
        Assert.Equal("10:00:00:00", AtcTimecode.Decode(packets[0].UserWords).ToString());
        Assert.Equal(1, errors.Checksum);
    }

    [Fact]
    public void Rfc8331_truncated_packet_is_counted()
    {
        var custom = AncWord.Encode(0x43, 0x05, new byte[40]);
        var d = new byte[1500];
        var n = RtpHeader.Write(d, true, 100, 42, 9000, 1);
        n += Rfc8331.Write(d.AsSpan(n), 0, [(10, custom)]);
        var errors = new AncErrorCounts();
        Rfc8331.Parse(d.AsSpan(0, n - 20), [], errors);
        Assert.Equal(1, errors.Truncated);
    }

    [Fact]
    public void Random_datagrams_parse_or_report_malformed() =>
        Gen.Byte.Array[0, 200].Sample(
            bytes =>
            {
                if (bytes.Length > 0)
                {
                    bytes[0] = (byte)((bytes[0] & 0x3F) | 0x80);
                }

                try
                {
                    var segments = new Rfc4175Segment[8];
                    var p = Rfc4175.Parse(bytes, segments);
                    for (var i = 0; i < p.SegmentCount; i++)
                    {
                        Assert.True(segments[i].DataOffset + segments[i].Length <= bytes.Length);
                    }
                }
                catch (MalformedInputException)
                {
                }

                try
                {
                    Rfc8331.Parse(bytes, [], new AncErrorCounts());
                }
                catch (MalformedInputException)
                {
                }
            },
            iter: 3000);
}
