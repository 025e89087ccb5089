using CsCheck;
using InterPositive.Formats.Clips;
using InterPositive.Formats.Mxf;
using InterPositive.Testing;
using InterPositive.Testing.Media;

namespace InterPositive.Formats.Tests.Mxf;

[Trait("Category", "Unit")]
public sealed class MxfReaderTests
{
    private static ClipRecord Read(byte[] bytes, string name = "clip.mxf")
    {
        using var stream = new MemoryStream(bytes);
        return MxfClip.Read(stream, name);
    }

    [Fact]
    public void Reads_structure_timecode_descriptor_and_rdd18_sets()
    {
        var writer = new MxfWriter();
        using var stream = new MemoryStream(writer.Build());
        var info = MxfReader.Read(stream, "a.mxf");
        Assert.Equal("closed complete", info.PartitionStatus);
        Assert.Contains(info.Tracks, t => t is { Kind: "picture", Package: "material", Duration: 3 });
        Assert.Contains(info.Tracks, t => t is { Kind: "timecode", Package: "material" });
        Assert.Equal(2, info.AcquisitionSets.Count);
        Assert.Contains("A_0076C001_230511_184122_h1CTJ", info.PackageNames);
        Assert.NotEmpty(info.Primer);

        var clip = MxfClip.ToRecord(info, "a.mxf");
        Assert.Equal(new TimecodeInfo("01:00:00:00", "23.976", false), clip.Timecode);
        Assert.Equal(23.976, clip.Fps);
        Assert.Equal(3840, clip.Width);
        Assert.Equal(2160, clip.Height);
        Assert.Equal("Apple ProRes 422 HQ", clip.Codec);
        Assert.Equal("060e2b340401010d0401020203060400", clip.CodecId);
        Assert.Equal(3, clip.DurationFrames);
        Assert.Equal("ARRI", clip.Camera.Make);
        Assert.Equal("ALEXA 35", clip.Camera.Model);
        Assert.Equal(800, clip.Iso);
        Assert.Equal(800, clip.ExposureIndex);
        Assert.Equal(5600, clip.WhiteBalanceK);
        Assert.Equal(172.8, clip.ShutterAngle!.Value, 1);
        Assert.Equal("0.6", clip.Nd);
        Assert.Equal(2.8, clip.Lens.FNumber);
        Assert.Equal(50, clip.Lens.FocalLengthMm!.Value, 1);
        Assert.Equal(2.5, clip.Lens.FocusDistanceM!.Value, 1);
        Assert.Empty(clip.Errors);
    }

    [Fact]
    public void Drop_frame_timecode_components_print_with_a_semicolon()
    {
        var writer = new MxfWriter { EditRateNumerator = 30000, EditRateDenominator = 1001, RoundedTimecodeBase = 30, DropFrame = true, StartTimecodeFrames = 107892 };
        var clip = Read(writer.Build());
        Assert.Equal(new TimecodeInfo("01:00:00;00", "29.97", true), clip.Timecode);
    }

    [Fact]
    public void A_file_cut_short_in_its_essence_keeps_its_header()
    {
        var bytes = new MxfWriter().Build();
        var clip = Read(bytes[..(bytes.Length - 5000)]);
        Assert.Equal("01:00:00:00", clip.Timecode?.Start);
        Assert.Contains(clip.Errors, e => e.Contains("cut short", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(60)]
    public void Empty_and_short_files_are_malformed(int keep)
    {
        var bytes = new MxfWriter().Build()[..keep];
        var error = Assert.Throws<MalformedInputException>(() => Read(bytes, "C0001.MXF"));
        Assert.StartsWith("C0001.MXF", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quicktime_file_named_mxf_is_refused() =>
        Assert.Throws<MalformedInputException>(() => Read(new MovWriter().Build(), "wrong.mxf"));

    [Fact]
    public void Huge_lengths_are_refused_not_followed()
    {
        var bytes = new MxfWriter().Build();
        // The primer pack's BER length (after the 16+4+88+... partition pack) set to 0x7FFFFF.
        var primer = bytes.AsSpan().IndexOf((byte[])[0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01, 0x05, 0x01, 0x00]);
        bytes[primer + 17] = 0x7F;
        Assert.Throws<MalformedInputException>(() => Read(bytes));
    }

    [Fact]
    public void Random_mutations_and_truncations_yield_a_record_or_a_malformed_input_error()
    {
        var original = new MxfWriter().Build();
        var headerEnd = Math.Min(original.Length, 4096);
        Gen.Select(Gen.Int[0, headerEnd - 1], Gen.Byte, Gen.Int[0, original.Length]).Sample((at, value, keep) =>
        {
            var bytes = original.ToArray();
            bytes[at] = value;
            try
            {
                Read(bytes[..Math.Max(keep, 1)]);
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 1500);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Reads_ffmpeg_dnxhr_mxf_with_drop_frame_timecode()
    {
        using var folder = new TempFolder("mxf");
        var path = Ffmpeg.Dnxhr(folder.Combine("d.mxf"), "30000/1001", "01:00:00;00");
        using var stream = File.OpenRead(path);
        var clip = MxfClip.Read(stream, "d.mxf");
        Assert.Equal(new TimecodeInfo("01:00:00;00", "29.97", true), clip.Timecode);
        Assert.Equal(29.97, clip.Fps);
        Assert.Equal(1280, clip.Width);
        Assert.Equal(720, clip.Height);
        Assert.Equal("Avid DNxHR LB", clip.Codec);
        Assert.Equal(3, clip.DurationFrames);
    }
}
