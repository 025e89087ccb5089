using CsCheck;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Testing.Sdi;

namespace InterPositive.Formats.Tests.Sdi;

[Trait("Category", "Unit")]
public sealed class AncTests
{
    /// <summary>The worked packet of formats-and-science §1: ATC_VITC1, 00:52:40:02, checksum 0x2A8.</summary>
    private static readonly ushort[] WorkedAtc =
        [0x000, 0x3ff, 0x3ff, 0x260, 0x260, 0x110, 0x228, 0x200, 0x200, 0x200, 0x200, 0x200, 0x140, 0x200, 0x120, 0x200, 0x250, 0x200, 0x200, 0x200, 0x200, 0x200, 0x2a8];

    [Fact]
    public void Worked_atc_packet_decodes_to_00_52_40_02()
    {
        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        AncParser.Scan([0x040, 0x040, .. WorkedAtc, 0x040], 9, AncStream.Luma, packets, errors);

        var packet = Assert.Single(packets);
        Assert.Equal("60/60", packet.Key.ToString());
        Assert.Equal(2, packet.HorizontalOffset);
        var tc = AtcTimecode.Decode(packet.UserWords);
        Assert.Equal("00:52:40:02", tc.ToString());
        Assert.Equal(AtcPayloadType.Vitc1, tc.PayloadType);
        Assert.False(tc.DropFrame);
        Assert.Equal(0, errors.Parity + errors.Checksum + errors.Truncated);
    }

    [Fact]
    public void Encoder_reproduces_the_worked_packet()
    {
        var tc = new AtcTimecode(0, 52, 40, 2, false, false, false, 0, AtcPayloadType.Vitc1);
        Assert.Equal(WorkedAtc, AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, tc.EncodeUserData()));
    }

    [Fact]
    public void Atc_round_trips_drop_frame_colour_frame_field_flag_user_bits_and_dbb2() =>
        Gen.Select(Gen.Int[0, 23], Gen.Int[0, 59], Gen.Int[0, 59], Gen.Int[0, 29], Gen.Bool, Gen.UInt, Gen.Byte).Sample(
            t =>
            {
                var tc = new AtcTimecode(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, !t.Item5, t.Item5, t.Item6, AtcPayloadType.Ltc, t.Item7);
                var words = AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, tc.EncodeUserData());
                var packets = new List<AncPacket>();
                AncParser.Scan(words, 9, AncStream.Luma, packets, new AncErrorCounts());
                Assert.Equal(tc, AtcTimecode.Decode(Assert.Single(packets).UserWords));
            },
            iter: 500);

    [Fact]
    public void Drop_frame_prints_with_a_semicolon() =>
        Assert.Equal("01:00:00;02", new AtcTimecode(1, 0, 0, 2, true, false, false, 0, AtcPayloadType.Ltc).ToString());

    [Fact]
    public void Bad_parity_is_counted_and_the_next_packet_still_found()
    {
        var bad = (ushort[])WorkedAtc.Clone();
        bad[3] ^= 0x100; // DID parity
        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        AncParser.Scan([.. bad, .. WorkedAtc], 9, AncStream.Luma, packets, errors);
        Assert.Single(packets);
        Assert.Equal(1, errors.Parity);
    }

    [Fact]
    public void Bad_checksum_is_counted_and_skipped()
    {
        var bad = (ushort[])WorkedAtc.Clone();
        bad[^1] = 0x2a9;
        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        AncParser.Scan([.. bad, .. WorkedAtc], 9, AncStream.Luma, packets, errors);
        Assert.Single(packets);
        Assert.Equal(1, errors.Checksum);
    }

    [Fact]
    public void Data_count_running_past_the_line_is_counted_as_truncated()
    {
        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        AncParser.Scan(WorkedAtc.AsSpan(0, 15), 9, AncStream.Luma, packets, errors);
        Assert.Empty(packets);
        Assert.Equal(1, errors.Truncated);
    }

    [Fact]
    public void Bad_udw_parity_in_atc_is_malformed()
    {
        var udw = WorkedAtc[6..22];
        udw[3] ^= 0x100;
        var error = Assert.Throws<MalformedInputException>(() => AtcTimecode.Decode(udw, "feed A"));
        Assert.Equal("ATC UDW 4", error.Field);
    }

    [Fact]
    public void Packets_in_v210_vanc_lines_are_found_with_their_line_numbers()
    {
        var afd = new Afd(0b1000, true, 0, 0, 0);
        var frame = new V210FrameBuilder(1920, 4, 10)
            .WithAnc(9, WorkedAtc)
            .WithAnc(9, Afd.Did, Afd.Sdid, afd.EncodeUserData())
            .WithAnc(10, 0x51, 0x53, [1, 2, 3])
            .Build();

        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        AncParser.ScanV210Vanc(frame, 1920, 10, new ushort[3840], packets, errors);

        Assert.Equal(["60/60", "41/05", "51/53"], packets.Select(p => p.Key.ToString()));
        Assert.Equal([9, 9, 10], packets.Select(p => p.Line));
        Assert.Equal(afd, Afd.Decode(packets[1].UserBytes()));
        Assert.Equal([1, 2, 3], packets[2].UserBytes());
    }

    [Fact]
    public void Random_words_never_crash_the_scanner_and_every_packet_found_is_valid() =>
        Gen.UShort[0, 1023].Array[0, 600].Sample(
            words =>
            {
                var packets = new List<AncPacket>();
                AncParser.Scan(words, 1, AncStream.Luma, packets, new AncErrorCounts());
                foreach (var p in packets)
                {
                    Assert.True(p.UserWords.Length <= 255);
                }
            },
            iter: 2000);

    [Fact]
    public void Random_atc_payloads_decode_or_report_malformed() =>
        Gen.Byte.Array[0, 20].Sample(
            bytes =>
            {
                try
                {
                    AtcTimecode.Decode(bytes);
                }
                catch (MalformedInputException)
                {
                }
            },
            iter: 2000);
}

[Trait("Category", "Unit")]
public sealed class AfdTests
{
    [Fact]
    public void Afd_round_trips_code_aspect_and_bars() =>
        Gen.Select(Gen.Int[0, 15], Gen.Bool, Gen.Int[0, 15], Gen.Int[0, 65535], Gen.Int[0, 65535]).Sample(
            t =>
            {
                var afd = new Afd(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5);
                Assert.Equal(afd, Afd.Decode(afd.EncodeUserData()));
            },
            iter: 500);

    [Fact]
    public void Short_afd_packet_is_malformed() =>
        Assert.Throws<MalformedInputException>(() => Afd.Decode(new byte[3], "feed A"));
}
