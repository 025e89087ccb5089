namespace InterPositive.Feeds.Sources;

/// <summary>An ST 2110 receiver's counts as <c>feed --json</c> and the service report them.</summary>
public sealed record St2110Report(
    string ReceivePath,
    long Packets,
    long Lost,
    long Reordered,
    long Malformed,
    long Resyncs,
    long FramesComplete,
    long FramesIncomplete,
    long AncDatagrams,
    int ReceiveBufferBytes,
    double ReceiveCpuMsPerFrame);

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
    private long _calls;
    private long _resyncs;
    private long _cpuTicks;

    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Gaps in the extended sequence number not filled by a late packet.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Packets that arrived after a later one.</summary>
    public long Reordered => Interlocked.Read(ref _reordered);

    /// <summary>Datagrams that did not parse (truncated RTP, SRDs past the end, lines outside the picture).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public long FramesComplete => Interlocked.Read(ref _framesComplete);

    /// <summary>Times the sequence was picked up afresh: the first packet, after a quiet spell, after a sender restart.</summary>
    public long Resyncs => Interlocked.Read(ref _resyncs);

    public long FramesIncomplete => Interlocked.Read(ref _framesIncomplete);

    public long AncDatagrams => Interlocked.Read(ref _ancPackets);

    /// <summary>The socket receive buffer the kernel granted.</summary>
    public int ReceiveBufferBytes { get; internal set; }

    /// <summary>The receive path in use (what <see cref="St2110ReceivePath.Auto"/> came to).</summary>
    public St2110ReceivePath Path { get; internal set; }

    /// <summary>The receive thread runs at the raised priority asked for.</summary>
    public bool RaisedPriority { get; internal set; }

    /// <summary>recvmmsg calls that returned datagrams (packets per call = <see cref="Packets"/> / this).</summary>
    public long BatchCalls => Interlocked.Read(ref _calls);

    /// <summary>CPU time of the receive thread (system calls, depacketising, frame hand-off), updated per frame.</summary>
    public TimeSpan ReceiveCpu
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _cpuTicks));
        internal set => Interlocked.Exchange(ref _cpuTicks, value.Ticks);
    }

    /// <summary>A snapshot for reports.</summary>
    public St2110Report Report()
    {
        var frames = FramesComplete + FramesIncomplete;
        return new St2110Report(
            Path.ToString().ToLowerInvariant(),
            Packets,
            Lost,
            Reordered,
            Malformed,
            Resyncs,
            FramesComplete,
            FramesIncomplete,
            AncDatagrams,
            ReceiveBufferBytes,
            frames == 0 ? 0 : Math.Round(ReceiveCpu.TotalMilliseconds / frames, 3));
    }

    internal void Batch() => _calls++;

    internal void Resync() => _resyncs++;

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
