using System.Net;
using System.Net.Sockets;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Formats.St2110;

namespace InterPositive.Feeds.Sources;

/// <summary>Where an ST 2110 stream comes from and what it is expected to carry.</summary>
public sealed record St2110Options
{
    /// <summary>Multicast group to join, or the local unicast address to bind.</summary>
    public required IPAddress Address { get; init; }

    /// <summary>UDP port of the ST 2110-20 video stream.</summary>
    public required int VideoPort { get; init; }

    /// <summary>UDP port of the ST 2110-40 ANC stream (default video port + 2); null to receive no ANC.</summary>
    public int? AncPort { get; init; }

    /// <summary>ANC multicast group when it differs from the video's.</summary>
    public IPAddress? AncAddress { get; init; }

    /// <summary>Local interface to join multicast groups on (default: any).</summary>
    public IPAddress? Interface { get; init; }

    public int Width { get; init; } = 1920;

    public int Height { get; init; } = 1080;

    /// <summary>Frame rate; null measures it from the RTP timestamps (90 kHz).</summary>
    public FrameRate? Rate { get; init; }

    /// <summary>Socket receive buffer asked of the kernel (capped by net.core.rmem_max).</summary>
    public int ReceiveBufferBytes { get; init; } = 64 << 20;
}

/// <summary>Packet-level counts of an ST 2110 receiver.</summary>
public sealed class St2110Statistics
{
    private long _packets;
    private long _lost;
    private long _reordered;
    private long _malformed;
    private long _framesComplete;
    private long _framesIncomplete;
    private long _ancPackets;

    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Gaps in the extended sequence number not filled by a late packet.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Packets that arrived after a later one.</summary>
    public long Reordered => Interlocked.Read(ref _reordered);

    /// <summary>Datagrams that did not parse (truncated RTP, SRDs past the end, lines outside the picture).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public long FramesComplete => Interlocked.Read(ref _framesComplete);

    public long FramesIncomplete => Interlocked.Read(ref _framesIncomplete);

    public long AncDatagrams => Interlocked.Read(ref _ancPackets);

    /// <summary>The socket receive buffer the kernel granted.</summary>
    public int ReceiveBufferBytes { get; internal set; }

    internal void Packet() => _packets++;

    internal void AddLost(long n) => _lost += n;

    internal void Late()
    {
        _reordered++;
        _lost--;
    }

    internal void Bad() => Interlocked.Increment(ref _malformed);

    internal void Frame(bool complete) => _ = complete ? _framesComplete++ : _framesIncomplete++;

    internal void Anc() => Interlocked.Increment(ref _ancPackets);
}

/// <summary>
/// A SMPTE ST 2110-20 receiver (RFC 4175, 4:2:2 10-bit, unicast or multicast) with ST 2110-40 ANC (RFC 8331) on a
/// second port, matched to video frames by RTP timestamp. Frames keep the RFC 4175 pixel-group packing (no
/// repacking on the receive path: one copy from datagram to frame). Lost and reordered packets are counted; a
/// frame with missing packets is delivered marked incomplete. A stream whose lines or pixels do not fit the
/// configured size for two frames running is taken as a format change, and the receiver follows it.
/// </summary>
public sealed class St2110Source(St2110Options options, string feed, TimeProvider time) : IFrameSource
{
    private readonly Lock _ancGate = new();
    private readonly Dictionary<uint, (List<AncPacket> Packets, AncErrorCounts Errors)> _ancByTimestamp = [];
    private AncErrorCounts _unattributedAncErrors = new();

    private const int SolSocket = 1;
    private const int SoRcvBufForce = 33;

    public string Description { get; } = FormattableString.Invariant($"st2110://{options.Address}:{options.VideoPort}") +
        (options.AncPort is { } a ? FormattableString.Invariant($" (ANC :{a})") : string.Empty);

    public bool IsLive => true;

    public St2110Statistics Statistics { get; } = new();

    public async Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        using var video = Open(options.Address, options.VideoPort);
        Statistics.ReceiveBufferBytes = video.ReceiveBufferSize;
        using var anc = options.AncPort is { } ancPort ? Open(options.AncAddress ?? options.Address, ancPort) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        sink.OnEvent(FeedEventKind.Connected, FormattableString.Invariant($"{Description}, receive buffer {video.ReceiveBufferSize >> 20} MiB"));

        // One thread receives both streams: the ANC socket is drained whenever a video frame completes, so ANC sent
        // ahead of (or with) its frame is always attached, without locks or a race between threads.
        var receive = Task.Factory.StartNew(() => Receive(video, anc, sink, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await receive;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private Socket Open(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.ReceiveBufferSize = options.ReceiveBufferBytes;
            if (socket.ReceiveBufferSize < options.ReceiveBufferBytes)
            {
                // Above net.core.rmem_max only SO_RCVBUFFORCE (CAP_NET_ADMIN) gets a bigger buffer; without it, keep what we got.
                Span<byte> value = stackalloc byte[4];
                BitConverter.TryWriteBytes(value, options.ReceiveBufferBytes);
                try
                {
                    socket.SetRawSocketOption(SolSocket, SoRcvBufForce, value);
                }
                catch (SocketException)
                {
                }
            }

            socket.ReceiveTimeout = 100;
            var multicast = IsMulticast(address);
            socket.Bind(new IPEndPoint(multicast ? (address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any) : address, port));
            if (multicast)
            {
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(address));
                }
                else
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(address, options.Interface ?? IPAddress.Any));
                }
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsMulticast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? address.IsIPv6Multicast : (address.GetAddressBytes()[0] & 0xF0) == 0xE0;

    private void Receive(Socket socket, Socket? anc, IFrameSink sink, CancellationToken cancellationToken)
    {
        var datagram = GC.AllocateUninitializedArray<byte>(65536, pinned: true);
        Span<Rfc4175Segment> segments = stackalloc Rfc4175Segment[16];
        var format = new VideoFormat(options.Width, options.Height, FramePixelFormat.Rfc4175, options.Rate ?? FrameRate.Fps25);
        var rateKnown = options.Rate is not null;
        VideoFrame? frame = null;

        // Completed frames wait (at most two frames, or a quiet 100 ms) until their ST 2110-40 ANC, which arrives on
        // another socket and thread, is in: a little latency so timecode stays with the frame it belongs to.
        var held = new Queue<VideoFrame>();
        var holdFrames = anc is null ? 0 : 1;
        var ancDatagram = anc is null ? [] : new byte[65536];
        uint frameTimestamp = 0;
        uint? previousFrameTimestamp = null;
        long frameBytes = 0, sequence = 0;
        uint expected = 0;
        var first = true;
        int maxLine = 0, maxPixel = 0, mismatches = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = socket.Receive(datagram);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                    Release(all: true);
                    continue;
                }

                Rfc4175Packet packet;
                try
                {
                    packet = Rfc4175.Parse(datagram.AsSpan(0, length), segments, feed);
                }
                catch (MalformedInputException)
                {
                    Statistics.Bad();
                    continue;
                }

                Statistics.Packet();
                if (first)
                {
                    first = false;
                }
                else
                {
                    var gap = (int)(packet.ExtendedSequence - expected);
                    if (gap > 0)
                    {
                        Statistics.AddLost(gap);
                    }
                    else if (gap < 0)
                    {
                        Statistics.Late();
                    }
                }

                if ((int)(packet.ExtendedSequence - expected) >= 0 || first)
                {
                    expected = packet.ExtendedSequence + 1;
                }

                // A new timestamp starts a new frame: the previous one lost its marker packet.
                if (frame is not null && packet.Timestamp != frameTimestamp)
                {
                    Complete(ref frame);
                }

                if (frame is null)
                {
                    frame = VideoFrame.Rent(feed, format, sequence++, time.GetUtcNow());
                    frameTimestamp = packet.Timestamp;
                    frameBytes = 0;
                    maxLine = maxPixel = 0;
                }

                var data = frame.Data.Span;
                var stride = format.Stride;
                for (var i = 0; i < packet.SegmentCount; i++)
                {
                    var s = segments[i];
                    var pixels = s.Length / Rfc4175.PgroupBytes * 2;
                    maxLine = Math.Max(maxLine, s.Line);
                    maxPixel = Math.Max(maxPixel, s.PixelOffset + pixels);
                    var at = ((long)s.Line * stride) + (s.PixelOffset / 2 * Rfc4175.PgroupBytes);
                    if (s.Line >= format.Height || s.PixelOffset + pixels > format.Width)
                    {
                        continue;
                    }

                    datagram.AsSpan(s.DataOffset, s.Length).CopyTo(data[(int)at..]);
                    frameBytes += s.Length;
                }

                if (packet.EndOfFrame)
                {
                    Complete(ref frame);
                }
            }
        }
        finally
        {
            frame?.Dispose();
            while (held.Count > 0)
            {
                held.Dequeue().Dispose();
            }
        }

        void Release(bool all)
        {
            if (anc is not null)
            {
                DrainAnc(anc, ancDatagram);
            }

            while (held.Count > 0 && (all || held.Count > holdFrames || HasAnc(held.Peek().RtpTimestamp ?? 0)))
            {
                var f = held.Dequeue();
                var (packets, errors) = TakeAnc(f.RtpTimestamp ?? 0);
                f.Anc = packets;
                f.AncErrors = errors;
                var pending = sink.OnFrameAsync(f, cancellationToken);
                if (!pending.IsCompletedSuccessfully)
                {
                    // A live source's sink never waits (drop-oldest); anything else is a wiring mistake.
                    throw new InvalidOperationException("the sink of a live ST 2110 source must not block");
                }
            }
        }

        void Complete(ref VideoFrame? done)
        {
            var f = done!;
            done = null;
            var complete = frameBytes >= f.Format.FrameBytes;
            Statistics.Frame(complete);

            if (!rateKnown && previousFrameTimestamp is { } prev && frameTimestamp != prev)
            {
                var fps = 90000.0 / unchecked(frameTimestamp - prev);
                if (fps is > 1 and < 300)
                {
                    format = format with { Rate = FrameRate.FromFramesPerSecond(fps) };
                    rateKnown = true;
                }
            }

            previousFrameTimestamp = frameTimestamp;
            if (!rateKnown || f.Format.Rate != format.Rate)
            {
                // The rate is measured between two frames: frames before it is known are not delivered.
                f.Dispose();
                return;
            }

            // The picture does not fit the configured size: after two such frames, follow the stream.
            var seenHeight = maxLine + 1;
            if (seenHeight != format.Height || maxPixel != format.Width)
            {
                if (++mismatches >= 2 && seenHeight > 1 && maxPixel > 1)
                {
                    var changed = format with { Width = maxPixel, Height = seenHeight };
                    sink.OnEvent(FeedEventKind.FormatChanged, FormattableString.Invariant($"{format} -> {changed}"));
                    format = changed;
                    mismatches = 0;
                }

                f.Dispose();
                return;
            }

            mismatches = 0;
            f.Incomplete = !complete;
            f.RtpTimestamp = frameTimestamp;
            f.CaptureTime = time.GetUtcNow();
            held.Enqueue(f);
            Release(all: false);
        }
    }

    private void DrainAnc(Socket socket, byte[] datagram)
    {
        while (socket.Available > 0)
        {
            var length = socket.Receive(datagram);
            Statistics.Anc();
            var packets = new List<AncPacket>();
            var errors = new AncErrorCounts();
            uint timestamp;
            try
            {
                (_, timestamp, _) = Rfc8331.Parse(datagram.AsSpan(0, length), packets, errors, feed);
            }
            catch (MalformedInputException)
            {
                // Not even an RTP header to say which frame it belonged to: count it with the next frame.
                lock (_ancGate)
                {
                    _unattributedAncErrors.Truncated++;
                }

                continue;
            }

            lock (_ancGate)
            {
                if (_ancByTimestamp.TryGetValue(timestamp, out var held))
                {
                    held.Packets.AddRange(packets);
                    held.Errors.Add(errors);
                }
                else
                {
                    // Keep a few frames' worth: ANC for frames that never complete must not pile up.
                    if (_ancByTimestamp.Count > 16)
                    {
                        _ancByTimestamp.Remove(_ancByTimestamp.Keys.Min());
                    }

                    _ancByTimestamp[timestamp] = (packets, errors);
                }
            }
        }
    }

    private bool HasAnc(uint timestamp)
    {
        lock (_ancGate)
        {
            return _ancByTimestamp.ContainsKey(timestamp);
        }
    }

    private (List<AncPacket> Packets, AncErrorCounts? Errors) TakeAnc(uint timestamp)
    {
        lock (_ancGate)
        {
            AncErrorCounts? errors = null;
            if (_unattributedAncErrors.Truncated > 0)
            {
                errors = _unattributedAncErrors;
                _unattributedAncErrors = new AncErrorCounts();
            }

            if (_ancByTimestamp.Remove(timestamp, out var held))
            {
                if (errors is not null)
                {
                    held.Errors.Add(errors);
                }

                return (held.Packets, held.Errors);
            }

            return ([], errors);
        }
    }
}
