using System.Net;
using System.Net.Sockets;
using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Testing.Sdi;

namespace InterPositive.Feeds.Tests;

[Trait("Category", "Integration")]
public sealed class St2110SourceTests
{
    private const int Width = 320;
    private const int Height = 180;

    private static int FreeUdpPortPair()
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            a.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)a.LocalEndPoint!).Port;
            try
            {
                using var b = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                b.Bind(new IPEndPoint(IPAddress.Loopback, port + 2));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free UDP port pair");
    }

    private static async Task<(FeedMonitor Monitor, List<FeedEvent> Events, St2110Source Source, St2110TestSender Sender, Feed Feed)> RunAsync(
        St2110Options options, IPEndPoint video, IPEndPoint anc, IPAddress? multicastInterface, int frames, Func<uint, bool>? drop, Func<uint, bool>? swap, TimeSpan timeout, FrameRate? streamRate = null, int? expect = null)
    {
        var source = new St2110Source(options, "A", TimeProvider.System);
        var sender = new St2110TestSender(video, anc, multicastInterface) { Drop = drop, SwapWithNext = swap };
        var connected = new TaskCompletionSource();
        var picture = St2110TestSender.Frame(Width, Height, (x, y) => ((ushort)(64 + ((x + y) % 800)), 512, 512));
        var rate = streamRate ?? FrameRate.Fps25;
        var start = Timecode.FromComponents(11, 0, 0, 0, rate);
        var step = (uint)Math.Round(90000 / rate.FramesPerSecond);
        var sending = Task.Run(async () =>
        {
            await connected.Task;

            // Let the receive threads start (and JIT) before the first datagram, as a real stream would already be running.
            await Task.Delay(200);
            for (var i = 0; i < frames; i++)
            {
                sender.SendFrame(picture, Width, Height, (uint)i * step, [St2110TestSender.Atc(start.AddFrames(i).ToAtc())]);
                await Task.Delay(5);
            }
        });

        var (monitor, events, feed) = await FeedHarness.RunAsync(
            source,
            stopWhen: m => m.Frames >= (expect ?? frames),
            timeout: timeout,
            onEvent: e =>
            {
                if (e.Kind == FeedEventKind.Connected)
                {
                    connected.TrySetResult();
                }
            });
        connected.TrySetResult();
        await sending;
        return (monitor, events, source, sender, feed);
    }

    [Fact]
    public async Task Unicast_video_and_anc_on_loopback_with_loss_and_reordering_counted()
    {
        var port = FreeUdpPortPair();
        var options = new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = port + 2, Width = Width, Height = Height, Rate = FrameRate.Fps25 };
        var (monitor, _, source, sender, feed) = await RunAsync(
            options, new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.Loopback, port + 2), null, 6,
            drop: seq => seq == 250, swap: seq => seq == 100, TimeSpan.FromSeconds(15));
        using (sender)
        {
            Assert.Equal(6, monitor.Frames);
            Assert.Equal(1, source.Statistics.Lost);
            Assert.Equal(1, source.Statistics.Reordered);
            Assert.Equal(1, source.Statistics.FramesIncomplete);
            Assert.Equal(sender.PacketsSent, source.Statistics.Packets);
            var report = monitor.Report(feed.AncErrors, 0, 0);
            Assert.Equal("11:00:00:00", report.Timecode.First);
            Assert.Equal("11:00:00:05", report.Timecode.Last);
            Assert.Equal(0, report.Timecode.Discontinuities);
            Assert.Equal(6, report.Anc["60/60"]);
            Assert.Equal($"{Width}x{Height} rfc4175 25", report.Format);
        }
    }

    [Fact]
    public async Task Rate_is_measured_from_rtp_timestamps_when_not_given()
    {
        var port = FreeUdpPortPair();
        var options = new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = port + 2, Width = Width, Height = Height };
        var (monitor, _, _, sender, _) = await RunAsync(
            options, new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.Loopback, port + 2), null, 6, null, null, TimeSpan.FromSeconds(15), FrameRate.Fps50, expect: 4);
        using (sender)
        {
            // The first two frames measure the rate and are not delivered.
            Assert.Equal(4, monitor.Frames);
            Assert.Equal(FrameRate.Fps50, monitor.Format!.Rate);
            Assert.Equal("11:00:00:02", monitor.First?.ToString());
        }
    }

    [Fact]
    public async Task A_stream_larger_than_configured_is_followed_as_a_format_change()
    {
        var port = FreeUdpPortPair();
        var options = new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = null, Width = 160, Height = 90, Rate = FrameRate.Fps25 };
        var (monitor, events, _, sender, _) = await RunAsync(
            options, new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.Loopback, port + 2), null, 6, null, null, TimeSpan.FromSeconds(15), expect: 4);
        using (sender)
        {
            Assert.Contains(events, e => e.Kind == FeedEventKind.FormatChanged && e.Message.Contains("320x180", StringComparison.Ordinal));
            Assert.Equal(4, monitor.Frames);
            Assert.Equal(Width, monitor.Format!.Width);
        }
    }

    [SkippableFact]
    public async Task Multicast_on_loopback()
    {
        var port = FreeUdpPortPair();
        var group = IPAddress.Parse("239.255.77.11");
        var options = new St2110Options { Address = group, VideoPort = port, AncPort = port + 2, Interface = IPAddress.Loopback, Width = Width, Height = Height, Rate = FrameRate.Fps25 };
        (FeedMonitor Monitor, List<FeedEvent> Events, St2110Source Source, St2110TestSender Sender, Feed Feed) run;
        try
        {
            run = await RunAsync(options, new IPEndPoint(group, port), new IPEndPoint(group, port + 2), IPAddress.Loopback, 3, null, null, TimeSpan.FromSeconds(5));
        }
        catch (SocketException e)
        {
            Skip.If(true, $"multicast on loopback not available here: {e.Message}");
            return;
        }

        using (run.Sender)
        {
            Skip.If(run.Source.Statistics.Packets == 0, "the kernel delivered no multicast on loopback (no multicast route on lo)");
            Assert.Equal(3, run.Monitor.Frames);
            Assert.Equal(0, run.Source.Statistics.Lost);
        }
    }

    [Fact]
    public void Source_urls_name_the_anc_port_and_group()
    {
        var o = FeedSources.ParseSt2110("st2110://239.1.2.3:5004?anc=6000&interface=127.0.0.1", new FeedSourceOptions { Width = 3840, Height = 2160 });
        Assert.Equal(IPAddress.Parse("239.1.2.3"), o.Address);
        Assert.Equal(5004, o.VideoPort);
        Assert.Equal(6000, o.AncPort);
        Assert.Equal(IPAddress.Loopback, o.Interface);
        Assert.Equal(3840, o.Width);
        Assert.Equal(5006, FeedSources.ParseSt2110("st2110://10.0.0.5:5004", new FeedSourceOptions()).AncPort);
        Assert.Null(FeedSources.ParseSt2110("st2110://10.0.0.5:5004?anc=none", new FeedSourceOptions()).AncPort);
        Assert.Equal(St2110ReceivePath.Auto, o.Path);
        Assert.Equal(St2110ReceivePath.Socket, FeedSources.ParseSt2110("st2110://10.0.0.5:5004?path=socket", new FeedSourceOptions()).Path);
        Assert.Throws<ArgumentException>(() => FeedSources.ParseSt2110("st2110://10.0.0.5:5004?path=dpdk", new FeedSourceOptions()));
        Assert.True(St2110Source.IsMulticast(IPAddress.Parse("239.1.2.3")));
        Assert.False(St2110Source.IsMulticast(IPAddress.Loopback));
    }
}
