using CsCheck;
using InterPositive.Formats.Clips;
using InterPositive.Formats.QuickTime;
using InterPositive.Testing;
using InterPositive.Testing.Media;

namespace InterPositive.Formats.Tests.QuickTime;

[Trait("Category", "Unit")]
public sealed class QuickTimeReaderTests
{
    private static ClipRecord Read(byte[] bytes, string name = "clip.mov")
    {
        using var stream = new MemoryStream(bytes);
        return QuickTimeClip.Read(stream, name);
    }

    private static MovWriter ArriStyle()
    {
        var mov = new MovWriter { TimecodeFrame = (uint)((14 * 3600) + (10 * 60) + 24) * 24 + 11 };
        mov.Metadata.Add(new("com.arri.camera.CameraModel", "ALEXA Mini LF"));
        mov.Metadata.Add(new("com.arri.camera.CameraSerialNumber", "2871"));
        mov.Metadata.Add(new("com.arri.camera.ReelName", "A002R2EC"));
        mov.Metadata.Add(new("com.arri.camera.SceneName", "42A"));
        mov.Metadata.Add(new("com.arri.camera.TakeName", "3"));
        mov.Metadata.Add(new("com.arri.camera.WhiteBalanceKelvin", 5600));
        mov.Metadata.Add(new("com.arri.camera.ExposureIndexAsa", 800));
        mov.Metadata.Add(new("com.arri.camera.LensType", "Signature Prime 35"));
        mov.Metadata.Add(new("org.smpte.rdd18.lens.irisfnumber", "F2.8"));
        mov.Metadata.Add(new("org.smpte.rdd18.camera.shutterspeed_angle", "172.8"));
        mov.Metadata.Add(new("org.smpte.rdd18.camera.neutraldensityfilterwheelsetting", "0.6"));
        mov.Metadata.Add(new("com.arri.camera.LensFocalLength", 35.0));
        return mov;
    }

    [Fact]
    public void Reads_tracks_timecode_and_arri_metadata_from_a_written_movie()
    {
        var clip = Read(ArriStyle().Build());
        Assert.Equal("Apple ProRes 422 HQ", clip.Codec);
        Assert.Equal("apch", clip.CodecId);
        Assert.Equal(1920, clip.Width);
        Assert.Equal(1080, clip.Height);
        Assert.Equal(23.976, clip.Fps);
        Assert.Equal(24, clip.DurationFrames);
        Assert.Equal(new TimecodeInfo("14:10:24:11", "23.976", false), clip.Timecode);
        Assert.Equal("ARRI", clip.Camera.Make);
        Assert.Equal("ALEXA Mini LF", clip.Camera.Model);
        Assert.Equal("2871", clip.Camera.Serial);
        Assert.Equal("A002R2EC", clip.Reel);
        Assert.Equal("42A", clip.Scene);
        Assert.Equal("3", clip.Take);
        Assert.Equal(5600, clip.WhiteBalanceK);
        Assert.Equal(800, clip.ExposureIndex);
        Assert.Equal("Signature Prime 35", clip.Lens.Model);
        Assert.Equal(2.8, clip.Lens.FNumber);
        Assert.Equal(35.0, clip.Lens.FocalLengthMm);
        Assert.Equal(172.8, clip.ShutterAngle);
        Assert.Equal("0.6", clip.Nd);
        Assert.Empty(clip.Errors);
    }

    [Fact]
    public void Drop_frame_timecode_comes_from_the_tmcd_flags()
    {
        var mov = new MovWriter { Timescale = 30000, FrameDuration = 1001, DropFrame = true, TimecodeFrame = 107892, MovieFirst = true };
        var clip = Read(mov.Build());
        Assert.Equal(new TimecodeInfo("01:00:00;00", "29.97", true), clip.Timecode);
        Assert.Equal(29.97, clip.Fps);
    }

    [Fact]
    public void Udta_make_and_model_are_read()
    {
        var mov = new MovWriter { TimecodeFrame = null };
        mov.UserData["\u00A9mak"] = "Canon";
        mov.UserData["\u00A9mod"] = "EOS C70";
        var clip = Read(mov.Build());
        Assert.Equal("Canon", clip.Camera.Make);
        Assert.Equal("EOS C70", clip.Camera.Model);
        Assert.Null(clip.Timecode);
    }

    [Fact]
    public void A_file_cut_short_in_its_essence_still_yields_the_header_with_a_warning()
    {
        var bytes = new MovWriter { MovieFirst = true }.Build();
        var clip = Read(bytes[..(bytes.Length - 100)]);
        Assert.Equal("01:00:00:00", clip.Timecode?.Start);
        Assert.Contains(clip.Errors, e => e.Contains("cut short", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(40)]
    public void Empty_short_and_headerless_files_are_malformed(int length)
    {
        var bytes = new MovWriter().Build()[..length];
        var error = Assert.Throws<MalformedInputException>(() => Read(bytes, "A001.mov"));
        Assert.StartsWith("A001.mov", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_extension_file_is_refused_by_its_first_atom()
    {
        var error = Assert.Throws<MalformedInputException>(() => Read(System.Text.Encoding.ASCII.GetBytes("<?xml version=\"1.0\"?><NonRealTimeMeta/>"), "C0001M01.mov"));
        Assert.Contains("not a QuickTime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_sizes_and_counts_are_refused_not_followed()
    {
        var bytes = ArriStyle().Build();
        var moov = FindAtom(bytes, "keys");
        // A key count of four billion.
        bytes[moov + 12] = 0xFF;
        bytes[moov + 13] = 0xFF;
        var error = Assert.Throws<MalformedInputException>(() => Read(bytes));
        Assert.Contains("keys", error.Message, StringComparison.Ordinal);

        var loop = ArriStyle().Build();
        var trak = FindAtom(loop, "trak");
        // An atom claiming more bytes than its parent holds.
        loop[trak] = 0x7F;
        Assert.Throws<MalformedInputException>(() => Read(loop));
    }

    [Fact]
    public void Random_mutations_and_truncations_yield_a_record_or_a_malformed_input_error()
    {
        var original = ArriStyle().Build();
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte, Gen.Int[0, original.Length], Gen.Int[0, 3]).Sample((at, value, keep, extra) =>
        {
            var bytes = original.ToArray();
            bytes[at] = value;
            if (extra > 0 && at + extra < bytes.Length)
            {
                bytes[at + extra] = (byte)~value;
            }

            try
            {
                Read(bytes[..Math.Max(keep, 1)]);
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 2000);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Reads_ffmpeg_prores_hq_with_timecode_and_mdta_keys()
    {
        using var folder = new TempFolder("qt");
        var path = Ffmpeg.ProResMov(folder.Combine("A001C001.mov"), "24000/1001", "01:00:00:00", ("com.arri.camera.ReelName", "A001"), ("com.arri.camera.ExposureIndexAsa", "1280"));
        using var stream = File.OpenRead(path);
        var clip = QuickTimeClip.Read(stream, "A001C001.mov");
        Assert.Equal(("Apple ProRes 422 HQ", "apch"), (clip.Codec, clip.CodecId));
        Assert.Equal(320, clip.Width);
        Assert.Equal(180, clip.Height);
        Assert.Equal(23.976, clip.Fps);
        Assert.Equal(5, clip.DurationFrames);
        Assert.Equal(new TimecodeInfo("01:00:00:00", "23.976", false), clip.Timecode);
        Assert.Equal("A001", clip.Reel);
        Assert.Equal(1280, clip.ExposureIndex);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Reads_ffmpeg_drop_frame_and_dnxhr()
    {
        using var folder = new TempFolder("qt");
        var df = Ffmpeg.ProResMov(folder.Combine("df.mov"), "30000/1001", "00:59:59;28");
        using (var stream = File.OpenRead(df))
        {
            var clip = QuickTimeClip.Read(stream, "df.mov");
            Assert.Equal(new TimecodeInfo("00:59:59;28", "29.97", true), clip.Timecode);
        }

        var dnx = Ffmpeg.Dnxhr(folder.Combine("dnx.mov"), "25", "10:00:00:00");
        using (var stream = File.OpenRead(dnx))
        {
            var clip = QuickTimeClip.Read(stream, "dnx.mov");
            Assert.Equal(("Avid DNxHR LB", "AVdh"), (clip.Codec, clip.CodecId));
            Assert.Equal(1280, clip.Width);
            Assert.Equal(25, clip.Fps);
            Assert.Equal(new TimecodeInfo("10:00:00:00", "25", false), clip.Timecode);
        }
    }

    private static int FindAtom(byte[] bytes, string type)
    {
        var pattern = System.Text.Encoding.Latin1.GetBytes(type);
        var at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 4, type);
        return at - 4;
    }
}

[Trait("Category", "Unit")]
public sealed class SonyRealTimeMetadataTests
{
    [Fact]
    public void Rdd18_sets_in_the_first_rtmd_sample_fill_the_record()
    {
        var lens = new InterPositive.Formats.Rdd18.AcquisitionMetadata { IrisFNumber = 4, FocalLengthMm = 24, FocusDistanceMetres = 1.5 };
        var camera = new InterPositive.Formats.Rdd18.AcquisitionMetadata { Iso = 12800, WhiteBalanceKelvin = 3200, ShutterAngleDegrees = 180 };
        var sample = MovWriter.Concat(
            [0x00, 0x1C, 0x01, 0x00],
            MxfWriter.Klv([.. InterPositive.Formats.Rdd18.Rdd18Codec.LensUnitSetKey], InterPositive.Formats.Rdd18.Rdd18Codec.EncodeItems(lens)),
            MxfWriter.Klv([.. InterPositive.Formats.Rdd18.Rdd18Codec.CameraUnitSetKey], InterPositive.Formats.Rdd18.Rdd18Codec.EncodeItems(camera)));
        var mov = new MovWriter { Codec = "avc1", RealTimeMetadata = sample, Timescale = 25, FrameDuration = 1 };
        using var stream = new MemoryStream(mov.Build());
        var clip = QuickTimeClip.Read(stream, "C0001.MP4");
        Assert.Equal(12800, clip.Iso);
        Assert.Equal(3200, clip.WhiteBalanceK);
        Assert.Equal(180, clip.ShutterAngle!.Value, 1);
        Assert.Equal(4, clip.Lens.FNumber);
        Assert.Equal(24, clip.Lens.FocalLengthMm!.Value, 1);
        Assert.Equal(("H.264/AVC", "avc1"), (clip.Codec, clip.CodecId));
        Assert.Empty(clip.Errors);
    }
}
