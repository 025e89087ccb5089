using System.Net;
using System.Net.Sockets;
using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Formats.Rdd18;
using InterPositive.Formats.Sdi;
using InterPositive.Testing;
using InterPositive.Testing.Sdi;

namespace InterPositive.Feeds.Tests;

[Trait("Category", "Integration")]
public sealed class RawSourceTests
{
    private const int Width = 240;
    private const int Height = 16;
    private const int Vanc = 10;
    private static readonly FrameRate Rate = FrameRate.Fps25;

    private static readonly VideoFormat Format = new(Width, Height, FramePixelFormat.V210, Rate, Vanc);

    private static byte[] Frame(Timecode tc, AcquisitionMetadata? camera = null, bool badChecksum = false, bool badParity = false)
    {
        var atc = AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, tc.ToAtc().EncodeUserData());
        var builder = new V210FrameBuilder(Width, Height, Vanc).WithAnc(9, atc);
        if (camera is not null)
        {
            builder.WithAnc(10, Rdd18Codec.AncDid, Rdd18Codec.AncSdid, Rdd18Codec.EncodeAncPayload(camera));
        }

        var extra = AncWord.Encode(0x51, 0x53, [1, 2, 3, 4]);
        if (badChecksum)
        {
            extra[^1] ^= 0x001;
        }

        if (badParity)
        {
            extra[5] ^= 0x100;
        }

        return builder.WithAnc(8, extra).Build();
    }

    [Fact]
    public async Task File_of_v210_frames_with_vanc_reports_drops_repeats_jumps_and_anc_errors()
    {
        using var folder = new TempFolder("feed");
        var path = folder.Combine("a.v210");
        var tc = Timecode.FromComponents(1, 0, 0, 0, Rate);
        await using (var file = File.Create(path))
        {
            // 0 1 2 2(repeat) 5(two dropped) 6 then a jump to 02:00:00:00, 02:00:00:01.
            long[] offsets = [0, 1, 2, 2, 5, 6];
            for (var i = 0; i < offsets.Length; i++)
            {
                file.Write(Frame(tc.AddFrames(offsets[i]), new AcquisitionMetadata { Iso = i < 4 ? 800 : 1280 }, badChecksum: i == 1, badParity: i == 2));
            }

            var jump = Timecode.FromComponents(2, 0, 0, 0, Rate);
            file.Write(Frame(jump));
            file.Write(Frame(jump.AddFrames(1)));
        }

        var source = RawStreamSource.File(path, Format, "A", TimeProvider.System);
        var (monitor, events, feed) = await FeedHarness.RunAsync(source);
        var report = monitor.Report(feed.AncErrors, 0, 0);

        Assert.Equal(8, report.Frames);
        Assert.Equal(1, report.Repeated);
        Assert.Equal(2, report.Dropped);
        Assert.Equal(2, report.Timecode.Discontinuities);
        Assert.Equal("01:00:00:00", report.Timecode.First);
        Assert.Equal("02:00:00:01", report.Timecode.Last);
        Assert.Equal(1, report.Errors.Checksum);
        Assert.Equal(1, report.Errors.Parity);
        Assert.Equal(6, report.Anc["51/53"]);
        Assert.Equal(8, report.Anc["60/60"]);
        Assert.Equal(1280, report.Camera!.Iso);
        Assert.Contains(events, e => e.Kind == FeedEventKind.Ended);
    }

    [Fact]
    public async Task A_cut_short_last_frame_is_reported_not_delivered()
    {
        using var folder = new TempFolder("feed");
        var path = folder.Combine("cut.v210");
        var frame = Frame(Timecode.FromComponents(1, 0, 0, 0, Rate));
        await File.WriteAllBytesAsync(path, [.. frame, .. frame.AsSpan(0, 1000)]);

        var (monitor, events, _) = await FeedHarness.RunAsync(RawStreamSource.File(path, Format, "A", TimeProvider.System));

        Assert.Equal(1, monitor.Frames);
        var malformed = Assert.Single(events, e => e.Kind == FeedEventKind.Malformed);
        Assert.Contains("cut short at 1000", malformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uyvy_frames_unpack_to_ten_bit_planes()
    {
        using var folder = new TempFolder("feed");
        var path = folder.Combine("a.uyvy");
        var line = new byte[Uyvy.Stride(4)];
        line[0] = 0x80;
        line[1] = 0x10;
        line[2] = 0x80;
        line[3] = 0xEB;
        await File.WriteAllBytesAsync(path, [.. line, .. line]);

        var luma = new List<ushort>();
        var format = new VideoFormat(4, 2, FramePixelFormat.Uyvy, Rate);
        await FeedHarness.RunAsync(RawStreamSource.File(path, format, "A", TimeProvider.System), inspect: f =>
        {
            var y = new ushort[4];
            f.UnpackPlanar(1, y, new ushort[2], new ushort[2]);
            luma.AddRange(y);
        });

        Assert.Equal(new ushort[] { 0x40, 0x3AC, 0, 0 }, luma);
    }

    [Fact]
    public async Task Tcp_source_reconnects_after_the_sender_goes_away()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var tc = Timecode.FromComponents(3, 0, 0, 0, Rate);

        var sender = Task.Run(async () =>
        {
            for (var session = 0; session < 2; session++)
            {
                using var client = await listener.AcceptTcpClientAsync();
                await using var stream = client.GetStream();
                for (var i = 0; i < 5; i++)
                {
                    await stream.WriteAsync(Frame(tc.AddFrames((session * 5) + i)));
                }
            }
        });

        var source = RawStreamSource.Tcp("127.0.0.1", port, Format, "A", TimeProvider.System);
        var (monitor, events, feed) = await FeedHarness.RunAsync(source, stopWhen: m => m.Frames >= 10);
        await sender;

        Assert.Equal(10, monitor.Frames);
        Assert.Equal(0, monitor.Discontinuities);
        Assert.Contains(events, e => e.Kind == FeedEventKind.Reconnecting);
        Assert.True(feed.Status.Reconnects >= 1);
    }
}
