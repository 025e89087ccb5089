using System.Text;
using CsCheck;
using InterPositive.Formats;
using InterPositive.Media;

namespace InterPositive.Media.Tests;

/// <summary>
/// The ffprobe JSON parser on golden inputs (ffprobe 5.1's output for a ProRes 422 HQ MOV and a DNxHR LB MXF the kit
/// writes, in Golden/), on malformed input, and under bounded fuzzing: it returns a result or throws
/// <see cref="MalformedInputException"/>, nothing else.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FfprobeJsonTests
{
    internal static byte[] Golden(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", name));

    [Fact]
    public void Golden_prores_mov_gives_codec_size_rate_frames_and_timecode()
    {
        var probe = FfprobeJson.Parse(Golden("prores-hq.mov.json"), "prores-hq.mov");
        Assert.Equal(2, probe.Streams.Count);
        var video = probe.Video!;
        Assert.Equal(("prores", "HQ", "apch"), (video.CodecName, video.Profile, video.CodecTag));
        Assert.Equal((320, 180), (video.Width, video.Height));
        Assert.Equal(FrameRate.Fps23_976, video.Rate);
        Assert.Equal(5, video.Frames);
        Assert.Equal("01:00:00:00", video.Tags["timecode"]);
        Assert.Equal(("data", "tmcd"), (probe.Streams[1].CodecType, probe.Streams[1].CodecTag));
        Assert.StartsWith("mov,", probe.Format!.FormatName, StringComparison.Ordinal);
        Assert.Equal("01:00:00:00", probe.StartTimecode?.ToString());
    }

    [Fact]
    public void Golden_dnxhr_mxf_gives_a_drop_frame_timecode_from_the_container()
    {
        var probe = FfprobeJson.Parse(Golden("dnxhr-lb.mxf.json"), "dnxhr-lb.mxf");
        var video = Assert.Single(probe.Streams);
        Assert.Equal(("dnxhd", "DNXHR LB", "[0][0][0][0]"), (video.CodecName, video.Profile, video.CodecTag));
        Assert.Equal((1280, 720), (video.Width, video.Height));
        Assert.Null(video.Frames);
        Assert.Equal(0.1001, video.DurationSeconds);
        Assert.Equal("mxf", probe.Format!.FormatName);
        Assert.Equal("FFmpeg", probe.Format.Tags["company_name"]);
        var tc = probe.StartTimecode;
        Assert.NotNull(tc);
        Assert.True(tc.Value.Rate.DropFrame);
        Assert.Equal("10:00:00;00", tc.Value.ToString());
    }

    [Theory]
    [InlineData("", "not JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"streams\":[", "not JSON")]
    [InlineData("{\"streams\":[1]}", "not an object")]
    [InlineData("{\"streams\":[]} {}", "not JSON")]
    [InlineData("{\"streams\":[{\"width\":12,}]}", "not JSON")]
    [InlineData("{\"format\":{\"tags\":{\"a\":\"\\u12\"}}}", "not JSON")]
    public void Malformed_output_is_named_with_its_source(string text, string cause)
    {
        var error = Assert.Throws<MalformedInputException>(() => FfprobeJson.Parse(Encoding.UTF8.GetBytes(text), "clip.mov"));
        Assert.Contains("clip.mov", error.Message, StringComparison.Ordinal);
        Assert.Contains(cause, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unexpected_value_types_are_left_null_not_guessed()
    {
        var probe = FfprobeJson.Parse("""{"streams":[{"codec_type":"video","width":"wide","height":-4,"r_frame_rate":"N/A","nb_frames":{"x":1},"tags":[1,2]}]}"""u8, "odd");
        var video = probe.Video!;
        Assert.Null(video.Width);
        Assert.Null(video.Height);
        Assert.Null(video.Rate);
        Assert.Null(video.Frames);
        Assert.Empty(video.Tags);
        Assert.Null(probe.StartTimecode);
    }

    [Fact]
    public void Limits_hold_against_oversized_output()
    {
        var streams = string.Join(',', Enumerable.Repeat("{}", FfprobeJson.MaxStreams + 1));
        Assert.Contains("streams", Assert.Throws<MalformedInputException>(() => FfprobeJson.Parse(Encoding.UTF8.GetBytes($"{{\"streams\":[{streams}]}}"), "many")).Message, StringComparison.Ordinal);
        var tags = string.Join(',', Enumerable.Range(0, FfprobeJson.MaxTags + 1).Select(i => $"\"k{i}\":\"v\""));
        Assert.Contains("tags", Assert.Throws<MalformedInputException>(() => FfprobeJson.Parse(Encoding.UTF8.GetBytes($"{{\"format\":{{\"tags\":{{{tags}}}}}}}"), "tagged")).Message, StringComparison.Ordinal);
        Assert.Throws<MalformedInputException>(() => FfprobeJson.Parse(new byte[FfprobeJson.MaxBytes + 1], "huge"));
        var deep = new string('[', 200) + new string(']', 200);
        Assert.Throws<MalformedInputException>(() => FfprobeJson.Parse(Encoding.UTF8.GetBytes($"{{\"x\":{deep}}}"), "deep"));
    }

    [Fact]
    public void Random_bytes_parse_or_fail_as_malformed_input() =>
        Gen.Byte.Array[0, 512].Sample(bytes => ParsesOrIsMalformed(bytes), iter: 3000);

    [Fact]
    public void Mutated_golden_output_parses_or_fails_as_malformed_input()
    {
        var golden = Golden("prores-hq.mov.json");
        Gen.Select(Gen.Int[0, golden.Length - 1], Gen.Byte, Gen.Int[0, golden.Length]).Sample(
            m =>
            {
                var (at, value, cut) = m;
                var bytes = (byte[])golden.Clone();
                bytes[at] = value;
                ParsesOrIsMalformed(bytes);
                ParsesOrIsMalformed(bytes.AsSpan(0, cut).ToArray());
            },
            iter: 3000);
    }

    private static void ParsesOrIsMalformed(byte[] bytes)
    {
        try
        {
            var probe = FfprobeJson.Parse(bytes, "fuzz");
            Assert.True(probe.Streams.Count <= FfprobeJson.MaxStreams);
            Assert.All(probe.Streams, s => Assert.True(s.Width is null or > 0));
            _ = probe.StartTimecode;
        }
        catch (MalformedInputException e)
        {
            Assert.Contains("fuzz", e.Message, StringComparison.Ordinal);
        }
    }
}
