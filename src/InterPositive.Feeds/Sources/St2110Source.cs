using System.Net;
using System.Net.Sockets;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Formats.St2110;

namespace InterPositive.Feeds.Sources;

/// <summary>
/// A SMPTE ST 2110-20 receiver (RFC 4175, 4:2:2 10-bit, unicast or multicast) with ST 2110-40 ANC (RFC 8331) on a
/// second port, matched to video frames by RTP timestamp. Frames keep the RFC 4175 pixel-group packing (no
/// repacking on the receive path: one copy from datagram to frame). Lost and reordered packets are counted; a
/// frame with missing packets is delivered marked incomplete. A stream whose lines or pixels do not fit the
/// configured size for two frames running is taken as a format change, and the receiver follows it.
/// </summary>
public sealed class St2110Source(St2110Options options, string feed, TimeProvider time) : IFrameSource
{
    private readonly St2110Options _options = options;
    private readonly string _feed = feed;
    private readonly TimeProvider _time = time;
    private readonly Lock _ancGate = new();
    private readonly Dictionary<uint, (List<AncPacket> Packets, AncErrorCounts Errors)> _ancByTimestamp = [];
    private AncErrorCounts _unattributedAncErrors = new();

    /// <summary>
    /// The largest picture the receiver follows a stream to (DCI 8K): lines and pixel offsets are 15-bit fields, so
    /// without a bound two datagrams naming line 32767, pixel 32767 would make the next frame buffer gigabytes.
    /// </summary>
    public const int MaxFollowedWidth = 8192;

    public const int MaxFollowedHeight = 4320;

    /// <summary>ANC packets kept for one RTP timestamp (a frame carries a few dozen at most); the rest are counted, not kept.</summary>
    public const int MaxAncPacketsPerFrame = 512;

    private const int SolSocket = 1;
    private const int SoRcvBufForce = 33;

    public string Description { get; } = FormattableString.Invariant($"st2110://{options.Address}:{options.VideoPort}") +
        (options.AncPort is { } a ? FormattableString.Invariant($" (ANC :{a})") : string.Empty);

    public bool IsLive => true;

    public St2110Statistics Statistics { get; } = new();

    public async Task RunAsync(IFrameSink sink, CancellationToken cancellationToken)
    {
        using var video = Open(_options.Address, _options.VideoPort);
        Statistics.ReceiveBufferBytes = video.ReceiveBufferSize;
        using var anc = _options.AncPort is { } ancPort ? Open(_options.AncAddress ?? _options.Address, ancPort) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        sink.OnEvent(FeedEventKind.Connected, FormattableString.Invariant($"{Description}, receive buffer {video.ReceiveBufferSize >> 20} MiB"));

        // One thread receives both streams: the ANC socket is drained whenever a video frame completes, so ANC sent
        // ahead of (or with) its frame is always attached, without locks or a race between threads.
        var receive = Task.Factory.StartNew(() => Receive(video, anc, sink, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await receive;

            // The receive loop returns when cancelled: say so, or the feed would take it for a dropped stream.
            cancellationToken.ThrowIfCancellationRequested();
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
            socket.ReceiveBufferSize = _options.ReceiveBufferBytes;
            if (socket.ReceiveBufferSize < _options.ReceiveBufferBytes)
            {
                // Above net.core.rmem_max only SO_RCVBUFFORCE (CAP_NET_ADMIN) gets a bigger buffer; without it, keep what we got.
                Span<byte> value = stackalloc byte[4];
                BitConverter.TryWriteBytes(value, _options.ReceiveBufferBytes);
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
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(address, _options.Interface ?? IPAddress.Any));
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
        using var assembler = new Assembler(this, anc, sink, cancellationToken);
        var path = _options.Path;
        if (path != St2110ReceivePath.Socket && !LinuxUdp.IsSupported)
        {
            path = St2110ReceivePath.Socket;
        }

        if (path == St2110ReceivePath.Auto && !LinuxUdp.TryEnableGro(socket))
        {
            path = St2110ReceivePath.Batched;
        }

        Statistics.Path = path;
        Statistics.RaisedPriority = _options.ReceiveThreadNice is { } nice && LinuxUdp.TrySetThreadNice(nice);
        try
        {
            if (path == St2110ReceivePath.Socket)
            {
                ReceiveEach(socket, assembler, cancellationToken);
            }
            else
            {
                ReceiveBatches(socket, assembler, cancellationToken);
            }
        }
        finally
        {
            assembler.CountCpu();
        }
    }

    /// <summary>The portable path: one datagram per system call.</summary>
    private static void ReceiveEach(Socket socket, Assembler assembler, CancellationToken cancellationToken)
    {
        var datagram = GC.AllocateUninitializedArray<byte>(65536, pinned: true);
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = socket.Receive(datagram);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                assembler.Quiet();
                continue;
            }

            assembler.Datagram(datagram.AsSpan(0, length));
        }
    }

    /// <summary>recvmmsg(2) batches; with UDP_GRO a slot may hold a run of equal-size datagrams, split here.</summary>
    private void ReceiveBatches(Socket socket, Assembler assembler, CancellationToken cancellationToken)
    {
        using var batch = new LinuxUdp.BatchReceiver();
        while (!cancellationToken.IsCancellationRequested)
        {
            var n = batch.Receive(socket);
            if (n == 0)
            {
                assembler.Quiet();
                continue;
            }

            Statistics.Batch();
            for (var i = 0; i < n; i++)
            {
                var data = batch.Datagram(i);
                if (batch.Truncated(i))
                {
                    Statistics.Bad();
                    continue;
                }

                var segment = batch.SegmentSize(i);
                if (segment <= 0 || segment >= data.Length)
                {
                    assembler.Datagram(data);
                    continue;
                }

                for (var at = 0; at < data.Length; at += segment)
                {
                    assembler.Datagram(data.Slice(at, Math.Min(segment, data.Length - at)));
                }
            }
        }
    }

    /// <summary>
    /// Builds frames from RFC 4175 datagrams on the receive thread: counts loss and reordering, copies each segment
    /// straight into the pooled frame, follows format changes and hands completed frames on with their ANC.
    /// </summary>
    internal sealed class Assembler : IDisposable
    {
        // A packet this far behind the newest is a restarted sender, not reordering on a LAN; this far ahead (over a
        // second of UHD) with no quiet spell in between is a sender that restarted, not loss.
        private const int ResyncBehind = 1024;
        private const int ResyncAhead = 1 << 20;
        private readonly St2110Source _source;
        private readonly Socket? _anc;
        private readonly IFrameSink _sink;
        private readonly CancellationToken _cancellationToken;
        private readonly St2110Statistics _statistics;
        private readonly Rfc4175Segment[] _segments = new Rfc4175Segment[16];
        private readonly Queue<VideoFrame> _held = new();
        private readonly int _holdFrames;
        private readonly byte[] _ancDatagram;
        private readonly TimeSpan _cpuBefore;
        private readonly TimeSpan _cpuStart = LinuxUdp.ThreadCpuTime();
        private VideoFormat _format;
        private bool _rateKnown;
        private VideoFrame? _frame;
        private Memory<byte> _frameData;
        private uint _frameTimestamp;
        private uint? _previousFrameTimestamp;
        private long _frameBytes;
        private long _sequence;
        private uint _expected;
        private bool _resync = true;
        private int _maxLine;
        private int _maxPixel;
        private int _mismatches;

        public Assembler(St2110Source source, Socket? anc, IFrameSink sink, CancellationToken cancellationToken)
        {
            _source = source;
            _anc = anc;
            _sink = sink;
            _cancellationToken = cancellationToken;
            _statistics = source.Statistics;
            _cpuBefore = _statistics.ReceiveCpu;
            var o = source._options;
            _format = new VideoFormat(o.Width, o.Height, FramePixelFormat.Rfc4175, o.Rate ?? FrameRate.Fps25);
            _rateKnown = o.Rate is not null;

            // Completed frames wait (at most one frame, or a quiet 100 ms) until their ST 2110-40 ANC, which arrives
            // on another socket, is in: a little latency so timecode stays with the frame it belongs to.
            _holdFrames = anc is null ? 0 : 1;
            _ancDatagram = anc is null ? [] : new byte[65536];
        }

        /// <summary>Publishes the receive thread's CPU time (this session's added to earlier sessions').</summary>
        public void CountCpu() => _statistics.ReceiveCpu = _cpuBefore + (LinuxUdp.ThreadCpuTime() - _cpuStart);

        /// <summary>Nothing arrived for the receive timeout: hand on held frames; the next packet starts afresh.</summary>
        public void Quiet()
        {
            _resync = true;
            Release(all: true);
        }

        public void Datagram(ReadOnlySpan<byte> datagram)
        {
            Rfc4175Packet packet;
            try
            {
                packet = Rfc4175.Parse(datagram, _segments, _source._feed);
            }
            catch (MalformedInputException)
            {
                _statistics.Bad();
                return;
            }

            // Segments carry whole 4:2:2 10-bit pixel groups: a length that is not a multiple of 5 would copy past the
            // picture's last group (and past the frame buffer on the last line).
            for (var i = 0; i < packet.SegmentCount; i++)
            {
                if (_segments[i].Length % Rfc4175.PgroupBytes != 0)
                {
                    _statistics.Bad();
                    return;
                }
            }

            _statistics.Packet();
            var gap = (int)(packet.ExtendedSequence - _expected);
            if (_resync || gap < -ResyncBehind || gap > ResyncAhead)
            {
                // First packet, or the first after a pause or a sender restart: nothing to compare with.
                _statistics.Resync();
                _resync = false;
                _expected = packet.ExtendedSequence + 1;
            }
            else if (gap >= 0)
            {
                _statistics.AddLost(gap);
                _expected = packet.ExtendedSequence + 1;
            }
            else
            {
                _statistics.Late();
            }

            // A new timestamp starts a new frame: the previous one lost its marker packet.
            if (_frame is not null && packet.Timestamp != _frameTimestamp)
            {
                Complete();
            }

            if (_frame is null)
            {
                _frame = VideoFrame.Rent(_source._feed, _format, _sequence++, _source._time.GetUtcNow());
                _frameData = _frame.Data;
                _frameTimestamp = packet.Timestamp;
                _frameBytes = 0;
                _maxLine = _maxPixel = 0;
            }

            var data = _frameData.Span;
            var stride = _format.Stride;
            for (var i = 0; i < packet.SegmentCount; i++)
            {
                var s = _segments[i];
                var pixels = s.Length / Rfc4175.PgroupBytes * 2;
                _maxLine = Math.Max(_maxLine, s.Line);
                _maxPixel = Math.Max(_maxPixel, s.PixelOffset + pixels);
                if (s.Line >= _format.Height || s.PixelOffset + pixels > _format.Width)
                {
                    continue;
                }

                var at = (s.Line * stride) + (s.PixelOffset / 2 * Rfc4175.PgroupBytes);
                datagram.Slice(s.DataOffset, s.Length).CopyTo(data[at..]);
                _frameBytes += s.Length;
            }

            if (packet.EndOfFrame)
            {
                Complete();
            }
        }

        private void Complete()
        {
            var f = _frame!;
            _frame = null;
            _frameData = default;
            var complete = _frameBytes >= f.Format.FrameBytes;
            _statistics.Frame(complete);
            CountCpu();

            if (!_rateKnown && _previousFrameTimestamp is { } prev && _frameTimestamp != prev)
            {
                var fps = 90000.0 / unchecked(_frameTimestamp - prev);
                if (fps is > 1 and < 300)
                {
                    _format = _format with { Rate = FrameRate.FromFramesPerSecond(fps) };
                    _rateKnown = true;
                }
            }

            _previousFrameTimestamp = _frameTimestamp;
            if (!_rateKnown || f.Format.Rate != _format.Rate)
            {
                // The rate is measured between two frames: frames before it is known are not delivered.
                f.Dispose();
                return;
            }

            // The picture does not fit the configured size: after two such frames, follow the stream.
            var seenHeight = _maxLine + 1;
            if (seenHeight != _format.Height || _maxPixel != _format.Width)
            {
                if (++_mismatches >= 2 && seenHeight > 1 && _maxPixel > 1 && (_maxPixel > MaxFollowedWidth || seenHeight > MaxFollowedHeight))
                {
                    // Not followed: a stream this large is not a picture this appliance takes (or is an attacker's).
                    if (_mismatches == 2)
                    {
                        _sink.OnEvent(
                            FeedEventKind.Malformed,
                            FormattableString.Invariant($"stream of {_maxPixel}x{seenHeight} is over the {MaxFollowedWidth}x{MaxFollowedHeight} the receiver follows; staying at {_format}"));
                    }
                }
                else if (_mismatches >= 2 && seenHeight > 1 && _maxPixel > 1)
                {
                    var changed = _format with { Width = _maxPixel, Height = seenHeight };
                    _sink.OnEvent(FeedEventKind.FormatChanged, FormattableString.Invariant($"{_format} -> {changed}"));
                    _format = changed;
                    _mismatches = 0;
                }

                f.Dispose();
                return;
            }

            _mismatches = 0;
            f.Incomplete = !complete;
            f.RtpTimestamp = _frameTimestamp;
            f.CaptureTime = _source._time.GetUtcNow();
            _held.Enqueue(f);
            Release(all: false);
        }

        private void Release(bool all)
        {
            if (_anc is not null)
            {
                _source.DrainAnc(_anc, _ancDatagram);
            }

            while (_held.Count > 0 && (all || _held.Count > _holdFrames || _source.HasAnc(_held.Peek().RtpTimestamp ?? 0)))
            {
                var f = _held.Dequeue();
                var (packets, errors) = _source.TakeAnc(f.RtpTimestamp ?? 0);
                f.Anc = packets;
                f.AncErrors = errors;
                var pending = _sink.OnFrameAsync(f, _cancellationToken);
                if (!pending.IsCompletedSuccessfully)
                {
                    // A live source's sink never waits (drop-oldest); anything else is a wiring mistake.
                    throw new InvalidOperationException("the sink of a live ST 2110 source must not block");
                }
            }
        }

        public void Dispose()
        {
            _frame?.Dispose();
            while (_held.Count > 0)
            {
                _held.Dequeue().Dispose();
            }
        }
    }

    private void DrainAnc(Socket socket, byte[] datagram)
    {
        while (socket.Available > 0)
        {
            var length = socket.Receive(datagram);
            Statistics.Anc();
            AcceptAnc(datagram.AsSpan(0, length));
        }
    }

    /// <summary>Parses one ST 2110-40 datagram and keeps its packets with their RTP timestamp until the frame takes them.</summary>
    internal void AcceptAnc(ReadOnlySpan<byte> datagram)
    {
        var packets = new List<AncPacket>();
        var errors = new AncErrorCounts();
        uint timestamp;
        try
        {
            (_, timestamp, _) = Rfc8331.Parse(datagram, packets, errors, _feed);
        }
        catch (MalformedInputException)
        {
            // Not even an RTP header to say which frame it belonged to: count it with the next frame.
            lock (_ancGate)
            {
                _unattributedAncErrors.Truncated++;
            }

            return;
        }

        lock (_ancGate)
        {
            if (_ancByTimestamp.TryGetValue(timestamp, out var held))
            {
                // A sender repeating one timestamp must not grow the list without end: past the cap, count only.
                var room = Math.Max(0, MaxAncPacketsPerFrame - held.Packets.Count);
                held.Packets.AddRange(packets.Take(room));
                held.Errors.Add(errors);
                held.Errors.Truncated += Math.Max(0, packets.Count - room);
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

    /// <summary>Packets held for a timestamp (tests: what a flood of ANC left in memory).</summary>
    internal int HeldAncPackets(uint timestamp)
    {
        lock (_ancGate)
        {
            return _ancByTimestamp.TryGetValue(timestamp, out var held) ? held.Packets.Count : 0;
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
