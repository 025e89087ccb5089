using CsCheck;
using InterPositive.Formats;
using InterPositive.Formats.Rdd18;

namespace InterPositive.Formats.Tests.Rdd18;

[Trait("Category", "Unit")]
public sealed class Rdd18CodecTests
{
    private static readonly AcquisitionMetadata Alexa = new()
    {
        IrisFNumber = 2.8,
        IrisTNumber = 2.9,
        FocusDistanceMetres = 3.25,
        FocalLengthMm = 50,
        FocalLength35mmEquivalentMm = 71,
        IrisRingPercent = 40,
        LensAttributes = "Cooke S4/i 50mm",
        NdFilter = 8,
        CaptureFrameRate = 24000.0 / 1001,
        ShutterAngleDegrees = 172.8,
        ShutterTimeSeconds = 1.0 / 50,
        MasterGainDb = -3,
        Iso = 800,
        WhiteBalanceKelvin = 5600,
        CameraAttributes = "ARRI ALEXA 35 SN 60123",
        ExposureIndex = 800,
        Cdl = new Rdd18Cdl(1.1, 1.2, 1.3, 0.01, -0.02, 0.03, 1.0, 0.9, 1.1, 0.85),
    };

    [Fact]
    public void Items_round_trip_within_their_encodings_precision()
    {
        var decoded = Rdd18Codec.DecodeItems(Rdd18Codec.EncodeItems(Alexa));

        Assert.Equal(2.8, decoded.IrisFNumber!.Value, 3);
        Assert.Equal(2.9, decoded.IrisTNumber!.Value, 3);
        Assert.Equal(3.25, decoded.FocusDistanceMetres!.Value, 6);
        Assert.Equal(50, decoded.FocalLengthMm!.Value, 6);
        Assert.Equal(71, decoded.FocalLength35mmEquivalentMm!.Value, 6);
        Assert.Equal(40, decoded.IrisRingPercent!.Value, 2);
        Assert.Equal("Cooke S4/i 50mm", decoded.LensAttributes);
        Assert.Equal(8, decoded.NdFilter);
        Assert.Equal(3, decoded.NdStops!.Value, 9);
        Assert.Equal(23.976, decoded.CaptureFrameRate!.Value, 3);
        Assert.Equal(172.8, decoded.ShutterAngleDegrees!.Value, 6);
        Assert.Equal(0.02, decoded.ShutterTimeSeconds!.Value, 9);
        Assert.Equal(-3, decoded.MasterGainDb!.Value, 6);
        Assert.Equal(800, decoded.Iso);
        Assert.Equal(5600, decoded.WhiteBalanceKelvin);
        Assert.Equal("ARRI ALEXA 35 SN 60123", decoded.CameraAttributes);
        Assert.Equal(800, decoded.ExposureIndex);
        var cdl = decoded.Cdl!;
        Assert.Equal(1.1, cdl.SlopeR, 2);
        Assert.Equal(-0.02, cdl.OffsetG, 3);
        Assert.Equal(0.85, cdl.Saturation, 2);
    }

    [Theory]
    [InlineData(0x0000, 256.0)]
    [InlineData(0x8000, 16.0)]
    [InlineData(0xC000, 4.0)]
    [InlineData(0xE000, 2.0)]
    public void Iris_follows_two_to_the_eight_times_one_minus_v(int v, double f) =>
        Assert.Equal(f, Rdd18Codec.DecodeIris((ushort)v), 9);

    [Theory]
    [InlineData(0x0001, 1.0)] // mantissa 1, exponent 0
    [InlineData(0xD145, 0.325)] // exponent -3, mantissa 325 → 325 mm
    [InlineData(0xC7D0, 0.2)] // exponent -4, mantissa 2000
    [InlineData(0xF7D0, 200.0)] // exponent -1, mantissa 2000
    [InlineData(0x1064, 1000.0)] // exponent 1, mantissa 100
    public void Lens_float16_is_mantissa_times_ten_to_the_signed_exponent(int v, double metres) =>
        Assert.Equal(metres, Rdd18Codec.DecodeLensFloat16((ushort)v), 9);

    [Fact]
    public void Anc_payload_skips_the_first_byte_and_reads_klv_wrapped_sets()
    {
        var items = Rdd18Codec.EncodeItems(new AcquisitionMetadata { Iso = 1600, WhiteBalanceKelvin = 3200 });
        var payload = new List<byte> { 0x5A };
        payload.AddRange(Rdd18Codec.CameraUnitSetKey.ToArray());
        payload.Add((byte)items.Length);
        payload.AddRange(items);

        var decoded = Rdd18Codec.DecodeAncPayload(payload.ToArray());

        Assert.Equal(1600, decoded.Iso);
        Assert.Equal(3200, decoded.WhiteBalanceKelvin);
    }

    [Fact]
    public void Anc_payload_with_bare_items_round_trips()
    {
        var decoded = Rdd18Codec.DecodeAncPayload(Rdd18Codec.EncodeAncPayload(Alexa));
        Assert.Equal(Alexa.Iso, decoded.Iso);
        Assert.Equal(Alexa.CameraAttributes, decoded.CameraAttributes);
    }

    [Fact]
    public void Unknown_tags_are_skipped_by_their_length()
    {
        byte[] items = [0xE1, 0x01, 0x00, 0x03, 1, 2, 3, 0x81, 0x0B, 0x00, 0x02, 0x03, 0x20];
        Assert.Equal(800, Rdd18Codec.DecodeItems(items).Iso);
    }

    [Fact]
    public void Merge_keeps_earlier_items_that_a_partial_set_leaves_out()
    {
        var merged = new AcquisitionMetadata { Iso = 800, IrisFNumber = 2.8 }.Merge(new AcquisitionMetadata { Iso = 1280 });
        Assert.Equal(1280, merged.Iso);
        Assert.Equal(2.8, merged.IrisFNumber);
    }

    [Theory]
    [InlineData(new byte[] { 0x81, 0x0B, 0x00 }, "local tag")]
    [InlineData(new byte[] { 0x81, 0x0B, 0x00, 0x09, 0x03 }, "tag 0x810B")]
    [InlineData(new byte[] { 0x81, 0x0B, 0x00, 0x01, 0x03 }, "tag 0x810B")]
    [InlineData(new byte[] { 0x81, 0x17, 0x00, 0x02, 0x3C, 0x00 }, "tag 0x8117")]
    public void Malformed_items_name_the_offset_and_field(byte[] items, string field)
    {
        var error = Assert.Throws<MalformedInputException>(() => Rdd18Codec.DecodeItems(items, "feed A"));
        Assert.Equal(field, error.Field);
        Assert.StartsWith("feed A, offset ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Klv_length_past_the_end_is_malformed()
    {
        var data = new List<byte>(Rdd18Codec.LensUnitSetKey.ToArray()) { 0x40, 0x80, 0x00 };
        Assert.Throws<MalformedInputException>(() => Rdd18Codec.DecodeSets(data.ToArray()));
    }

    [Fact]
    public void Arbitrary_bytes_decode_or_report_malformed_never_crash() =>
        Gen.Byte.Array[0, 300].Sample(
            bytes =>
            {
                try
                {
                    Rdd18Codec.DecodeAncPayload(bytes);
                }
                catch (MalformedInputException)
                {
                }
            },
            iter: 5000);

    [Fact]
    public void Encoded_iso_and_white_balance_round_trip_for_any_value() =>
        Gen.Select(Gen.Int[1, 65535], Gen.Int[1, 65535]).Sample(
            t => Rdd18Codec.DecodeItems(Rdd18Codec.EncodeItems(new AcquisitionMetadata { Iso = t.Item1, WhiteBalanceKelvin = t.Item2 })) is { } m
                && m.Iso == t.Item1 && m.WhiteBalanceKelvin == t.Item2,
            iter: 1000);
}
