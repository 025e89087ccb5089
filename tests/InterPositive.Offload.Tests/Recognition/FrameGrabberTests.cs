using InterPositive.Media;
using InterPositive.Offload.Recognition;
using InterPositive.Testing;
using InterPositive.Testing.Media;

namespace InterPositive.Offload.Tests.Recognition;

[Trait("Category", "Integration")]
public sealed class FrameGrabberTests
{
    [Fact]
    public async Task Decodable_clips_give_a_jpeg_and_others_give_nothing()
    {
        using var folder = new TempFolder("thumb");
        var grabber = new FfmpegFrameGrabber();
        Assert.True(grabber.Available);
        var mov = Ffmpeg.ProResMov(folder.Combine("A001C001.mov"));
        var jpeg = await grabber.GrabAsync(mov, CancellationToken.None);
        Assert.NotNull(jpeg);
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);

        var r3d = folder.Combine("A001_C001_0101AB_001.R3D");
        await File.WriteAllBytesAsync(r3d, new R3dWriter().Build());
        Assert.Null(await grabber.GrabAsync(r3d, CancellationToken.None));

        var junk = folder.Combine("junk.mov");
        await File.WriteAllTextAsync(junk, "not a movie");
        Assert.Null(await grabber.GrabAsync(junk, CancellationToken.None));

        Assert.Null(await new FfmpegFrameGrabber(new MediaTools(new MediaToolsOptions { Ffmpeg = "/nonexistent/ffmpeg" })).GrabAsync(mov, CancellationToken.None));
    }
}
