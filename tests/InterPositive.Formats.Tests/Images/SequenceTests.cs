using InterPositive.Formats;
using InterPositive.Formats.Images;

namespace InterPositive.Formats.Tests.Images;

[Trait("Category", "Unit")]
public sealed class SequenceTests
{
    [Fact]
    public void Numbered_stills_sort_by_frame_number_not_by_text()
    {
        var order = StillSequence.Order(["shot.10.dpx", "shot.9.dpx", "notes.txt", "shot.100.dpx", "A001_0001.png"]);
        Assert.Equal(["A001_0001.png", "shot.9.dpx", "shot.10.dpx", "shot.100.dpx"], order);
        Assert.Equal(86400L, StillSequence.FrameNumber("reel_A_0086400.tif"));
        Assert.Null(StillSequence.FrameNumber("poster.png"));
    }

    [Fact]
    public async Task Rgb48_frames_stream_through_one_buffer_and_a_torn_frame_is_malformed()
    {
        var frame = new byte[4 * 2 * 6];
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (byte)i;
        }

        using var stream = new MemoryStream([.. frame, .. frame, .. frame.AsSpan(0, 10)]);
        using var reader = new Rgb48FrameReader(stream, 4, 2, "clip.mov");
        Assert.True(await reader.ReadAsync(CancellationToken.None));
        Assert.Equal(0x0100, reader.Samples[0]);
        Assert.True(await reader.ReadAsync(CancellationToken.None));
        var error = await Assert.ThrowsAsync<MalformedInputException>(() => reader.ReadAsync(CancellationToken.None).AsTask());
        Assert.Contains("clip.mov", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, reader.FramesRead);
    }
}
