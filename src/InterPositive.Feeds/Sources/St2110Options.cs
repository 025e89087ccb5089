using System.Net;
using System.Net.Sockets;
using InterPositive.Formats;

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

    /// <summary>
    /// Socket receive buffer asked of the kernel: above net.core.rmem_max only with CAP_NET_ADMIN (SO_RCVBUFFORCE).
    /// The kernel charges each datagram's whole buffer (~2 KiB for a 1.2 KB packet), so a UHD frame (~17k packets)
    /// takes ~40 MiB: 128 MiB rides out about three frames of the receive thread being held off the CPU.
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = 128 << 20;

    /// <summary>How datagrams are read from the socket (default: the fastest this system has).</summary>
    public St2110ReceivePath Path { get; init; } = St2110ReceivePath.Auto;

    /// <summary>
    /// Nice value for the receive thread where permitted (root or CAP_SYS_NICE); null leaves it. A starved receive
    /// thread is how a loaded box loses packets: the socket buffer overflows while the thread waits for a core.
    /// </summary>
    public int? ReceiveThreadNice { get; init; } = -10;
}

/// <summary>How an ST 2110 receiver reads its video socket.</summary>
public enum St2110ReceivePath
{
    /// <summary>recvmmsg(2) batches with UDP_GRO (runs of equal-size datagrams coalesced by the kernel) on Linux; else the next best.</summary>
    Auto,

    /// <summary>recvmmsg(2) batches, one datagram per slot.</summary>
    Batched,

    /// <summary>Portable: one <see cref="Socket.Receive(Span{byte})"/> per datagram.</summary>
    Socket,
}
