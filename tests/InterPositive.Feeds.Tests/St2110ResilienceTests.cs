using System.Net;
using System.Net.Sockets;
using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Testing.Sdi;

namespace InterPositive.Feeds.Tests;

/// <summary>
/// The ST 2110 receiver on every receive path against every send path, and what happens to a running feed when the
/// sender pauses, restarts or changes format: reported, followed, never a restart of the feed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class St2110ResilienceTests
{
    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static byte[] Picture(int width, int height) =>
        St2110TestSender.Frame(width, height, (x, y) => ((ushort)(64 + ((x + (3 * y)) % 876)), (ushort)(256 + (x % 512)), 512));

    /// <summary>Runs a feed on a fresh receiver and plays <paramref name="script"/> once it is listening.</summary>
    private static async Task<(FeedMonitor Monitor, List<FeedEvent> Events, Feed Feed, St2110Source Source)> PlayAsync(
        St2110Options options, Func<Task> script, Func<FeedMonitor, bool> stopWhen, FeedOptions? feedOptions = null, Action<VideoFrame>? inspect = null, Action<FeedEvent>? onEvent = null)
    {
        var source = new St2110Source(options, "A", TimeProvider.System);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? playing = null;
        var (monitor, events, feed) = await FeedHarness.RunAsync(
            source,
            stopWhen: stopWhen,
            timeout: TimeSpan.FromSeconds(30),
            options: feedOptions,
            inspect: inspect,
            onEvent: e =>
            {
                onEvent?.Invoke(e);
                if (e.Kind == FeedEventKind.Connected && connected.TrySetResult())
                {
                    playing = Task.Run(async () =>
                    {
                        // Let the receive thread start (and JIT) before the first datagram, as a running stream would be.
                        await Task.Delay(200);
                        await script();
                    });
                }
            });
        if (playing is not null)
        {
            await playing;
        }

        return (monitor, events, feed, source);
    }

    public static TheoryData<St2110ReceivePath, St2110SendPath> Paths()
    {
        var data = new TheoryData<St2110ReceivePath, St2110SendPath>();
        foreach (var receive in Enum.GetValues<St2110ReceivePath>())
        {
            foreach (var send in Enum.GetValues<St2110SendPath>())
            {
                data.Add(receive, send);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Every_receive_path_takes_every_send_path_with_loss_and_reordering_counted(St2110ReceivePath receive, St2110SendPath send)
    {
        const int Width = 640, Height = 360, Frames = 5;
        var port = FreeUdpPort();
        var picture = Picture(Width, Height);
        using var sender = new St2110TestSender(new IPEndPoint(IPAddress.Loopback, port), null, path: send)
        {
            // 640 px = 1600 bytes a line, 2 packets of 1200 and 400: the short one ends each GSO run.
            Drop = seq => seq == 301,
            SwapWithNext = seq => seq == 120,
        };
        var intact = new List<bool>();
        var (monitor, _, _, source) = await PlayAsync(
            new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = null, Width = Width, Height = Height, Rate = FrameRate.Fps25, Path = receive },
            async () =>
            {
                for (var i = 0; i < Frames; i++)
                {
                    sender.SendFrame(picture, Width, Height, (uint)(i * 3600));
                    await Task.Delay(10);
                }
            },
            m => m.Frames >= Frames,
            inspect: f =>
            {
                if (!f.Incomplete)
                {
                    intact.Add(f.Data.Span.SequenceEqual(picture));
                }
            });

        Assert.Equal(Frames, monitor.Frames);
        Assert.Equal(sender.PacketsSent, source.Statistics.Packets);
        Assert.Equal(1, source.Statistics.Lost);
        Assert.Equal(1, source.Statistics.Reordered);
        Assert.Equal(1, source.Statistics.FramesIncomplete);
        Assert.Equal(0, source.Statistics.Malformed);
        if (receive == St2110ReceivePath.Socket || !LinuxUdp.IsSupported)
        {
            Assert.Equal(St2110ReceivePath.Socket, source.Statistics.Path);
        }
        else
        {
            Assert.NotEqual(St2110ReceivePath.Socket, source.Statistics.Path);
        }

        // Every complete frame is the picture, byte for byte (the reordered packet lands in place).
        Assert.Equal(Enumerable.Repeat(true, Frames - 1), intact);
    }

    [Fact]
    public async Task A_paused_sender_is_reported_stopped_and_resumes_without_a_reconnect_or_counted_loss()
    {
        const int Width = 320, Height = 180;
        var port = FreeUdpPort();
        var picture = Picture(Width, Height);
        using var sender = new St2110TestSender(new IPEndPoint(IPAddress.Loopback, port), null);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (monitor, events, feed, source) = await PlayAsync(
            new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = null, Width = Width, Height = Height, Rate = FrameRate.Fps25 },
            async () =>
            {
                for (var i = 0; i < 8; i++)
                {
                    if (i == 4)
                    {
                        // The camera stops sending (cable pulled, sender paused): wait until the feed says so.
                        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(20));
                    }

                    sender.SendFrame(picture, Width, Height, (uint)(i * 3600));
                    await Task.Delay(20);
                }
            },
            m => m.Frames >= 8,
            new FeedOptions { AnalysisQueue = 100, StallAfter = TimeSpan.FromMilliseconds(300), ReconnectDelay = TimeSpan.FromMilliseconds(50) },
            onEvent: e =>
            {
                if (e.Kind == FeedEventKind.Stopped)
                {
                    stopped.TrySetResult();
                }
            });

        Assert.Equal(8, monitor.Frames);
        Assert.Equal(0, source.Statistics.Lost);
        Assert.True(feed.Status.Reconnects == 0, string.Join("\n", events));
        var kinds = events.Select(e => e.Kind).ToList();
        var stop = kinds.IndexOf(FeedEventKind.Stopped);
        Assert.True(stop >= 0, "no Stopped event");
        Assert.True(kinds.IndexOf(FeedEventKind.Resumed) > stop, "no Resumed event after Stopped");
        Assert.DoesNotContain(FeedEventKind.Reconnecting, kinds);
    }

    [Fact]
    public async Task A_stream_that_changes_from_1080p_to_2160p_and_back_is_reported_and_followed()
    {
        var port = FreeUdpPort();
        var hd = Picture(1920, 1080);
        var uhd = Picture(3840, 2160);
        using var sender = new St2110TestSender(new IPEndPoint(IPAddress.Loopback, port), null, path: St2110SendPath.Gso);
        var sizes = new List<(int Width, int Height, bool Intact)>();
        var (monitor, events, feed, source) = await PlayAsync(
            new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = null, Width = 1920, Height = 1080, Rate = FrameRate.Fps25 },
            async () =>
            {
                var t = 0u;
                foreach (var (picture, width, height) in new[] { (hd, 1920, 1080), (uhd, 3840, 2160), (hd, 1920, 1080) })
                {
                    for (var i = 0; i < 5; i++, t += 3600)
                    {
                        sender.SendFrame(picture, width, height, t);
                        await Task.Delay(20);
                    }
                }
            },
            m => m.Frames >= 11,
            new FeedOptions { AnalysisQueue = 100, StallAfter = TimeSpan.FromSeconds(5) },
            inspect: f => sizes.Add((f.Format.Width, f.Format.Height, f.Data.Span.SequenceEqual(f.Format.Width == 3840 ? uhd : hd))));

        // Two frames of the new size confirm a change; they are not delivered (their buffers were the old size).
        Assert.Equal(11, monitor.Frames);
        Assert.Equal([.. Enumerable.Repeat((1920, 1080, true), 5), .. Enumerable.Repeat((3840, 2160, true), 3), .. Enumerable.Repeat((1920, 1080, true), 3)], sizes);
        var changes = events.Where(e => e.Kind == FeedEventKind.FormatChanged).Select(e => e.Message).ToList();
        Assert.Equal(2, changes.Count);
        Assert.Contains("1920x1080 rfc4175 25 -> 3840x2160 rfc4175 25", changes[0], StringComparison.Ordinal);
        Assert.Contains("3840x2160 rfc4175 25 -> 1920x1080 rfc4175 25", changes[1], StringComparison.Ordinal);
        Assert.Equal(0, source.Statistics.Lost);
        Assert.Equal(0, feed.Status.Reconnects);
    }

    [Fact]
    public async Task A_restarted_sender_with_a_new_sequence_is_picked_up_not_counted_as_loss()
    {
        const int Width = 320, Height = 180;
        var port = FreeUdpPort();
        var picture = Picture(Width, Height);
        var (monitor, _, feed, source) = await PlayAsync(
            new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = null, Width = Width, Height = Height, Rate = FrameRate.Fps25 },
            async () =>
            {
                // Three senders back to back: from 0, then far ahead, then back near the start (RFC 3550 starts random).
                foreach (var first in new uint[] { 0, 0x8000_0000, 7 })
                {
                    using var sender = new St2110TestSender(new IPEndPoint(IPAddress.Loopback, port), null) { NextSequence = first };
                    for (var i = 0; i < 3; i++)
                    {
                        sender.SendFrame(picture, Width, Height, first + (uint)(i * 3600));
                        await Task.Delay(20);
                    }
                }
            },
            m => m.Frames >= 9);

        Assert.Equal(9, monitor.Frames);
        Assert.Equal(0, source.Statistics.Lost);
        Assert.Equal(0, source.Statistics.Reordered);
        Assert.Equal(0, source.Statistics.FramesIncomplete);
        Assert.True(source.Statistics.Resyncs >= 3);
        Assert.Equal(0, feed.Status.Reconnects);
    }

    [Fact]
    public async Task Blackmagic_camera_control_in_st2110_40_anc_reaches_the_frame_as_camera_settings()
    {
        const int Width = 320, Height = 180;
        var port = FreeUdpPort();
        var picture = Picture(Width, Height);
        var iso = new byte[4];
        BitConverter.TryWriteBytes(iso, 1600);
        byte[] control = BlackmagicCameraControl.Write(
        [
            new(BlackmagicCommand.AllCameras, 1, 14, BlackmagicCameraControl.TypeInt32, BlackmagicCameraControl.Assign, iso),
            new(BlackmagicCommand.AllCameras, 1, 2, BlackmagicCameraControl.TypeInt16, BlackmagicCameraControl.Assign, [0x1C, 0x0C, 0, 0]), // 3100 K
        ]);
        using var sender = new St2110TestSender(new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.Loopback, port + 2));
        var (monitor, _, _, _) = await PlayAsync(
            new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = port + 2, Width = Width, Height = Height, Rate = FrameRate.Fps25 },
            async () =>
            {
                for (var i = 0; i < 3; i++)
                {
                    sender.SendFrame(picture, Width, Height, (uint)(i * 3600), [(9, AncWord.Encode(BlackmagicCameraControl.AncDid, BlackmagicCameraControl.AncSdid, control))]);
                    await Task.Delay(20);
                }
            },
            m => m.Frames >= 3);

        Assert.Equal(3, monitor.Frames);
        Assert.Equal(1600, monitor.Camera?.Iso);
        Assert.Equal(3100, monitor.Camera?.WhiteBalanceKelvin);
    }
}
