using InterPositive.Formats.Clips;
using InterPositive.Formats.Mxf;
using InterPositive.Formats.QuickTime;
using InterPositive.Media;
using InterPositive.Testing;
using InterPositive.Testing.Media;

namespace InterPositive.Media.Tests;

/// <summary>
/// ffprobe and our own clip readers on the same real files (MOV and MXF the kit writes with Debian's ffmpeg): codec,
/// start timecode, frame rate and picture size agree. And the golden probe outputs in Golden/ are what ffprobe says
/// about those fixtures today, so the parser's golden tests stay tied to real files.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProbeAgreementTests
{
    public static TheoryData<string, string, string> Clips => new()
    {
        { "prores.mov", "24000/1001", "01:00:00:00" },
        { "prores-df.mov", "30000/1001", "00:59:59;28" },
        { "dnxhr.mov", "25", "10:00:00:00" },
        { "dnxhr-df.mxf", "30000/1001", "01:00:00;00" },
        { "dnxhr.mxf", "25", "10:00:00:00" },
    };

    [Theory]
    [MemberData(nameof(Clips))]
    public async Task Ffprobe_agrees_with_our_clip_record(string name, string rate, string timecode)
    {
        using var folder = new TempFolder("probe-agree");
        var path = name.StartsWith("prores", StringComparison.Ordinal)
            ? Ffmpeg.ProResMov(folder.Combine(name), rate, timecode)
            : Ffmpeg.Dnxhr(folder.Combine(name), rate, timecode);
        ClipRecord clip;
        await using (var stream = File.OpenRead(path))
        {
            clip = name.EndsWith(".mxf", StringComparison.Ordinal) ? MxfClip.Read(stream, name) : QuickTimeClip.Read(stream, name);
        }

        var probe = await MediaTools.Default.ProbeAsync(path, CancellationToken.None);
        var video = probe.Video!;
        Assert.Empty(clip.Errors);

        // Codec: ffprobe's profile ("HQ", "DNXHR LB") closes our trade name; in a MOV its FourCC is our codecId.
        Assert.EndsWith(video.Profile!, clip.Codec!, StringComparison.OrdinalIgnoreCase);
        if (name.EndsWith(".mov", StringComparison.Ordinal))
        {
            Assert.Equal(video.CodecTag, clip.CodecId);
            Assert.Equal(video.Frames, clip.DurationFrames);
        }

        Assert.Equal(probe.StartTimecode?.ToString(), clip.Timecode?.Start);
        Assert.Equal(probe.StartTimecode?.Rate.DropFrame, clip.Timecode?.DropFrame);
        Assert.Equal(Math.Round(video.Rate!.Value.FramesPerSecond, 3), clip.Fps);
        Assert.Equal((video.Width, video.Height), (clip.Width, clip.Height));
    }

    [Theory]
    [InlineData("prores-hq.mov.json")]
    [InlineData("dnxhr-lb.mxf.json")]
    public async Task Golden_outputs_match_what_ffprobe_says_about_the_kit_fixtures_today(string golden)
    {
        // The goldens were captured with: ffprobe -v error -print_format json -show_format -show_streams FILE,
        // FILE made by the kit exactly as below; refresh them with that command when Debian's ffmpeg changes.
        using var folder = new TempFolder("probe-golden");
        var path = golden.StartsWith("prores", StringComparison.Ordinal)
            ? Ffmpeg.ProResMov(folder.Combine("prores-hq.mov"))
            : Ffmpeg.Dnxhr(folder.Combine("dnxhr-lb.mxf"), "30000/1001", "10:00:00;00");
        var fresh = await MediaTools.Default.ProbeAsync(path, CancellationToken.None);
        var stored = FfprobeJson.Parse(FfprobeJsonTests.Golden(golden), golden);

        Assert.Equal(stored.Format?.FormatName, fresh.Format?.FormatName);
        Assert.Equal(stored.StartTimecode, fresh.StartTimecode);
        Assert.Equal(stored.Streams.Count, fresh.Streams.Count);
        foreach (var (a, b) in stored.Streams.Zip(fresh.Streams))
        {
            Assert.Equal((a.CodecType, a.CodecName, a.Profile, a.CodecTag), (b.CodecType, b.CodecName, b.Profile, b.CodecTag));
            Assert.Equal((a.Width, a.Height, a.RFrameRate, a.Frames, a.PixelFormat), (b.Width, b.Height, b.RFrameRate, b.Frames, b.PixelFormat));
            Assert.Equal(a.Tags.GetValueOrDefault("timecode"), b.Tags.GetValueOrDefault("timecode"));
        }
    }

    [Fact]
    public async Task An_unreadable_file_is_bad_input_naming_the_file()
    {
        using var folder = new TempFolder("probe-bad");
        var junk = folder.Combine("junk.mov");
        await File.WriteAllTextAsync(junk, "not a movie");
        var error = await Assert.ThrowsAsync<InterPositive.Formats.MalformedInputException>(() => MediaTools.Default.ProbeAsync(junk, CancellationToken.None));
        Assert.StartsWith(junk + ": ffprobe could not read it (exit 1)", error.Message, StringComparison.Ordinal);
    }
}
