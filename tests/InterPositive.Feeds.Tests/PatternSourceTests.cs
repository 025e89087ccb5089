using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Formats.Clips;
using InterPositive.Formats.Rdd18;

namespace InterPositive.Feeds.Tests;

[Trait("Category", "Integration")]
public sealed class PatternSourceTests
{
    [Fact]
    public async Task Pattern_carries_consecutive_atc_and_rdd18_camera_metadata()
    {
        var start = Timecode.FromComponents(10, 0, 0, 0, FrameRate.Fps23_976);
        var source = new PatternSource(new PatternOptions { RealTime = false, FrameLimit = 30, StartTimecode = start }, "A", TimeProvider.System);

        var (monitor, events, feed) = await FeedHarness.RunAsync(source);
        var report = monitor.Report(feed.AncErrors, 0, 0);

        Assert.Equal(30, report.Frames);
        Assert.Equal("10:00:00:00", report.Timecode.First);
        Assert.Equal("10:00:01:05", report.Timecode.Last);
        Assert.Equal(0, report.Timecode.Discontinuities);
        Assert.Equal(0, report.Dropped);
        Assert.Equal(0, report.Repeated);
        Assert.Equal(30, report.Anc["60/60"]);
        Assert.Equal(30, report.Anc["43/05"]);
        Assert.Equal(new FeedErrorReport(0, 0, 0, 0), report.Errors);
        var camera = report.Camera!;
        Assert.Equal(800, camera.Iso);
        Assert.Equal(5600, camera.WhiteBalanceK);
        Assert.Equal(180, camera.ShutterAngle!.Value, 6);
        Assert.Equal(2.8, camera.Lens.FNumber!.Value, 2);
        Assert.Equal(new CameraInfo { Make = "InterPositive", Model = "Pattern", Serial = "IPE-0001" }, camera.Camera);
        Assert.Equal("0.0", camera.Nd);
        Assert.Equal("10:00:00:00", camera.Timecode!.Start);
        Assert.Equal("23.976", camera.Timecode.Rate);
        Assert.Contains(events, e => e.Kind == FeedEventKind.Ended);
    }

    [Fact]
    public async Task The_light_moves_and_camera_changes_are_reported()
    {
        var source = new PatternSource(
            new PatternOptions
            {
                Width = 640,
                Height = 360,
                RealTime = false,
                FrameLimit = 48,
                LightPeriodSeconds = 2,
                CameraForFrame = n => new AcquisitionMetadata { Iso = n < 24 ? 800 : 1600, CameraAttributes = "Pattern" },
            },
            "A",
            TimeProvider.System);

        var leftHalf = new List<double>();
        var (monitor, _, _) = await FeedHarness.RunAsync(source, inspect: frame => leftHalf.Add(SphereSideBrightness(frame)));
        var tick = monitor.Tick(TimeSpan.FromSeconds(1));

        Assert.Contains("iso 800 -> 1600", tick.CameraChanges);
        Assert.True(leftHalf.Max() - leftHalf.Min() > 100, $"left side of the sphere should swing as the key circles: {leftHalf.Min()}..{leftHalf.Max()}");
    }

    private static double SphereSideBrightness(VideoFrame frame)
    {
        var w = frame.Format.Width;
        var y = new ushort[w];
        var cb = new ushort[w / 2];
        var cr = new ushort[w / 2];
        frame.UnpackPlanar((int)(frame.Format.Height * 0.7), y, cb, cr);
        var r = (int)(frame.Format.Height * 0.27);
        return y.AsSpan((w / 2) - r + 5, r / 2).ToArray().Average(v => (double)v);
    }
}

[Trait("Category", "Integration")]
public sealed class FeedWatcherTests
{
    [Fact]
    public async Task Watcher_reports_frames_camera_and_lighting_for_the_service()
    {
        var options = FeedWatcher.Options("v210", 640, 360, "25", 10) with { RealTime = false, FrameLimit = 30 };
        var source = FeedSources.Open("pattern", options, "C", TimeProvider.System);
        var feed = new Feed("C", source, TimeProvider.System, new FeedOptions { AnalysisQueue = 64 });
        var watcher = new FeedWatcher(feed, source.Description, TimeProvider.System, (format, camera) =>
            LiveLighting.SettingsFor(Lighting.Colour.LogCurve.Bt1886, Lighting.Colour.Gamut.Rec709, format, camera));

        await Task.WhenAll(feed.RunAsync(CancellationToken.None), watcher.RunAsync(CancellationToken.None));
        var report = watcher.Report();

        Assert.Equal("C", report.Feed);
        Assert.Equal(30, report.Frames);
        Assert.Equal(800, report.Camera!.Iso);
        Assert.NotNull(report.Lighting);
        Assert.Equal(30, report.Lighting!.Frames);
        Assert.Equal(5600, report.Lighting.WhiteBalanceK);
        Assert.Throws<ArgumentException>(() => FeedWatcher.Options("yuv", null, null, null, 0));
    }
}
