using System.Buffers;
using System.Runtime.InteropServices;

namespace InterPositive.Offload.FileSystem;

/// <summary>
/// Native memory aligned for O_DIRECT (address, and so every block-sized slice of it, on a 4 KiB boundary), handed out
/// as <see cref="Memory{T}"/>. The owner disposes it once; nothing may use its memory after that.
/// </summary>
public sealed unsafe class AlignedBuffer : MemoryManager<byte>
{
    /// <summary>The alignment O_DIRECT needs on every drive we meet (512-byte and 4Kn sectors alike).</summary>
    public const int Alignment = 4096;

    private void* _pointer;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Length = RoundUp(length);
        _pointer = NativeMemory.AlignedAlloc((nuint)Length, Alignment);
    }

    /// <summary>The usable length: the asked length rounded up to <see cref="Alignment"/>.</summary>
    public int Length { get; }

    public static int RoundUp(int length) => (length + Alignment - 1) & ~(Alignment - 1);

    public static long RoundDown(long offset) => offset & ~(long)(Alignment - 1);

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new Span<byte>(_pointer, Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new MemoryHandle((byte*)_pointer + elementIndex);
    }

    public override void Unpin()
    {
        // Native memory never moves.
    }

    /// <summary>True when a slice of memory starts on an O_DIRECT boundary.</summary>
    public static bool IsAligned(Memory<byte> memory) => IsAligned((ReadOnlyMemory<byte>)memory);

    /// <summary>True when a slice of memory starts on an O_DIRECT boundary.</summary>
    public static bool IsAligned(ReadOnlyMemory<byte> memory)
    {
        using var handle = memory.Pin();
        return ((nuint)handle.Pointer & (Alignment - 1)) == 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (_pointer is not null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}
