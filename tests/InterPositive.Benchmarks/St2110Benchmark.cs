using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Testing.Sdi;

namespace InterPositive.Benchmarks;

/// <summary>
/// ST 2110-20 (4:2:2 10-bit) received on loopback at 1080p60 and 2160p60, sender and receiver in this process on
/// the same cores: frames received complete, packets sent/received/lost/reordered and the receive thread's CPU per
/// frame, for the portable one-datagram-per-call receiver (the baseline) and the recvmmsg and recvmmsg + UDP_GRO
/// paths, in the same run. Run: <c>dotnet run -c Release --project tests/InterPositive.Benchmarks -- st2110
/// [--seconds S] [--size 1080|2160] [--payload BYTES]</c>.
/// </summary>
public sealed class St2110Benchmark : IEndToEndBenchmark
{
    public string Name => "st2110";

    public string Description => "ST 2110-20 1080p60/2160p60 on loopback: fps received, loss, receive CPU per frame; recvmmsg (+GRO) vs one datagram per call";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = 10.0;
        var sizes = new List<(int W, int H)>();
        var payloads = new List<int>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds":
                    seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--size":
                    sizes.Add(args[++i] == "1080" ? (1920, 1080) : (3840, 2160));
                    break;
                case "--payload":
                    payloads.Add(int.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
            }
        }

        if (sizes.Count == 0)
        {
            sizes = [(1920, 1080), (3840, 2160)];
        }

        if (payloads.Count == 0)
        {
            payloads = [1200];
        }

        Console.WriteLine(FormattableString.Invariant(
            $"st2110 benchmark: {Environment.ProcessorCount} cores visible, sender and receiver share them; recvmmsg available: {LinuxUdp.IsSupported}; {seconds:0} s per run"));
        foreach (var (w, h) in sizes)
        {
            foreach (var payload in payloads)
            {
                Console.WriteLine(FormattableString.Invariant($"{w}x{h}p60 4:2:2 10-bit, {payload}-byte payloads ({payload + 20 + 28}-byte IP datagrams on the wire):"));
                var baseline = await RunOnceAsync(w, h, payload, St2110ReceivePath.Socket, St2110SendPath.Batched, seconds, null, cancellationToken);
                await RunOnceAsync(w, h, payload, St2110ReceivePath.Batched, St2110SendPath.Batched, seconds, baseline, cancellationToken);
                await RunOnceAsync(w, h, payload, St2110ReceivePath.Auto, St2110SendPath.Gso, seconds, baseline, cancellationToken);
            }
        }

        return 0;
    }

    private static async Task<double> RunOnceAsync(
        int width, int height, int payload, St2110ReceivePath receive, St2110SendPath send, double seconds, double? baselineCpuPerFrame, CancellationToken cancellationToken)
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var rate = FrameRate.Fps60;
        var source = new St2110Source(
            new St2110Options { Address = IPAddress.Loopback, VideoPort = port, AncPort = null, Width = width, Height = height, Rate = rate, Path = receive },
            "bench",
            TimeProvider.System);
        var feed = new Feed("bench", source, TimeProvider.System, new FeedOptions { AnalysisQueue = 4 });
        var connected = new TaskCompletionSource();
        feed.Event += e =>
        {
            if (e.Kind == FeedEventKind.Connected)
            {
                connected.TrySetResult();
            }
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = feed.RunAsync(stop.Token);
        long delivered = 0;
        var consume = Task.Run(
            async () =>
            {
                await foreach (var f in feed.Frames.ReadAllAsync(CancellationToken.None))
                {
                    delivered++;
                    f.Dispose();
                }
            },
            CancellationToken.None);

        await connected.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        await Task.Delay(300, cancellationToken);
        var picture = St2110TestSender.Frame(width, height, (x, y) => ((ushort)(64 + ((x + y) % 876)), 512, 512));
        using var sender = new St2110TestSender(new IPEndPoint(IPAddress.Loopback, port), null, path: send) { PayloadBytes = payload };
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var processCpu0 = process.TotalProcessorTime;
        var receiveCpu0 = source.Statistics.ReceiveCpu;
        var frames0 = source.Statistics.FramesComplete + source.Statistics.FramesIncomplete;
        var sw = Stopwatch.StartNew();
        var sent = await Task.Run(() => sender.StreamAsync(picture, width, height, rate.FramesPerSecond, TimeSpan.FromSeconds(seconds), null, TimeProvider.System, cancellationToken), cancellationToken);
        var sendSeconds = sw.Elapsed.TotalSeconds;

        // Let the receiver drain its socket buffer, then stop.
        var before = -1L;
        while (source.Statistics.Packets != before)
        {
            before = source.Statistics.Packets;
            await Task.Delay(300, cancellationToken);
        }

        process.Refresh();
        var processCpu = (process.TotalProcessorTime - processCpu0).TotalSeconds;
        await stop.CancelAsync();
        await run;
        await consume;
        var s = source.Statistics;
        var frames = s.FramesComplete + s.FramesIncomplete - frames0;
        var receiveCpu = (s.ReceiveCpu - receiveCpu0).TotalSeconds;
        var perFrame = receiveCpu / Math.Max(1, frames) * 1000;
        var label = receive switch
        {
            St2110ReceivePath.Socket => "baseline: Socket.Receive per datagram",
            St2110ReceivePath.Batched => "ours: recvmmsg batches",
            _ => FormattableString.Invariant($"ours: recvmmsg + UDP_GRO ({s.Path})"),
        };
        Console.WriteLine(FormattableString.Invariant(
            $"  {label,-44} sender {send,-7} sent {sent / sendSeconds,5:0.0} fps ({sender.PacketsSent / sendSeconds / 1e6:0.000} Mpps); received complete {s.FramesComplete / sendSeconds,5:0.0} fps, incomplete {s.FramesIncomplete}, delivered {delivered}"));
        Console.WriteLine(FormattableString.Invariant(
            $"  {string.Empty,-44} packets sent {sender.PacketsSent}, received {s.Packets} ({(double)s.Packets / Math.Max(1, sender.PacketsSent):P3}), lost {s.Lost}, reordered {s.Reordered}; {(s.BatchCalls > 0 ? (double)s.Packets / s.BatchCalls : 1):0.0} packets per call"));
        Console.WriteLine(FormattableString.Invariant(
            $"  {string.Empty,-44} receive thread CPU {perFrame:0.00} ms/frame ({perFrame * 60 / 10:0.0} % of a core at 60 fps){(baselineCpuPerFrame is { } b ? FormattableString.Invariant($", x{b / perFrame:0.00} less than baseline") : string.Empty)}; whole process {processCpu / sendSeconds:0.00} cores"));
        return perFrame;
    }
}
