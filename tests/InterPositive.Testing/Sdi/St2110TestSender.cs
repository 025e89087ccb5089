using System.Net;
using System.Net.Sockets;
using InterPositive.Feeds.Sources;
using InterPositive.Formats.Sdi;
using InterPositive.Formats.St2110;

namespace InterPositive.Testing.Sdi;

/// <summary>
/// Sends ST 2110-20 video (RFC 4175, 4:2:2 10-bit, one SRD per packet, lines split across packets) and
/// ST 2110-40 ANC (RFC 8331) over UDP, for receivers under test on loopback. Can drop and swap packets on purpose.
/// Each frame goes out as one burst at the caller's pace (no ST 2110-21 gapping); headers are written straight into
/// the send batch (sendmmsg, optionally UDP GSO) so a UHD 60p stream can be sent from one core.
/// </summary>
public sealed class St2110TestSender : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint? _anc;
    private readonly byte[] _packet = new byte[65536];
    private readonly St2110SendPath _path;
    private LinuxUdp.BatchSender? _batch;
    private uint _sequence;
    private uint _ancSequence;

    public St2110TestSender(IPEndPoint video, IPEndPoint? anc, IPAddress? multicastInterface = null, St2110SendPath path = St2110SendPath.Batched)
    {
        _anc = anc;
        _path = LinuxUdp.IsSupported ? path : St2110SendPath.Socket;
        _socket = new Socket(video.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 8 << 20 };
        if (multicastInterface is not null)
        {
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, multicastInterface.GetAddressBytes());
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
        }

        // A connected socket sends with send(2): no destination address marshalled per packet (a million a second at UHD).
        _socket.Connect(video);
    }

    /// <summary>Pixel bytes per packet (a multiple of the 5-byte pixel group): 1200 fits the standard 1460-byte limit.</summary>
    public int PayloadBytes { get; init; } = 1200;

    /// <summary>Return true to leave the packet with this video sequence number unsent.</summary>
    public Func<uint, bool>? Drop { get; init; }

    /// <summary>Return true to send the packet with this sequence number after the next one.</summary>
    public Func<uint, bool>? SwapWithNext { get; init; }

    public long PacketsSent { get; private set; }

    public long PacketsDropped { get; private set; }

    /// <summary>The next video sequence number (32 bits: the high half goes in the RFC 4175 extended sequence).</summary>
    public uint NextSequence
    {
        get => _sequence;
        init => _sequence = value;
    }

    /// <summary>Sends one frame (RFC 4175 pixel groups, <paramref name="width"/>·5/2 bytes per line) and its ANC.</summary>
    public void SendFrame(ReadOnlySpan<byte> frame, int width, int height, uint timestamp, IReadOnlyList<(int Line, ushort[] Words)>? anc = null)
    {
        if (anc is { Count: > 0 } && _anc is not null)
        {
            var n = RtpHeader.Write(_packet, marker: true, 100, (ushort)_ancSequence, timestamp, 0x40);
            n += Rfc8331.Write(_packet.AsSpan(n), (ushort)(_ancSequence >> 16), anc);
            _ancSequence++;
            _socket.SendTo(_packet.AsSpan(0, n), SocketFlags.None, _anc);
        }

        var stride = Rfc4175.Stride(width);
        var chunk = PayloadBytes / Rfc4175.PgroupBytes * Rfc4175.PgroupBytes;
        const int Header = RtpHeader.FixedSize + 8;
        if (_batch is null && _path != St2110SendPath.Socket)
        {
            _batch = new LinuxUdp.BatchSender(_socket, segmentSize: _path == St2110SendPath.Gso ? Header + chunk : 0);
        }

        byte[]? held = null;
        for (var line = 0; line < height; line++)
        {
            for (var offset = 0; offset < stride; offset += chunk)
            {
                var length = Math.Min(chunk, stride - offset);
                var last = line == height - 1 && offset + length >= stride;
                var seq = _sequence++;
                if (Drop?.Invoke(seq) == true)
                {
                    PacketsDropped++;
                    continue;
                }

                var swap = held is null && !last && SwapWithNext?.Invoke(seq) == true;
                Span<byte> packet = swap ? new byte[Header + length] : Next(Header + length);
                var n = RtpHeader.Write(packet, last, 96, (ushort)seq, timestamp, 0x20);
                n += Rfc4175.WriteSingleSrd(packet[n..], (ushort)(seq >> 16), length, line, offset / Rfc4175.PgroupBytes * 2);
                frame.Slice((line * stride) + offset, length).CopyTo(packet[n..]);
                if (swap)
                {
                    held = packet.ToArray();
                    continue;
                }

                Sent(packet);
                if (held is not null)
                {
                    held.CopyTo(Next(held.Length));
                    Sent(held);
                    held = null;
                }
            }
        }

        _batch?.Flush();
    }

    /// <summary>Sends the same frame at <paramref name="rate"/> frames a second (timestamps at 90 kHz) until the time runs out or <paramref name="frames"/> are sent.</summary>
    public async Task<int> StreamAsync(byte[] frame, int width, int height, double rate, TimeSpan duration, int? frames, TimeProvider time, CancellationToken cancellationToken, uint firstTimestamp = 0)
    {
        var start = time.GetTimestamp();
        var period = TimeSpan.FromSeconds(1 / rate);
        var i = 0;
        for (; frames is null || i < frames; i++)
        {
            var due = period * i;
            if (due >= duration)
            {
                break;
            }

            var wait = due - time.GetElapsedTime(start);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            SendFrame(frame, width, height, firstTimestamp + (uint)Math.Round(i * 90000 / rate));
        }

        return i;
    }

    // Socket path: the packet is built in one scratch buffer and sent at once.
    private Span<byte> Next(int length) => _batch is { } b ? b.Next(length) : _packet.AsSpan(0, length);

    private void Sent(ReadOnlySpan<byte> packet)
    {
        if (_batch is null)
        {
            _socket.Send(packet, SocketFlags.None);
        }

        PacketsSent++;
    }

    /// <summary>A frame of pixel groups from multiplexed samples per line (Cb Y Cr Y …).</summary>
    public static byte[] Frame(int width, int height, Func<int, int, (ushort Y, ushort Cb, ushort Cr)> picture)
    {
        var stride = Rfc4175.Stride(width);
        var frame = new byte[stride * height];
        var samples = new ushort[2 * width];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x += 2)
            {
                var (l0, cb, cr) = picture(x, y);
                samples[2 * x] = cb;
                samples[(2 * x) + 1] = l0;
                samples[(2 * x) + 2] = cr;
                samples[(2 * x) + 3] = picture(x + 1, y).Y;
            }

            Rfc4175.PackSamples(samples, frame.AsSpan(y * stride, stride));
        }

        return frame;
    }

    /// <summary>The ATC packet words for a label, ready for <see cref="SendFrame"/>.</summary>
    public static (int Line, ushort[] Words) Atc(AtcTimecode timecode, int line = 9) =>
        (line, AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, timecode.EncodeUserData()));

    public void Dispose()
    {
        _batch?.Dispose();
        _socket.Dispose();
    }
}

/// <summary>How the test sender hands datagrams to the kernel.</summary>
public enum St2110SendPath
{
    /// <summary>One send(2) per datagram: the portable baseline.</summary>
    Socket,

    /// <summary>sendmmsg(2) batches of 64 datagrams.</summary>
    Batched,

    /// <summary>sendmmsg(2) with UDP GSO: runs of equal-size datagrams per message, split by the kernel (or left whole for a UDP_GRO receiver on loopback).</summary>
    Gso,
}
