using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Testing.Sdi;

namespace InterPositive.Host.Tests;

/// <summary><c>interpositive feed st2110://GROUP:PORT --width 3840 --height 2160 --json</c> against a UHD ST 2110-20/-40 sender on loopback.</summary>
[Trait("Category", "Integration")]
public sealed class FeedSt2110CliTests
{
    [Fact]
    public async Task Feed_verb_reads_a_uhd_st2110_stream_with_timecode_and_reports_packets_as_json()
    {
        const int Width = 3840, Height = 2160;
        var (group, port) = MulticastOnLoopback();
        var rate = FrameRate.Fps25;
        var picture = St2110TestSender.Frame(Width, Height, (x, y) => ((ushort)(64 + ((x + y) % 876)), 512, 512));
        var start = Timecode.FromComponents(14, 30, 0, 0, rate);

        using var process = Cli.Start(["feed", $"st2110://{group}:{port}?interface=127.0.0.1", "--width", $"{Width}", "--height", $"{Height}", "--fps", "25", "--frames", "12", "--no-lighting", "--json"]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        // Send until the verb has its frames and exits (it joins the group some time after starting).
        using var sender = new St2110TestSender(new IPEndPoint(group, port), new IPEndPoint(group, port + 2), IPAddress.Loopback, St2110SendPath.Gso);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sent = 0;
        for (; !process.HasExited && !timeout.IsCancellationRequested; sent++)
        {
            sender.SendFrame(picture, Width, Height, (uint)(sent * 3600), [St2110TestSender.Atc(start.AddFrames(sent).ToAtc())]);
            await Task.Delay(40, CancellationToken.None);
        }

        using var json = await FinishAsync(process, stdout, stderr);
        var root = json.RootElement;
        Assert.Equal(12, root.GetProperty("frames").GetInt64());
        Assert.Equal("3840x2160 rfc4175 25", root.GetProperty("format").GetString());
        Assert.Equal(0, root.GetProperty("dropped").GetInt64());
        // The first timecode is that of the first whole frame after the verb joined: on a loaded machine that can be
        // a second or more into the stream, so it is one the sender sent, not necessarily its first.
        var first = root.GetProperty("timecode").GetProperty("first").GetString();
        Assert.Contains(first, Enumerable.Range(0, sent).Select(i => start.AddFrames(i).ToString()));
        Assert.Equal(0, root.GetProperty("timecode").GetProperty("discontinuities").GetInt64());
        // The verb may join mid-frame: that first frame's ANC went out before it listened.
        Assert.True(root.GetProperty("anc").GetProperty("60/60").GetInt64() >= 11);
        var ip = root.GetProperty("st2110");
        Assert.Equal(0, ip.GetProperty("lost").GetInt64());
        Assert.Equal(0, ip.GetProperty("malformed").GetInt64());
        Assert.True(ip.GetProperty("packets").GetInt64() >= 11 * 2160 * 8);
        Assert.True(ip.GetProperty("receiveCpuMsPerFrame").GetDouble() > 0);
    }

    [Fact]
    public async Task Feed_verb_reports_a_paused_sender_and_a_change_from_1080p_to_2160p_and_follows_both()
    {
        var (group, port) = MulticastOnLoopback();
        var hd = St2110TestSender.Frame(1920, 1080, (x, y) => ((ushort)(64 + ((x + y) % 876)), 512, 512));
        var uhd = St2110TestSender.Frame(3840, 2160, (x, y) => ((ushort)(64 + ((x + y) % 876)), 512, 512));

        using var process = Cli.Start(["feed", $"st2110://{group}:{port}?interface=127.0.0.1&anc=none", "--width", "1920", "--height", "1080", "--fps", "25", "--frames", "15", "--no-lighting", "--json", "--verbose"]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var log = new System.Text.StringBuilder();
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                log.AppendLine(line);

                // Logged once the first frame is in (events are drained with frames).
                if (line.Contains("Connected", StringComparison.Ordinal))
                {
                    connected.TrySetResult();
                }
            }

            return log.ToString();
        });
        using var sender = new St2110TestSender(new IPEndPoint(group, port), null, IPAddress.Loopback, St2110SendPath.Gso);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // HD until the verb has frames, five more, a 2 s pause (the camera stops), then UHD until it exits.
        var i = 0u;
        var more = 5;
        for (; !process.HasExited && !timeout.IsCancellationRequested && (!connected.Task.IsCompleted || more-- > 0); i++)
        {
            sender.SendFrame(hd, 1920, 1080, i * 3600);
            await Task.Delay(40, CancellationToken.None);
        }

        await Task.Delay(2000, CancellationToken.None);
        for (; !process.HasExited && !timeout.IsCancellationRequested; i++)
        {
            sender.SendFrame(uhd, 3840, 2160, i * 3600);
            await Task.Delay(40, CancellationToken.None);
        }

        using var json = await FinishAsync(process, stdout, stderr);
        var root = json.RootElement;
        Assert.Equal(15, root.GetProperty("frames").GetInt64());
        Assert.Equal("3840x2160 rfc4175 25", root.GetProperty("format").GetString());
        var events = root.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(events, e => e.Contains("Stopped: no frame for", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("Resumed", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("FormatChanged: 1920x1080 rfc4175 25 -> 3840x2160 rfc4175 25", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.Contains("Reconnecting", StringComparison.Ordinal));
        var ip = root.GetProperty("st2110");
        Assert.Equal(0, ip.GetProperty("lost").GetInt64());
        Assert.True(ip.GetProperty("resyncs").GetInt64() >= 2);
    }

    /// <summary>Waits for the verb to exit (killing it when the sender gave up first) and parses its <c>--json</c> result.</summary>
    private static async Task<JsonDocument> FinishAsync(System.Diagnostics.Process process, Task<string> stdout, Task<string> stderr)
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync(CancellationToken.None);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(output);
    }

    /// <summary>A multicast group and port pair that loopback delivers here; unicast loopback where it does not.</summary>
    private static (IPAddress Address, int Port) MulticastOnLoopback()
    {
        var group = IPAddress.Parse("239.255.42.17");
        for (var attempt = 0; attempt < 10; attempt++)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            try
            {
                using var anc = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                anc.Bind(new IPEndPoint(IPAddress.Loopback, port + 2));
            }
            catch (SocketException)
            {
                continue;
            }

            probe.Dispose();
            using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 1000 };
            receiver.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            receiver.Bind(new IPEndPoint(IPAddress.Any, port));
            try
            {
                receiver.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, IPAddress.Loopback));
                using var send = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                send.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Loopback.GetAddressBytes());
                send.SendTo(new byte[1], new IPEndPoint(group, port));
                receiver.Receive(new byte[16]);
                return (group, port);
            }
            catch (SocketException)
            {
                // No multicast route on lo: the verb is still tested, on unicast.
                return (IPAddress.Loopback, port);
            }
        }

        throw new InvalidOperationException("no free UDP port pair");
    }
}
