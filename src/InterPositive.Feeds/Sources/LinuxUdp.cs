using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace InterPositive.Feeds.Sources;

/// <summary>
/// Batched UDP on Linux: recvmmsg(2)/sendmmsg(2) move up to a few dozen datagrams per system call, and UDP GSO/GRO
/// (UDP_SEGMENT on send, UDP_GRO on receive) let the kernel carry runs of equal-size datagrams as one. At ST 2110-20
/// UHD rates (~860k packets a second) the per-call cost of one datagram per call is what limits a receiver.
/// </summary>
public static unsafe partial class LinuxUdp
{
    internal const int SolUdp = 17;
    internal const int UdpSegment = 103;
    internal const int UdpGro = 104;
    private const int MsgWaitForOne = 0x10000;
    private const int MsgTrunc = 0x20;
    private const int EAgain = 11;
    private const int EIntr = 4;

    /// <summary>True where recvmmsg/sendmmsg can be called (64-bit Linux with a libc that has them).</summary>
    public static bool IsSupported { get; } = Probe();

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8)
        {
            return false;
        }

        try
        {
            // A call on an invalid descriptor proves the symbol is there without touching a socket.
            _ = RecvMmsg(-1, null, 0, 0, null);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Asks the kernel to coalesce equal-size datagrams (UDP_GRO); false where it is not available.</summary>
    public static bool TryEnableGro(Socket socket)
    {
        try
        {
            socket.SetRawSocketOption(SolUdp, UdpGro, BitConverter.GetBytes(1));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static int Errno() => Marshal.GetLastPInvokeError();

    /// <summary>CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID); zero where it cannot be read.</summary>
    public static TimeSpan ThreadCpuTime()
    {
        const int ClockThreadCpuTimeId = 3;
        var ts = stackalloc long[2];
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, ts) == 0 ? TimeSpan.FromTicks((ts[0] * TimeSpan.TicksPerSecond) + (ts[1] / 100)) : TimeSpan.Zero;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Sets the calling thread's nice value (Linux schedules threads, so this is per thread); false where not
    /// permitted (raising priority needs root or CAP_SYS_NICE). A receive thread that keeps its CPU on a busy box is
    /// the difference between a socket buffer that drains and one that overflows.
    /// </summary>
    public static bool TrySetThreadNice(int nice)
    {
        const int PrioProcess = 0;
        const long SysGettid = 186; // x86_64; aarch64 is 178
        try
        {
            var tid = (int)Syscall(RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 178 : SysGettid);
            return tid > 0 && SetPriority(PrioProcess, tid, nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int nice);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, long* timespec);

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    // struct msghdr and struct mmsghdr on LP64 Linux (56 and 64 bytes with natural alignment).
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    internal static partial int RecvMmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    internal static partial int SendMmsg(int fd, MMsgHdr* messages, uint count, int flags);

    /// <summary>
    /// Receives datagrams in batches into one native slab of fixed slots (no allocation per datagram or per call).
    /// A datagram the kernel coalesced (UDP_GRO) comes with its segment size: split it by <see cref="SegmentSize"/>.
    /// Not thread-safe: one receive thread owns it.
    /// </summary>
    public sealed class BatchReceiver : IDisposable
    {
        private const int ControlBytes = 64;
        private readonly int _slots;
        private readonly int _slotBytes;
        private byte* _memory;
        private readonly MMsgHdr* _messages;
        private readonly IoVec* _iov;
        private readonly byte* _data;
        private readonly byte* _control;

        /// <param name="slots">Datagrams per call.</param>
        /// <param name="slotBytes">Bytes per datagram: 65536 takes anything UDP carries, GRO runs included.</param>
        public BatchReceiver(int slots = 64, int slotBytes = 65536)
        {
            _slots = slots;
            _slotBytes = slotBytes;
            var header = (nuint)(slots * (sizeof(MMsgHdr) + sizeof(IoVec) + ControlBytes));
            _memory = (byte*)NativeMemory.AlignedAlloc(header + ((nuint)slots * (nuint)slotBytes), 64);
            _messages = (MMsgHdr*)_memory;
            _iov = (IoVec*)(_messages + slots);
            _control = (byte*)(_iov + slots);
            _data = _memory + header;
            for (var i = 0; i < slots; i++)
            {
                _iov[i] = new IoVec { Base = _data + ((long)i * slotBytes), Length = (nuint)slotBytes };
                _messages[i] = new MMsgHdr { Header = new MsgHdr { Iov = _iov + i, IovLength = 1, Control = _control + (i * ControlBytes) } };
            }
        }

        /// <summary>
        /// Blocks until at least one datagram is in (then takes what is queued, up to the slot count) or until the
        /// socket's receive timeout; returns the count, 0 on timeout.
        /// </summary>
        public int Receive(Socket socket)
        {
            ObjectDisposedException.ThrowIf(_memory is null, this);
            for (var i = 0; i < _slots; i++)
            {
                _messages[i].Header.ControlLength = ControlBytes;
                _messages[i].Header.Flags = 0;
            }

            while (true)
            {
                var n = RecvMmsg((int)socket.Handle, _messages, (uint)_slots, MsgWaitForOne, null);
                if (n >= 0)
                {
                    return n;
                }

                var errno = Errno();
                if (errno == EIntr)
                {
                    continue;
                }

                if (errno == EAgain)
                {
                    return 0;
                }

                throw new SocketException(errno);
            }
        }

        /// <summary>Datagram <paramref name="index"/> of the last batch (valid until the next receive).</summary>
        public ReadOnlySpan<byte> Datagram(int index) => new(_data + ((long)index * _slotBytes), (int)Math.Min(_messages[index].Length, (uint)_slotBytes));

        /// <summary>The datagram was longer than its slot and was cut.</summary>
        public bool Truncated(int index) => (_messages[index].Header.Flags & MsgTrunc) != 0;

        /// <summary>The size of each datagram in a coalesced run (UDP_GRO), or 0 when the slot holds one datagram.</summary>
        public int SegmentSize(int index)
        {
            var message = &_messages[index].Header;
            var at = message->Control;
            var end = at + message->ControlLength;
            while (at + sizeof(CmsgHdr) <= end)
            {
                var cmsg = (CmsgHdr*)at;
                if (cmsg->Length < (nuint)sizeof(CmsgHdr))
                {
                    break;
                }

                if (cmsg->Level == SolUdp && cmsg->Type == UdpGro)
                {
                    return *(int*)(at + sizeof(CmsgHdr));
                }

                at += (cmsg->Length + 7) & ~(nuint)7;
            }

            return 0;
        }

        public void Dispose()
        {
            if (_memory is not null)
            {
                NativeMemory.AlignedFree(_memory);
                _memory = null;
            }
        }
    }

    /// <summary>
    /// Queues datagrams in a native slab and sends them with sendmmsg(2). With a segment size, runs of datagrams of
    /// that size go to the kernel as one message (UDP GSO), which splits them back into datagrams on the way out.
    /// Not thread-safe.
    /// </summary>
    public sealed class BatchSender : IDisposable
    {
        private const int ControlBytes = 24; // CMSG_SPACE(sizeof(uint16_t))
        private const int MaxSegments = 64; // UDP_MAX_SEGMENTS on older kernels
        private const int MaxMessageBytes = 65000;
        private readonly Socket _socket;
        private readonly int _capacity;
        private readonly int _segment;
        private byte* _memory;
        private readonly MMsgHdr* _messages;
        private readonly IoVec* _iov;
        private readonly byte* _data;
        private readonly byte* _control;
        private int _count;
        private int _segmentsInLast;
        private bool _lastClosed = true;

        /// <param name="socket">A connected UDP socket.</param>
        /// <param name="messages">Messages per sendmmsg call.</param>
        /// <param name="segmentSize">UDP GSO segment size, or 0 for one datagram per message.</param>
        public BatchSender(Socket socket, int messages = 64, int segmentSize = 0)
        {
            _socket = socket;
            _capacity = messages;
            _segment = segmentSize;
            var header = (nuint)(messages * (sizeof(MMsgHdr) + sizeof(IoVec) + ControlBytes));
            _memory = (byte*)NativeMemory.AlignedAlloc(header + ((nuint)messages * 65536), 64);
            _messages = (MMsgHdr*)_memory;
            _iov = (IoVec*)(_messages + messages);
            _control = (byte*)(_iov + messages);
            _data = _memory + header;
        }

        public long DatagramsSent { get; private set; }

        /// <summary>Space for the next datagram of exactly <paramref name="length"/> bytes; fill it before the next call.</summary>
        public Span<byte> Next(int length)
        {
            ObjectDisposedException.ThrowIf(_memory is null, this);
            if (length is <= 0 or > MaxMessageBytes)
            {
                throw new ArgumentOutOfRangeException(nameof(length));
            }

            // Join the open run when it is a GSO run of this size with room left; a shorter datagram ends the run.
            if (!_lastClosed && _segment > 0 && length <= _segment && _segmentsInLast < MaxSegments
                && (int)_iov[_count - 1].Length + length <= MaxMessageBytes)
            {
                var iov = &_iov[_count - 1];
                var at = iov->Base + iov->Length;
                iov->Length += (nuint)length;
                _segmentsInLast++;
                _lastClosed = length < _segment;
                return new Span<byte>(at, length);
            }

            if (_count == _capacity)
            {
                Flush();
            }

            var i = _count++;
            var data = _data + ((long)i * 65536);
            _iov[i] = new IoVec { Base = data, Length = (nuint)length };
            _messages[i] = new MMsgHdr { Header = new MsgHdr { Iov = _iov + i, IovLength = 1 } };
            _segmentsInLast = 1;
            _lastClosed = _segment == 0 || length != _segment;
            return new Span<byte>(data, length);
        }

        /// <summary>Sends everything queued (blocking while the socket's send buffer is full).</summary>
        public void Flush()
        {
            ObjectDisposedException.ThrowIf(_memory is null, this);
            for (var i = 0; i < _count; i++)
            {
                var segments = (int)(_iov[i].Length + (nuint)_segment - 1) / Math.Max(1, _segment);
                if (_segment > 0 && segments > 1)
                {
                    var cmsg = (CmsgHdr*)(_control + (i * ControlBytes));
                    *cmsg = new CmsgHdr { Length = (nuint)(sizeof(CmsgHdr) + sizeof(ushort)), Level = SolUdp, Type = UdpSegment };
                    *(ushort*)(cmsg + 1) = (ushort)_segment;
                    _messages[i].Header.Control = (byte*)cmsg;
                    _messages[i].Header.ControlLength = ControlBytes;
                    DatagramsSent += segments;
                }
                else
                {
                    DatagramsSent++;
                }
            }

            var sent = 0;
            while (sent < _count)
            {
                var n = SendMmsg((int)_socket.Handle, _messages + sent, (uint)(_count - sent), 0);
                if (n < 0)
                {
                    var errno = Errno();
                    if (errno is EIntr or EAgain)
                    {
                        continue;
                    }

                    _count = 0;
                    _lastClosed = true;
                    throw new SocketException(errno);
                }

                sent += n;
            }

            _count = 0;
            _lastClosed = true;
        }

        public void Dispose()
        {
            if (_memory is not null)
            {
                NativeMemory.AlignedFree(_memory);
                _memory = null;
            }
        }
    }
}
