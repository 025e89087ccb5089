using System.Text;
using CsCheck;
using InterPositive.Formats.Clips;
using InterPositive.Formats.Sony;
using InterPositive.Testing.Media;

namespace InterPositive.Formats.Tests.Sony;

[Trait("Category", "Unit")]
public sealed class NonRealTimeMetaTests
{
    private static ClipRecord Read(string xml)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml));
        return NonRealTimeMeta.Read(stream, "C0001M01.XML", "XDROOT/Clip/C0001.MXF");
    }

    [Fact]
    public void Reads_ltc_device_lens_acquisition_record_and_user_metadata()
    {
        var clip = Read(new SonyXmlWriter().Build());
        Assert.Equal(new TimecodeInfo("16:47:04:19", "23.976", false), clip.Timecode);
        Assert.Equal(240, clip.DurationFrames);
        Assert.Equal(23.976, clip.Fps);
        Assert.Equal(6054, clip.Width);
        Assert.Equal(3192, clip.Height);
        Assert.Equal(("Sony X-OCN ST", "X-OCN_ST"), (clip.Codec, clip.CodecId));
        Assert.Equal(new CameraInfo { Make = "Sony", Model = "MPC-3610", Serial = "0012345" }, clip.Camera);
        Assert.Equal(172.8, clip.ShutterAngle);
        Assert.Equal(4300, clip.WhiteBalanceK);
        Assert.Equal(2500, clip.Iso);
        Assert.Equal(2500, clip.ExposureIndex);
        Assert.Equal("0.6", clip.Nd);
        Assert.Equal("FE 24-70mm F2.8 GM", clip.Lens.Model);
        Assert.Equal(4.0, clip.Lens.FNumber);
        Assert.Equal(35, clip.Lens.FocalLengthMm);
        Assert.Equal(2.4, clip.Lens.FocusDistanceM);
        Assert.Equal("A012", clip.Reel);
        Assert.Equal("27", clip.Scene);
        Assert.Equal("2", clip.Take);
        Assert.Empty(clip.Errors);
    }

    [Theory]
    [InlineData("19044716", 16, 47, 4, 19, false)]
    [InlineData("00000001", 1, 0, 0, 0, false)]
    [InlineData("42000010", 10, 0, 0, 2, true)]
    public void Ltc_values_are_bcd_frames_seconds_minutes_hours(string value, int h, int m, int s, int f, bool drop)
    {
        Assert.True(NonRealTimeMeta.TryDecodeLtc(value, out var hh, out var mm, out var ss, out var ff, out var df));
        Assert.Equal((h, m, s, f, drop), (hh, mm, ss, ff, df));
    }

    [Fact]
    public void Drop_frame_ltc_at_2997_prints_with_a_semicolon()
    {
        var clip = Read(new SonyXmlWriter { FormatFps = "29.97p", TcFps = 30, LtcValue = "42000010" }.Build());
        Assert.Equal(new TimecodeInfo("10:00:00;02", "29.97", true), clip.Timecode);
    }

    [Fact]
    public void A_bad_ltc_value_is_reported_not_thrown()
    {
        var clip = Read(new SonyXmlWriter { LtcValue = "ZZ044716" }.Build());
        Assert.Null(clip.Timecode);
        Assert.Contains(clip.Errors, e => e.Contains("ZZ044716", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<NonRealTimeMeta>")]
    [InlineData("<Other/>")]
    [InlineData("<!DOCTYPE x [<!ENTITY a \"b\">]><NonRealTimeMeta/>")]
    public void Malformed_documents_are_malformed_input(string xml) =>
        Assert.Throws<MalformedInputException>(() => Read(xml));

    [Fact]
    public void Random_mutations_yield_a_record_or_a_malformed_input_error()
    {
        var original = Encoding.UTF8.GetBytes(new SonyXmlWriter().Build());
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte, Gen.Int[1, original.Length]).Sample((at, value, keep) =>
        {
            var bytes = original.ToArray();
            bytes[at] = value;
            try
            {
                using var stream = new MemoryStream(bytes, 0, keep);
                NonRealTimeMeta.Read(stream, "x.XML", "x.MXF");
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 500);
    }
}
