using System.Buffers;
using System.Diagnostics;
using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Media;
using InterPositive.Testing;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Feeds.Tests;

[Trait("Category", "Integration")]
public sealed class FeedBehaviourTests
{
    private static readonly VideoFormat Tiny = new(48, 2, FramePixelFormat.V210, FrameRate.Fps25);

    /// <summary>Counts buffer returns so the test can prove dropped frames are disposed.</summary>
    private sealed class CountingOwner(int length, Action onDispose) : IMemoryOwner<byte>
    {
        private readonly byte[] _bytes = new byte[length];
        private int _disposed;

        public Memory<byte> Memory => _bytes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                onDispose();
            }
        }
    }

    private sealed class BurstSource(int frames, Action onDispose, bool thenHang = false, bool live = true) : IFrameSource
    {
        public string Description => "burst";

        public bool IsLive => live;

        public async Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
        {
            for (var i = 0; i < frames; i++)
            {
                await sink.OnFrameAsync(new VideoFrame("A", Tiny, new CountingOwner(Tiny.FrameBytes, onDispose), i, DateTimeOffset.UnixEpoch), cancellationToken);
            }

            if (thenHang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }

    [Fact]
    public async Task Analysis_that_falls_behind_loses_the_oldest_frames_and_they_are_returned_to_the_pool()
    {
        var disposed = 0;
        var feed = new Feed("A", new BurstSource(20, () => Interlocked.Increment(ref disposed), thenHang: true), TimeProvider.System, new FeedOptions { AnalysisQueue = 2 });
        using var cts = new CancellationTokenSource();
        var run = feed.RunAsync(cts.Token);
        while (feed.Status.FramesCaptured < 20)
        {
            await Task.Delay(5);
        }

        await cts.CancelAsync();
        await run;

        Assert.Equal(18, feed.Status.FramesDroppedForAnalysis);
        Assert.Equal(18, disposed);
        var kept = new List<long>();
        await foreach (var frame in feed.Frames.ReadAllAsync())
        {
            kept.Add(frame.Sequence);
            frame.Dispose();
        }

        Assert.Equal([18, 19], kept);
        Assert.Equal(20, disposed);
    }

    [Fact]
    public async Task A_recording_is_held_back_for_analysis_not_dropped()
    {
        var disposed = 0;
        var feed = new Feed("A", new BurstSource(20, () => Interlocked.Increment(ref disposed), live: false), TimeProvider.System, new FeedOptions { AnalysisQueue = 2 });
        var run = feed.RunAsync(CancellationToken.None);
        var seen = 0;
        await foreach (var frame in feed.Frames.ReadAllAsync())
        {
            Assert.Equal(seen++, frame.Sequence);
            frame.Dispose();
        }

        await run;
        Assert.Equal(20, seen);
        Assert.Equal(0, feed.Status.FramesDroppedForAnalysis);
        Assert.Equal(20, disposed);
    }

    [Fact]
    public async Task A_feed_that_stops_is_reported_on_the_injected_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var feed = new Feed("B", new BurstSource(1, () => { }, thenHang: true), time, new FeedOptions { StallAfter = TimeSpan.FromSeconds(1) });
        var stopped = new TaskCompletionSource<FeedEvent>();
        feed.Event += e =>
        {
            if (e.Kind == FeedEventKind.Stopped)
            {
                stopped.TrySetResult(e);
            }
        };
        using var cts = new CancellationTokenSource();
        var run = feed.RunAsync(cts.Token);
        (await feed.Frames.ReadAsync()).Dispose();

        for (var i = 0; i < 200 && !stopped.Task.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(5);
        }

        var e = await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("B", e.Feed);
        Assert.Equal(FeedState.Stopped, feed.Status.State);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Feed_manager_runs_several_named_feeds()
    {
        await using var manager = new FeedManager(TimeProvider.System, new FeedOptions { AnalysisQueue = 16 });
        var options = new FeedSourceOptions { Width = 320, Height = 180, RealTime = false, FrameLimit = 5 };
        var a = await manager.StartAsync(new FeedDefinition("A", "pattern", options));
        var b = await manager.StartAsync(new FeedDefinition("B", "pattern", options));

        var counts = new Dictionary<string, int>();
        foreach (var feed in new[] { a, b })
        {
            await foreach (var frame in feed.Frames.ReadAllAsync())
            {
                Assert.Equal(feed.Name, frame.Feed);
                counts[feed.Name] = counts.GetValueOrDefault(feed.Name) + 1;
                frame.Dispose();
            }
        }

        Assert.Equal(5, counts["A"]);
        Assert.Equal(5, counts["B"]);
        Assert.Equal(["A", "B"], manager.Status().Select(s => s.Name));
        Assert.All(manager.Status(), s => Assert.Equal(FeedState.Ended, s.State));
    }

    [Fact]
    public async Task Ffmpeg_source_decodes_a_clip_to_v210_and_carries_its_timecode()
    {
        using var folder = new TempFolder("ffmpeg");
        var clip = folder.Combine("clip.mov");
        using (var p = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "1", "-c:v", "mpeg4", "-timecode", "01:00:00:00", clip]))!)
        {
            await p.WaitForExitAsync();
            Assert.Equal(0, p.ExitCode);
        }

        var source = new FfmpegSource(clip, "A", TimeProvider.System);
        Assert.False(source.IsLive);
        var (monitor, _, _) = await FeedHarness.RunAsync(source);

        Assert.Equal(25, monitor.Frames);
        Assert.Equal("320x240 v210 25", monitor.Format!.ToString());
        Assert.Equal("01:00:00:00", monitor.First?.ToString());
        Assert.Equal("01:00:00:24", monitor.Last?.ToString());
        Assert.Equal(0, monitor.Discontinuities);
    }

    [Fact]
    public async Task Ffmpeg_that_cannot_open_its_input_fails_with_its_message()
    {
        var source = new FfmpegSource("/nonexistent/clip.mov", "A", TimeProvider.System);
        var error = await Assert.ThrowsAsync<IOException>(() => source.RunAsync(new NullSink(), CancellationToken.None));
        Assert.Contains("ffprobe could not open", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ffprobe_output_gives_size_rate_and_drop_frame_timecode()
    {
        var probe = FfprobeJson.Parse(
            """{"streams":[{"codec_type":"video","width":1920,"height":1080,"r_frame_rate":"30000/1001","tags":{"timecode":"01:00:00;02"}}]}"""u8,
            "probe");
        var (w, h, rate, tc) = FfmpegSource.Summary(probe);
        Assert.Equal(1920, w);
        Assert.Equal(1080, h);
        Assert.Equal(FrameRate.Fps29_97, rate);
        Assert.Equal("01:00:00;02", tc?.ToString());
    }

    private sealed class NullSink : IFrameSink
    {
        public ValueTask OnFrameAsync(VideoFrame frame, CancellationToken cancellationToken)
        {
            frame.Dispose();
            return ValueTask.CompletedTask;
        }

        public void OnEvent(FeedEventKind kind, string message)
        {
        }
    }
}
