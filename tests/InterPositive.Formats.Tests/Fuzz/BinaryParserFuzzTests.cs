using System.Buffers.Binary;
using InterPositive.Formats.Images;
using InterPositive.Formats.Rdd18;
using InterPositive.Formats.Sdi;
using InterPositive.Formats.St2110;
using static InterPositive.Formats.Tests.Fuzz.LengthFuzz;

namespace InterPositive.Formats.Tests.Fuzz;

/// <summary>
/// Length-field fuzzing of the binary parsers not covered by the container and still tests: RDD 18 camera metadata,
/// SMPTE 291 ANC packets and what rides in them (ATC timecode, Blackmagic camera control), RTP, ST 2110-20 (RFC 4175)
/// and ST 2110-40 (RFC 8331), and OpenEXR. Each length and count field is set to 0, 1, max−1, max and (as signed)
/// negative, the sample is cut at every offset, and random overwrites run <c>INTERPOSITIVE_FUZZ_ITERATIONS</c> times.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BinaryParserFuzzTests
{
    private static readonly AcquisitionMetadata Camera = new()
    {
        IrisFNumber = 2.8,
        IrisTNumber = 2.9,
        FocusDistanceMetres = 3.2,
        FocalLengthMm = 50,
        LensAttributes = "Signature Prime 50",
        NdFilter = 4,
        CaptureFrameRate = 24000.0 / 1001,
        ShutterAngleDegrees = 172.8,
        ShutterTimeSeconds = 1.0 / 48,
        MasterGainDb = -3,
        Iso = 800,
        WhiteBalanceKelvin = 5600,
        CameraAttributes = "ALEXA 35",
        ExposureIndex = 800,
        Cdl = new Rdd18Cdl(1.1, 1, 0.9, 0.01, 0, -0.01, 1, 1, 1, 0.9),
    };

    /// <summary>The items of a local set, as (offset of each 2-byte length, its width, its name).</summary>
    private static List<(int At, int Width, string Name)> ItemLengths(byte[] items, int start, int end)
    {
        var fields = new List<(int, int, string)>();
        for (var at = start; at + 4 <= end;)
        {
            fields.Add((at + 2, 2, FormattableString.Invariant($"tag 0x{BinaryPrimitives.ReadUInt16BigEndian(items.AsSpan(at)):X4} length")));
            at += 4 + BinaryPrimitives.ReadUInt16BigEndian(items.AsSpan(at + 2));
        }

        return fields;
    }

    [Fact]
    public void Rdd18_item_and_klv_lengths_at_their_edges_give_metadata_or_malformed_input()
    {
        var items = Rdd18Codec.EncodeItems(Camera);

        // Bare items, as the SDI mapping carries them.
        var cases = Fields(items, ItemLengths(items, 0, items.Length), b => Rdd18Codec.DecodeItems(b, Source));

        // In a KLV set with a 4-byte BER length, as MXF carries them: the BER length and every item length.
        var set = new byte[16 + 5 + items.Length];
        Rdd18Codec.LensUnitSetKey.CopyTo(set);
        set[16] = 0x84;
        BinaryPrimitives.WriteUInt32BigEndian(set.AsSpan(17), (uint)items.Length);
        items.CopyTo(set, 21);
        var fields = ItemLengths(set, 21, set.Length);
        fields.Add((17, 4, "KLV BER length"));
        fields.Add((16, 1, "KLV BER length form"));
        cases += Fields(set, fields, b => Rdd18Codec.DecodeSets(b, Source));

        // An 8-byte BER length (negative as a signed long at its top).
        var wide = new byte[16 + 9 + items.Length];
        Rdd18Codec.CameraUnitSetKey.CopyTo(wide);
        wide[16] = 0x88;
        BinaryPrimitives.WriteUInt64BigEndian(wide.AsSpan(17), (ulong)items.Length);
        items.CopyTo(wide, 25);
        cases += Fields(wide, [(17, 8, "KLV BER length (8 bytes)")], b => Rdd18Codec.DecodeSets(b, Source));
        Assert.True(cases > 150, FormattableString.Invariant($"{cases} cases"));
    }

    [Fact]
    public void Rdd18_cut_at_every_offset_or_randomly_overwritten_gives_metadata_or_malformed_input()
    {
        var payload = Rdd18Codec.EncodeAncPayload(Camera with { LensAttributes = null, CameraAttributes = null });
        Truncations(payload, b => Rdd18Codec.DecodeAncPayload(b, Source));
        Random(payload, b => Rdd18Codec.DecodeAncPayload(b, Source));
    }

    private static ushort[] AncLine(out List<int> dataCounts)
    {
        var atc = new AtcTimecode(10, 11, 12, 13, false, false, false, 0x1234_5678, AtcPayloadType.Ltc, 0x40).EncodeUserData();
        var rdd18 = Rdd18Codec.EncodeAncPayload(Camera with { LensAttributes = null, CameraAttributes = null, Cdl = null });
        var bmd = BlackmagicCameraControl.Write([new BlackmagicCommand(1, 1, 14, BlackmagicCameraControl.TypeInt32, 0, [0x20, 0x03, 0, 0])]);
        var words = new List<ushort>();
        dataCounts = [];
        foreach (var packet in new[] { AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, atc), AncWord.Encode(Rdd18Codec.AncDid, Rdd18Codec.AncSdid, rdd18), AncWord.Encode(BlackmagicCameraControl.AncDid, BlackmagicCameraControl.AncSdid, bmd) })
        {
            dataCounts.Add(words.Count + 5);
            words.AddRange(packet);
        }

        words.AddRange(Enumerable.Repeat(VancLine.BlankLuma, 16));
        return [.. words];
    }

    /// <summary>Scans a line and decodes what it finds the way the feed does, each decoder answering malformed input or a value.</summary>
    private static int ScanAndDecode(ushort[] words)
    {
        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        AncParser.Scan(words, 9, AncStream.Luma, packets, errors);
        foreach (var p in packets)
        {
            Expect(
                () =>
                {
                    if (AtcTimecode.Is(p))
                    {
                        _ = AtcTimecode.Decode(p.UserWords, Source);
                    }
                    else if (p.Did == Rdd18Codec.AncDid && p.Sdid == Rdd18Codec.AncSdid)
                    {
                        _ = Rdd18Codec.DecodeAncPayload(p.UserBytes(), Source);
                    }
                    else if (BlackmagicCameraControl.Is(p))
                    {
                        _ = BlackmagicCameraControl.ToMetadata(BlackmagicCameraControl.Parse(p.UserBytes(), Source));
                    }
                },
                FormattableString.Invariant($"packet {p.Key} of {p.UserWords.Length} words"));
        }

        return packets.Count;
    }

    [Fact]
    public void Anc_data_counts_at_their_edges_are_counted_and_skipped_never_thrown()
    {
        var line = AncLine(out var dataCounts);
        Assert.Equal(3, ScanAndDecode(line));
        foreach (var at in dataCounts)
        {
            foreach (var edge in U8)
            {
                foreach (var word in new[] { AncWord.WithParity(edge), (ushort)edge, (ushort)0x3FF })
                {
                    var copy = (ushort[])line.Clone();
                    copy[at] = word;
                    Expect(() => ScanAndDecode(copy), FormattableString.Invariant($"DC at {at} = 0x{word:X3}"));

                    // With the checksum made good, so the count itself is what the decoders see.
                    var count = word & 0xFF;
                    if (at + 1 + count < copy.Length)
                    {
                        copy[at + 1 + count] = AncWord.Checksum(copy.AsSpan(at - 2, 3 + count));
                        Expect(() => ScanAndDecode(copy), FormattableString.Invariant($"DC at {at} = 0x{word:X3}, checksum fixed"));
                    }
                }
            }
        }

        for (var n = 0; n < line.Length; n++)
        {
            var cut = line[..n];
            Expect(() => ScanAndDecode(cut), FormattableString.Invariant($"line cut to {n} words"));
        }
    }

    [Fact]
    public void Anc_payload_decoders_take_every_length_and_count()
    {
        // ATC needs exactly 16 user words; every other count is malformed input naming the DC.
        var atc = new AtcTimecode(1, 2, 3, 4, true, false, false, 0, AtcPayloadType.Vitc1).EncodeUserData();
        for (var n = 0; n <= 20; n++)
        {
            var words = new byte[n];
            atc.AsSpan(0, Math.Min(n, 16)).CopyTo(words);
            Expect(() => AtcTimecode.Decode(words, Source), FormattableString.Invariant($"ATC of {n} words"));
        }

        Random(atc, b => AtcTimecode.Decode(b, Source));

        // Blackmagic camera control: each message's length byte at its edges, every truncation, random bytes.
        var bmd = BlackmagicCameraControl.Write(
        [
            new BlackmagicCommand(1, 0, 2, BlackmagicCameraControl.TypeFixed16, 0, BlackmagicCameraControl.Fixed16Data(4)),
            new BlackmagicCommand(1, 12, 9, BlackmagicCameraControl.TypeString, 0, "Zeiss Supreme 35mm"u8.ToArray()),
            new BlackmagicCommand(1, 1, 14, BlackmagicCameraControl.TypeInt32, 0, [0x20, 0x03, 0, 0]),
        ]);
        var lengths = new List<(int, int, string)>();
        for (var at = 0; at + 4 <= bmd.Length && bmd[at + 1] != 0; at += 4 + ((bmd[at + 1] + 3) & ~3))
        {
            lengths.Add((at + 1, 1, "BMD message length"));
        }

        Assert.Equal(3, lengths.Count);
        void Parse(byte[] b) => _ = BlackmagicCameraControl.ToMetadata(BlackmagicCameraControl.Parse(b, Source));
        Fields(bmd, lengths, Parse);
        Truncations(bmd, Parse);
        Random(bmd, Parse);
    }

    private static byte[] Rfc4175Datagram(bool extension = false)
    {
        var header = extension ? 12 + 8 : 12;
        var d = new byte[header + 2 + 12 + 10 + 5];
        RtpHeader.Write(d, marker: true, 96, sequence: 7, timestamp: 9000, ssrc: 1);
        if (extension)
        {
            d[0] |= 0x10;
            BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(14), 1); // one 32-bit word of extension
        }

        var at = header;
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at + 2), 10);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at + 4), 5);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at + 6), 0x8000);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at + 8), 5);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at + 10), 0x8006);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at + 12), 4);
        return d;
    }

    private static void ParseRfc4175(byte[] d)
    {
        var segments = new Rfc4175Segment[16];
        var packet = Rfc4175.Parse(d, segments, Source);
        for (var i = 0; i < packet.SegmentCount; i++)
        {
            // What the parser promises: every segment's bytes lie inside the datagram.
            Assert.InRange(segments[i].DataOffset + (long)segments[i].Length, 0, d.Length);
        }
    }

    [Fact]
    public void Rtp_and_rfc4175_lengths_and_counts_at_their_edges_give_segments_inside_the_datagram_or_malformed_input()
    {
        var plain = Rfc4175Datagram();
        var fields = new List<(int, int, string)>
        {
            (0, 1, "RTP V/P/X/CC"),
            (12, 2, "extended sequence"),
            (14, 2, "SRD 0 length"), (16, 2, "SRD 0 line"), (18, 2, "SRD 0 offset and continuation"),
            (20, 2, "SRD 1 length"), (22, 2, "SRD 1 line"), (24, 2, "SRD 1 offset and continuation"),
            (plain.Length - 1, 1, "last byte (padding count when P is set)"),
        };
        var cases = Fields(plain, fields, ParseRfc4175);

        // Padding flag with every padding count, and the header extension's length at its edges.
        var padded = (byte[])plain.Clone();
        padded[0] |= 0x20;
        cases += Fields(padded, [(padded.Length - 1, 1, "RTP padding count")], ParseRfc4175);
        var extended = Rfc4175Datagram(extension: true);
        ParseRfc4175(extended);
        cases += Fields(extended, [(14, 2, "RTP extension length"), (0, 1, "RTP V/P/X/CC")], ParseRfc4175);

        // Every SRD flagged "another follows": more headers than the caller's room is malformed input, not an overrun.
        var chained = new byte[12 + 2 + (6 * 40)];
        RtpHeader.Write(chained, false, 96, 1, 0, 0);
        for (var i = 0; i < 40; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(chained.AsSpan(14 + (6 * i) + 4), 0x8000);
        }

        Expect(() => ParseRfc4175(chained), "40 chained SRDs");
        cases += Truncations(plain, ParseRfc4175) + Truncations(extended, ParseRfc4175);
        Random(plain, ParseRfc4175);
        Assert.True(cases > 100, FormattableString.Invariant($"{cases} cases"));
    }

    private static void ParseRfc8331(byte[] d)
    {
        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        _ = Rfc8331.Parse(d, packets, errors, Source);
        foreach (var p in packets.Where(AtcTimecode.Is))
        {
            Expect(() => AtcTimecode.Decode(p.UserWords, Source), "ATC in RFC 8331");
        }
    }

    [Fact]
    public void Rfc8331_lengths_and_counts_at_their_edges_are_counted_or_malformed_input()
    {
        var atc = AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, new AtcTimecode(10, 0, 0, 0, false, false, false, 0, AtcPayloadType.Ltc).EncodeUserData());
        var rdd18 = AncWord.Encode(Rdd18Codec.AncDid, Rdd18Codec.AncSdid, Rdd18Codec.EncodeAncPayload(new AcquisitionMetadata { Iso = 800, IrisTNumber = 2.8 }));
        byte[] Datagram(ushort[] first)
        {
            var d = new byte[1500];
            var n = RtpHeader.Write(d, true, 100, 42, 9000, 1);
            n += Rfc8331.Write(d.AsSpan(n), 0, [(9, first), (10, rdd18)]);
            return d[..n];
        }

        var sample = Datagram(atc);
        var cases = Fields(sample, [(12, 2, "extended sequence"), (14, 2, "RFC 8331 length"), (16, 1, "ANC_Count")], ParseRfc8331);

        // The 10-bit data count of the first packet, good parity and bad, at its edges (its bits are not byte-aligned).
        foreach (var edge in U8)
        {
            foreach (var dc in new[] { AncWord.WithParity(edge), (ushort)edge, (ushort)0x3FF })
            {
                var words = (ushort[])atc.Clone();
                words[5] = dc;
                var d = Datagram(words);
                Expect(() => ParseRfc8331(d), FormattableString.Invariant($"DC 0x{dc:X3}"));
                cases++;
            }
        }

        cases += Truncations(sample, ParseRfc8331);
        Random(sample, ParseRfc8331);
        Assert.True(cases > 50, FormattableString.Invariant($"{cases} cases"));
    }

    private static byte[] Exr(ExrCompression compression)
    {
        const int W = 5, H = 20;
        var values = Enumerable.Range(0, W * H).Select(i => i / 100f).ToArray();
        using var stream = new MemoryStream();
        ExrCodec.Write(stream, new ExrImage(W, H, [new ExrChannel("G", ExrPixelType.Half, values), new ExrChannel("R", ExrPixelType.Float, values)]) { Compression = compression });
        return stream.ToArray();
    }

    /// <summary>The EXR's size and count fields: attribute sizes, the data window, the offset table, each chunk's line and size.</summary>
    private static List<(int At, int Width, string Name)> ExrFields(byte[] exr)
    {
        var fields = new List<(int, int, string)>();
        var pos = 8;
        var height = 0;
        var zip = false;
        while (exr[pos] != 0)
        {
            var nameEnd = Array.IndexOf(exr, (byte)0, pos);
            var name = System.Text.Encoding.ASCII.GetString(exr, pos, nameEnd - pos);
            var typeEnd = Array.IndexOf(exr, (byte)0, nameEnd + 1);
            var sizeAt = typeEnd + 1;
            var size = BinaryPrimitives.ReadInt32LittleEndian(exr.AsSpan(sizeAt));
            fields.Add((sizeAt, 4, name + " size"));
            if (name == "dataWindow")
            {
                for (var i = 0; i < 4; i++)
                {
                    fields.Add((sizeAt + 4 + (4 * i), 4, FormattableString.Invariant($"dataWindow[{i}]")));
                }

                height = BinaryPrimitives.ReadInt32LittleEndian(exr.AsSpan(sizeAt + 16)) + 1;
            }
            else if (name == "compression")
            {
                zip = exr[sizeAt + 4] == (byte)ExrCompression.Zip;
            }

            pos = sizeAt + 4 + size;
        }

        pos++;
        var blocks = zip ? (height + 15) / 16 : height;
        for (var b = 0; b < blocks; b++)
        {
            fields.Add((pos + (8 * b), 8, FormattableString.Invariant($"offset {b}")));
            var chunk = (int)BinaryPrimitives.ReadInt64LittleEndian(exr.AsSpan(pos + (8 * b)));
            fields.Add((chunk, 4, FormattableString.Invariant($"chunk {b} line")));
            fields.Add((chunk + 4, 4, FormattableString.Invariant($"chunk {b} size")));
        }

        return fields;
    }

    [Theory]
    [InlineData(ExrCompression.None)]
    [InlineData(ExrCompression.Zip)]
    public void Exr_sizes_and_offsets_at_their_edges_give_an_image_or_malformed_input(ExrCompression compression)
    {
        var exr = Exr(compression);
        void Read(byte[] b) => _ = ExrCodec.Read(b, Source);
        Read(exr);
        var fields = ExrFields(exr);
        Assert.Contains(fields, f => f.Name == "offset 0");
        var cases = Fields(exr, fields, Read, bigEndian: false);
        cases += Truncations(exr, Read);
        Random(exr, Read);
        Assert.True(cases > 100, FormattableString.Invariant($"{cases} cases"));
    }

    [Fact]
    public void An_exr_declaring_16384_by_8192_in_two_channels_is_refused_on_its_header_before_allocating()
    {
        var exr = Exr(ExrCompression.Zip);
        var window = ExrFields(exr).First(f => f.Name == "dataWindow[2]").At;
        BinaryPrimitives.WriteInt32LittleEndian(exr.AsSpan(window), 16383);
        BinaryPrimitives.WriteInt32LittleEndian(exr.AsSpan(window + 4), 8191);

        // Room for the 512-entry offset table, so the file passes every check that came before the allocation.
        exr = [.. exr, .. new byte[512 * 8]];

        // Before: 16384 × 8192 × 2 channels of floats (1 GiB) were allocated from this 5 KB file.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<MalformedInputException>(() => ExrCodec.Read(exr, Source));
        Assert.Equal("dataWindow", error.Field);
        Assert.Contains("decode budget", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the refusal allocated the image");
    }
}
